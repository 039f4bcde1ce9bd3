//! Sending delivery reports to the sender of a queued message: one report per kind (failure, delay,
//! success) for the recipients of one attempt. A local sender gets it straight into their INBOX (the store
//! resolves the address, as for any local delivery); anyone else gets it through the queue, from the null
//! reverse-path, so that a report that cannot be delivered is dropped instead of bouncing again.

use std::sync::Arc;

use facteur_message::ingest;
use facteur_store::{DeliveryTarget, Notify, QueueEntry, QueueRecipient, QueuedEnvelope, QueuedRecipient, StoreError};
use tracing::info;

use super::dsn::{Action, Report, ReportedRecipient, build_report};
use super::engine::DeliveryEngine;

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

async fn deliver_report(engine: &DeliveryEngine, to: &str, report: Vec<u8>, now: i64) -> Result<(), StoreError> {
    let store = &engine.store;
    let resolution = store.resolve_recipient(to).await?;
    let (accounts, forwards) = match resolution {
        Some(resolution) => (resolution.accounts, resolution.forwards),
        None => (Vec::new(), vec![to.to_owned()]),
    };
    if !accounts.is_empty() {
        // RFC 5321 §4.4: the final delivery records the (null) reverse-path.
        let mut copy = b"Return-Path: <>\r\n".to_vec();
        copy.extend_from_slice(&report);
        let summary = ingest(&copy).to_bytes();
        let targets = accounts.into_iter().map(DeliveryTarget::inbox).collect();
        store.deliver_content(Arc::from(copy), summary, now, targets).await?;
    }
    if !forwards.is_empty() {
        let lifetime = engine.settings.lifetime.as_secs() as i64;
        let envelope = QueuedEnvelope {
            return_path: String::new(),
            envid: None,
            ret: None,
            expires_at: now.saturating_add(lifetime),
            recipients: forwards
                .into_iter()
                .map(|address| QueuedRecipient { address, orcpt: None, notify: Notify::NEVER })
                .collect(),
        };
        store.enqueue_content(Arc::from(report), envelope).await?;
    }
    Ok(())
}
