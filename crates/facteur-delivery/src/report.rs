//! Sending delivery reports to the sender of a queued message: one report per kind (failure, delay,
//! success) for the recipients of one attempt. A local sender gets it straight into their INBOX (the store
//! resolves the address, as for any local delivery); anyone else gets it through the queue, from the null
//! reverse-path, so that a report that cannot be delivered is dropped instead of bouncing again.

use std::sync::Arc;
use std::time::Duration;

use facteur_store::{Notify, QueueEntry, QueueRecipient, Store, StoreError};
use tracing::info;

use crate::dsn::{Action, Report, ReportedRecipient, build_report};
use crate::engine::DeliveryEngine;
use crate::envelope::{Destination, Envelope, Recipient};
use crate::filter::SieveFiltering;
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
        let (store, filtering) = (&engine.store, &engine.settings.filtering);
        deliver_report(store, filtering, engine.settings.lifetime, &entry.return_path, bytes, now).await?;
    }
    Ok(())
}

/// A message just accepted whose copies some recipients did not get: their mailbox was full.
#[derive(Debug)]
pub struct FullMailboxes<'a> {
    /// Our name, the report's `Reporting-MTA`.
    pub hostname: &'a str,
    /// How long the report is retried.
    pub lifetime: Duration,
    pub envelope: &'a Envelope,
    pub original: &'a [u8],
    /// The recipients (as the envelope names them) who did not get it.
    pub full: &'a [String],
    pub now: i64,
}

/// Tells the sender of a message just accepted that these recipients did not get it: their mailbox was full
/// (RFC 3463 X.2.2), while the others' copies were stored. Nothing for the null sender, nor for recipients
/// who asked for no failure report (RFC 3461 §4.1).
pub async fn report_full_mailboxes(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    refused: FullMailboxes<'_>,
) -> Result<(), StoreError> {
    let FullMailboxes { hostname, lifetime, envelope, original, full, now } = refused;
    if envelope.return_path.is_empty() {
        return Ok(());
    }
    let diagnostic = "552 5.2.2 mailbox full";
    let recipients: Vec<ReportedRecipient<'_>> = envelope
        .recipients
        .iter()
        .filter(|recipient| full.contains(&recipient.address) && recipient.notify.contains(Notify::FAILURE))
        .map(|recipient| ReportedRecipient {
            address: &recipient.address,
            orcpt: recipient.orcpt.as_deref(),
            action: Action::Failed,
            diagnostic: Some(diagnostic),
        })
        .collect();
    if recipients.is_empty() {
        return Ok(());
    }
    let report = Report {
        reporting_mta: hostname,
        to: &envelope.return_path,
        envid: envelope.envid.as_deref(),
        arrival: now,
        now,
        retry_until: None,
        ret: envelope.ret,
        original,
        recipients,
    };
    info!(to = %envelope.return_path, refused = %full.join(", "), "mailbox full: sending a failure report to the sender");
    deliver_report(store, filtering, lifetime, &envelope.return_path, build_report(&report), now).await
}

/// Through the one persist path, like any message: from the null reverse-path, to a local sender's INBOX or
/// through the queue, never asking for a report on the report (RFC 3461 §4.1: NOTIFY=NEVER).
pub(crate) async fn deliver_report(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    lifetime: Duration,
    to: &str,
    report: Vec<u8>,
    now: i64,
) -> Result<(), StoreError> {
    let destination = match store.resolve_recipient(to).await? {
        Some(resolution) => Destination::Local(resolution),
        None => Destination::Remote,
    };
    let recipient = Recipient { address: to.to_owned(), destination, notify: Notify::NEVER, orcpt: None };
    let message = AcceptedMessage {
        envelope: Envelope {
            return_path: String::new(),
            envid: None,
            ret: None,
            require_tls: false,
            recipients: vec![recipient],
        },
        trace: String::new(),
        content: report,
        filing: Filing::Inbox,
        spam: None,
        now,
        expires_at: now.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)),
        sender_account: None,
    };
    match persist(store, filtering, message).await {
        Ok(_) => Ok(()),
        Err(PersistError::Store(error)) => Err(error),
        // A full mailbox: the attempt is not recorded, so the report is tried again with it.
        Err(PersistError::OverQuota { source, .. }) => Err(source),
        Err(PersistError::Task(error)) => Err(StoreError::Corrupt(format!("report task failed: {error}"))),
        // Not from `persist`, which reports refusals by message.
        Err(PersistError::Refused(_)) => Ok(()),
    }
}
