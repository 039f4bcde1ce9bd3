//! The delivery history: what became of each recipient of each message, inbound (accepted or refused at our
//! door) and outbound (delivered, deferred or bounced by the next server). Each event is one log line with
//! stable field names, for the admin, fail2ban and log shippers alike, and one row the store keeps for
//! `[log] history_days` (30 by default), for `facteur trace` and `facteur stats`.
//!
//! Recording never slows mail down: the line is logged at once and the row is written by a task of its own,
//! which the store's writer batches with other writes. The history is a diagnostic record, not mail: a crash
//! may lose its last rows, never a message.

use std::sync::Arc;

use crate::ids::QueueId;
use crate::store::Store;

/// Which way the message was going.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Arriving at this server over SMTP (MX or submission).
    Inbound,
    /// Leaving it, to another domain's server.
    Outbound,
}

/// What happened to one recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fate {
    /// Inbound: we answered 250 for it.
    Accepted,
    /// Inbound: we refused it (4xx or 5xx; the reply says which).
    Refused,
    /// Outbound: the next server accepted it.
    Delivered,
    /// Outbound: not this time; it stays in the queue.
    Deferred,
    /// Outbound: given up on; the sender gets a report.
    Bounced,
}

/// One recipient's event. Empty strings stand for "none" (no TLS, no queue id, no authenticated account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryEvent {
    /// Unix seconds.
    pub at: i64,
    pub direction: Direction,
    pub fate: Fate,
    pub queue_id: Option<QueueId>,
    /// The envelope sender (MAIL FROM), empty for a bounce.
    pub sender: String,
    pub recipient: String,
    /// The authenticated account that submitted it, if any: who the outbound indicators are about.
    pub account: String,
    /// Outbound: the server we talked to (MX host, route or smarthost); inbound: the client's EHLO name.
    pub remote_host: String,
    pub remote_ip: String,
    /// The reply that decided: the remote server's (outbound) or ours (inbound), or why no server was reached.
    pub reply: String,
    /// The TLS version of the session ("TLSv1.3"), empty without TLS.
    pub tls: String,
    /// Whether the peer's certificate was verified (outbound: a policy or the smarthost required it).
    pub tls_verified: bool,
    /// Outbound: seconds since the message was queued.
    pub delay_secs: i64,
}

/// Which events [`Store::history`] returns: those at or after `since` matching every criterion given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    pub since: i64,
    pub queue_id: Option<QueueId>,
    /// Sender or recipient, exactly (case-insensitive).
    pub address: Option<String>,
    /// The recipient's domain.
    pub domain: Option<String>,
    /// Most events returned, the newest ones.
    pub limit: usize,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "in",
            Direction::Outbound => "out",
        }
    }

    pub fn parse(text: &str) -> Option<Direction> {
        [Direction::Inbound, Direction::Outbound].into_iter().find(|d| d.as_str() == text)
    }
}

impl Fate {
    pub const ALL: [Fate; 5] = [Fate::Accepted, Fate::Refused, Fate::Delivered, Fate::Deferred, Fate::Bounced];

    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Accepted => "accepted",
            Fate::Refused => "refused",
            Fate::Delivered => "delivered",
            Fate::Deferred => "deferred",
            Fate::Bounced => "bounced",
        }
    }

    pub fn parse(text: &str) -> Option<Fate> {
        Fate::ALL.into_iter().find(|fate| fate.as_str() == text)
    }
}

impl DeliveryEvent {
    /// The recipient's domain, lower-cased: what outbound indicators are grouped by.
    pub fn recipient_domain(&self) -> String {
        self.recipient.rsplit_once('@').map_or(String::new(), |(_, domain)| domain.to_ascii_lowercase())
    }

    /// The log line, target `facteur::delivery`. Field names are stable; strings are values (quoted in the text
    /// format, JSON strings in the JSON one), absent ones empty.
    pub fn log(&self) {
        tracing::info!(
            target: "facteur::delivery",
            direction = self.direction.as_str(),
            result = self.fate.as_str(),
            queue_id = self.queue_id.map(|id| id.0),
            from = self.sender.as_str(),
            to = self.recipient.as_str(),
            account = self.account.as_str(),
            remote_host = self.remote_host.as_str(),
            remote_ip = self.remote_ip.as_str(),
            reply = self.reply.as_str(),
            tls = self.tls.as_str(),
            tls_verified = self.tls_verified,
            delay_secs = self.delay_secs,
            "delivery"
        );
    }
}

/// THE way events are recorded: logged now, kept by a write of their own that nobody waits for.
pub fn record(store: &Arc<dyn Store>, events: Vec<DeliveryEvent>) {
    if events.is_empty() {
        return;
    }
    for event in &events {
        event.log();
    }
    let store = Arc::clone(store);
    tokio::spawn(async move {
        if let Err(error) = store.record_history(events).await {
            tracing::warn!(%error, "delivery history: events logged but not kept");
        }
    });
}
