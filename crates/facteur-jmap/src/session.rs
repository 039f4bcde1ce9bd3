//! The session resource at `/.well-known/jmap` (RFC 8620 §2): the capabilities with the limits the server
//! enforces, the user's account, and the URLs of the other endpoints.

use facteur_store::Account;
use serde_json::{Value, json};

use crate::protocol::{CORE, MAIL, SUBMISSION, VACATION};
use crate::{Inner, ids};

/// Sort properties Email/query accepts (RFC 8621 §4.4.2).
pub const EMAIL_SORT_OPTIONS: [&str; 7] = ["receivedAt", "sentAt", "size", "from", "to", "subject", "hasKeyword"];

/// The session resource for `account`, with URLs under `origin` (`https://host:port`).
pub(crate) fn resource(inner: &Inner, account: &Account, origin: &str) -> Value {
    let limits = &inner.limits;
    let account_id = ids::account(account.id);
    json!({
        "capabilities": {
            CORE: {
                "maxSizeUpload": limits.max_size_upload,
                "maxConcurrentUpload": limits.max_concurrent_upload,
                "maxSizeRequest": limits.max_size_request,
                "maxConcurrentRequests": limits.max_concurrent_requests,
                "maxCallsInRequest": limits.max_calls_in_request,
                "maxObjectsInGet": limits.max_objects_in_get,
                "maxObjectsInSet": limits.max_objects_in_set,
                "collationAlgorithms": ["i;ascii-casemap", "i;unicode-casemap"],
            },
            MAIL: {},
            SUBMISSION: {},
            VACATION: {},
        },
        "accounts": {
            &account_id: {
                "name": account.address,
                "isPersonal": true,
                "isReadOnly": false,
                "accountCapabilities": {
                    MAIL: {
                        // One mailbox per email: the store's rows are IMAP's, one per mailbox.
                        "maxMailboxesPerEmail": 1,
                        "maxMailboxDepth": null,
                        "maxSizeMailboxName": facteur_store::mailbox::MAX_NAME_LEN,
                        "maxSizeAttachmentsPerEmail": limits.max_size_upload,
                        "emailQuerySortOptions": EMAIL_SORT_OPTIONS,
                        "mayCreateTopLevelMailbox": true,
                    },
                    SUBMISSION: { "maxDelayedSend": 0, "submissionExtensions": {} },
                    VACATION: {},
                },
            },
        },
        "primaryAccounts": { MAIL: &account_id, SUBMISSION: &account_id, VACATION: &account_id },
        "username": account.address,
        "apiUrl": format!("{origin}/jmap/api"),
        "downloadUrl": format!("{origin}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?type={{type}}"),
        "uploadUrl": format!("{origin}/jmap/upload/{{accountId}}/"),
        "eventSourceUrl": format!("{origin}/jmap/eventsource?types={{types}}&closeafter={{closeafter}}&ping={{ping}}"),
        "state": session_state(account),
    })
}

/// Changes only when what the session resource says changes: which account, whose address never changes.
pub(crate) fn session_state(account: &Account) -> String {
    ids::account(account.id)
}
