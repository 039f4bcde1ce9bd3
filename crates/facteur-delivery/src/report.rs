//! Sending delivery reports to the sender of a queued message: one report per kind (failure, delay,
//! success) for the recipients of one attempt. A local sender gets it straight into their INBOX (the store
//! resolves the address, as for any local delivery); anyone else gets it through the queue, from the null
//! reverse-path, so that a report that cannot be delivered is dropped instead of bouncing again.

use facteur_store::{Notify, QueueEntry, QueueRecipient, StoreError};
use tracing::info;

use crate::dsn::{Action, Report, ReportedRecipient, build_report};
use crate::engine::DeliveryEngine;
use crate::envelope::{Destination, Envelope, Recipient};
use crate::persist::{AcceptedMessage, Filing, PersistError, persist};

/// One recipient to report on.
#[derive(Debug, Clone)]
pub struct Notice<'a> {
    pub recipient: &'a QueueRecipient,
    pub action: Action,
    pub diagnostic: &'a str,
}

/// Sends the reports `notices` call for to `entry.return_path`, which must not be the null sender.
pub async fn send_reports(
    engine: &DeliveryEngine,
    entry: &QueueEntry,
    original: &[u8],
    notices: Vec<Notice<'_>>,
    now: i64,
) -> Result<(), StoreError> {
    for action in [Action::Failed, Action::Delayed, Action::Relayed] {
        let recipients: Vec<ReportedRecipient<'_>> = notices
            .iter()
            .filter(|notice| notice.action == action)
            .map(|notice| ReportedRecipient {
                address: &notice.recipient.address,
                orcpt: notice.recipient.orcpt.as_deref(),
                action,
                diagnostic: Some(notice.diagnostic),
            })
            .collect();
        if recipients.is_empty() {
            continue;
        }
        let report = Report {
            reporting_mta: &engine.settings.hostname,
            to: &entry.return_path,
            envid: entry.envid.as_deref(),
            arrival: entry.created_at,
            now,
            retry_until: Some(entry.expires_at),
            ret: entry.ret,
            original,
            recipients,
        };
        let bytes = build_report(&report);
        info!(queue_id = entry.id.0, action = ?action, "outbound: sending a delivery report to the sender");
        deliver_report(engine, &entry.return_path, bytes, now).await?;
    }
    Ok(())
}

/// Through the one persist path, like any message: from the null reverse-path, to a local sender's INBOX or
/// through the queue, never asking for a report on the report (RFC 3461 §4.1: NOTIFY=NEVER).
pub(crate) async fn deliver_report(
    engine: &DeliveryEngine,
    to: &str,
    report: Vec<u8>,
    now: i64,
) -> Result<(), StoreError> {
    let destination = match engine.store.resolve_recipient(to).await? {
        Some(resolution) => Destination::Local(resolution),
        None => Destination::Remote,
    };
    let recipient = Recipient { address: to.to_owned(), destination, notify: Notify::NEVER, orcpt: None };
    let message = AcceptedMessage {
        envelope: Envelope { return_path: String::new(), envid: None, ret: None, recipients: vec![recipient] },
        trace: String::new(),
        content: report,
        filing: Filing::Inbox,
        now,
        expires_at: now.saturating_add(engine.settings.lifetime.as_secs() as i64),
    };
    match persist(&engine.store, message).await {
        Ok(_) => Ok(()),
        Err(PersistError::Store(error)) => Err(error),
        // A full mailbox: the attempt is not recorded, so the report is tried again with it.
        Err(PersistError::OverQuota { source, .. }) => Err(source),
        Err(PersistError::Task(error)) => Err(StoreError::Corrupt(format!("report task failed: {error}"))),
    }
}
