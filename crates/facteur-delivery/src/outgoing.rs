//! Messages the server writes itself (out-of-office replies, reject reports, notices) and mail a filter sends
//! on, handed to the one persist path: a local address gets its own filters, a remote one the queue.

use std::sync::Arc;

use facteur_store::Store;

use crate::envelope::{Envelope, resolve_recipients};
use crate::filter::SieveFiltering;
use crate::persist::{AcceptedMessage, Filing, persist};

/// How long a reply or report of ours is retried.
pub(crate) const REPLY_LIFETIME_SECS: i64 = 2 * 86_400;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Stores or queues `content` for `to`, from `return_path` ("" for the null path of our own replies, RFC
/// 3834 §3.1.7), retried until `expires_at`; a local `to`'s script runs as `filtering` says.
pub(crate) async fn send_filtered(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    return_path: &str,
    to: &str,
    content: Vec<u8>,
    now: i64,
    expires_at: i64,
) -> Result<(), Failure> {
    let recipients = resolve_recipients(store.as_ref(), &[to.to_owned()])
        .await
        .map_err(|unresolved| format!("{to} cannot be reached: {unresolved:?}"))?;
    let message = AcceptedMessage {
        envelope: Envelope {
            return_path: return_path.to_owned(),
            envid: None,
            ret: None,
            require_tls: false,
            recipients,
        },
        trace: String::new(),
        content,
        filing: Filing::Inbox,
        spam: None,
        now,
        expires_at,
        sender_account: None,
    };
    Box::pin(persist(store, filtering, message)).await?;
    Ok(())
}
