//! Each local account's spam verdict, and the copies it makes: accounts whose verdicts read the same share
//! one copy (one blob), the usual case; an account whose own classifier or correspondents judge otherwise
//! gets its own, with its own `X-Spam-Status:`. An account whose score reaches the discard threshold gets
//! none.

use facteur_primitives::metrics as metric;
use facteur_spam::{Action, Judged};
use facteur_store::{AccountId, Store, StoreError};
use tracing::info;

use crate::persist::{AcceptedMessage, Filing};

/// Accounts that get the same copy: the same spam header fields, filed the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CopyGroup {
    pub accounts: Vec<AccountId>,
    /// `X-Spam-Status:` and `X-Spam-Reasons:` (empty when the message was not judged).
    pub spam_fields: String,
    pub filing: Filing,
}

/// The copies `accounts` get of `message`, in order of their first account.
pub(crate) async fn copy_groups(
    store: &dyn Store,
    message: &AcceptedMessage,
    accounts: &[AccountId],
) -> Result<Vec<CopyGroup>, StoreError> {
    let Some(judgement) = &message.spam else {
        return Ok(vec![CopyGroup { accounts: accounts.to_vec(), spam_fields: String::new(), filing: message.filing }]);
    };
    let judged = Judged::new(&message.content, &judgement.summary);
    let mut groups: Vec<CopyGroup> = Vec::new();
    for &account in accounts {
        let verdict = judgement.for_account(store, account, &judged).await?;
        let score = format!("{:.1}", verdict.verdict.score());
        info!(account = account.0, sender = %format!("<{}>", message.envelope.return_path), %score,
            action = verdict.action.as_str(), "spam verdict");
        metrics::counter!(metric::SPAM_VERDICTS_TOTAL, metric::labels::ACTION => verdict.action.as_str()).increment(1);
        let filing = match verdict.action {
            Action::Discard => continue,
            // Past the end of DATA a reject can no longer be said; it came through a correspondent's exception
            // for another recipient, so this one files it as Junk.
            Action::Junk | Action::Reject => Filing::Junk,
            Action::Deliver => message.filing,
        };
        match groups.iter_mut().find(|group| group.spam_fields == verdict.header_fields && group.filing == filing) {
            Some(group) => group.accounts.push(account),
            None => groups.push(CopyGroup { accounts: vec![account], spam_fields: verdict.header_fields, filing }),
        }
    }
    Ok(groups)
}
