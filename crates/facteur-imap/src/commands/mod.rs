//! The command families, one file each, as `Session` methods. Each starts with the RFC sections it
//! implements. Handlers return the tagged answer untagged; the loop tags it.

/// CAPABILITY, LOGOUT, ID, ENABLE, NAMESPACE (RFC 9051 §6.1, RFC 2971, RFC 5161, RFC 2342).
mod any;
/// APPEND (RFC 9051 §6.3.12, RFC 4315 APPENDUID, RFC 7889 APPENDLIMIT).
mod append;
/// STARTTLS, LOGIN, AUTHENTICATE (RFC 9051 §6.2, RFC 4959 SASL-IR).
mod auth;
/// COMPRESS (RFC 4978).
mod compress;
/// COPY and MOVE (RFC 9051 §6.4.7-8, RFC 6851, RFC 4315 COPYUID).
mod copy;
/// EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315).
mod expunge;
/// FETCH (RFC 9051 §6.4.5, RFC 7162 CHANGEDSINCE/VANISHED).
mod fetch;
/// IDLE (RFC 2177).
mod idle;
/// LIST and LSUB (RFC 9051 §6.3.9, RFC 5258, RFC 5819, RFC 6154).
mod list;
/// CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.4-8, RFC 6154 §3).
mod mailbox;
/// GETQUOTA, GETQUOTAROOT, SETQUOTA (RFC 9208 §4).
mod quota;
/// SEARCH (RFC 9051 §6.4.4, RFC 4731 ESEARCH, RFC 7162 MODSEQ).
mod search;
/// SELECT, EXAMINE, CLOSE, UNSELECT (RFC 9051 §6.3.2-3, §6.4.1-2, RFC 7162 §3.2.5 QRESYNC).
mod select;
/// SORT and UID SORT (RFC 5256 §3, RFC 5957 DISPLAY, RFC 5267 ESORT).
mod sort;
/// STATUS (RFC 9051 §6.3.11, RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ).
mod status;
/// STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3 UNCHANGEDSINCE).
mod store;
/// THREAD and UID THREAD (RFC 5256 §3).
mod thread;

use facteur_imap_proto::{MailboxName, ResponseCode, StatusResponse};
use facteur_store::{AccountId, Mailbox, Store, StoreError};
use tracing::warn;

use facteur_store::special_folders::role_of_name;

/// The mailbox a client names, through the special-folder table when no mailbox has that exact name, so
/// "Sent Items" lands in the account's \Sent mailbox. Only for commands that use a mailbox (SELECT, STATUS,
/// APPEND, COPY, MOVE, SUBSCRIBE), never for DELETE or RENAME, which must name what they destroy.
pub(crate) async fn resolve_mailbox(
    store: &dyn Store,
    account: AccountId,
    name: &MailboxName,
) -> Result<Option<Mailbox>, StoreError> {
    if let Some(mailbox) = store.mailbox_by_name(account, name.as_str()).await? {
        return Ok(Some(mailbox));
    }
    match role_of_name(name.as_str()) {
        Some(role) => store.mailbox_by_role(account, role).await,
        None => Ok(None),
    }
}

/// NO for a mailbox that does not exist.
pub(crate) fn no_such_mailbox() -> StatusResponse {
    StatusResponse::no(None, "No such mailbox").with_code(ResponseCode::Nonexistent)
}

/// The answer for a store failure: the client gets a response code it can act on, the operator a log line
/// for the failures that are ours.
pub(crate) fn store_failure(error: &StoreError) -> StatusResponse {
    let no = |code, text: String| StatusResponse::no(None, text).with_code(code);
    match error {
        StoreError::NotFound(..) | StoreError::NoSuchMailbox(_) => no(ResponseCode::Nonexistent, error.to_string()),
        StoreError::AlreadyExists(..) => no(ResponseCode::AlreadyExists, error.to_string()),
        StoreError::InvalidMailboxName(..) | StoreError::RenameIntoItself(_) | StoreError::InboxIsPermanent => {
            no(ResponseCode::Cannot, error.to_string())
        }
        StoreError::SpecialUseTaken { .. } => no(ResponseCode::UseAttr, error.to_string()),
        StoreError::QuotaExceeded { .. } => no(ResponseCode::OverQuota, "Mailbox quota exceeded".to_owned()),
        StoreError::InvalidKeyword(_) | StoreError::TooManyKeywords(_) => no(ResponseCode::Limit, error.to_string()),
        StoreError::BlobMissing(_) => no(ResponseCode::Unavailable, "Temporary failure, try again".to_owned()),
        // RFC 5530 §3: UNAVAILABLE, "a subsystem is down": the database of a shared store is out of reach.
        transient if transient.is_transient() => {
            warn!(error = %transient, "store unavailable, answered NO [UNAVAILABLE]: check the database server");
            no(ResponseCode::Unavailable, "The mail store is unavailable, try again later".to_owned())
        }
        other => {
            warn!(error = %other, "store failure");
            no(ResponseCode::ServerBug, "Internal error, try again later".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_answers_unavailable_not_serverbug() {
        let answer = store_failure(&StoreError::Unavailable("connection refused".into()));
        assert_eq!(answer.code, Some(ResponseCode::Unavailable));
        let answer = store_failure(&StoreError::Corrupt("bad row".into()));
        assert_eq!(answer.code, Some(ResponseCode::ServerBug));
    }
}
