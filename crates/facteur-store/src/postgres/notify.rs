//! The change bus across nodes: each write transaction `NOTIFY`s the mailboxes it changed, and every store
//! `LISTEN`s on a connection of its own and puts what it hears on its in-process bus.
//!
//! PostgreSQL delivers a notification only if its transaction commits, and only after the commit, so the bus
//! still announces durable changes only, from whichever node made them. As with SQLite, a write returns only
//! once its own changes are on this store's bus (it waits to hear its own notification, for at most
//! [`HEARING_TIMEOUT`]): whoever subscribes after a write returns never hears of that write.
//!
//! A payload is `NODE WRITE END` then `;account mailbox modseq` per change, cut into several notifications
//! under PostgreSQL's 8000-byte limit when a write changed many mailboxes (`END` is `+` on all but the last).
//! If the listening connection drops, the task connects again (backing off up to a minute) and LISTENs again;
//! changes committed in between were not heard, which costs sessions nothing but a wake-up: they read the
//! store by MODSEQ at their next command anyway, the bus being only a doorbell.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tokio_postgres::AsyncMessage;

use super::Effects;
use super::sql::{Tx, exec};
use crate::change::Change;
use crate::error::{Result, StoreError};
use crate::ids::{AccountId, MailboxId, ModSeq};

/// The notification channel.
const CHANNEL: &str = "facteur_changes";

/// Longest payload we send: PostgreSQL refuses 8000 bytes and more.
const MAX_PAYLOAD: usize = 7900;

/// Longest wait between two attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// How long a write waits to hear its own notification (the listening connection may be down).
const HEARING_TIMEOUT: Duration = Duration::from_secs(2);

/// This store's side of the bus: what it has sent and waits to hear back, and the bus it feeds.
pub(crate) struct Announcer {
    /// Tells this store's notifications from other stores' (other nodes, or another store in this process).
    node: u64,
    next_write: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    bus: broadcast::Sender<Change>,
}

/// A write's notifications, sent in its transaction; [`Ticket::heard`] waits for them after the commit.
pub(crate) struct Ticket {
    announcer: Arc<Announcer>,
    write: u64,
    heard: oneshot::Receiver<()>,
}

impl Ticket {
    /// Returns once this store's bus carries the write's changes, or after [`HEARING_TIMEOUT`].
    pub(crate) async fn heard(mut self) {
        if tokio::time::timeout(HEARING_TIMEOUT, &mut self.heard).await.is_err() {
            tracing::debug!("did not hear this write's change notification in time");
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.announcer.waiting.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.write);
    }
}

impl Announcer {
    pub(crate) fn new(bus: broadcast::Sender<Change>) -> Result<Arc<Announcer>> {
        let mut bytes = [0u8; 8];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
            .map_err(|_| StoreError::Corrupt("no randomness for the store's node id".into()))?;
        let node = u64::from_le_bytes(bytes);
        Ok(Arc::new(Announcer { node, next_write: AtomicU64::new(1), waiting: Mutex::default(), bus }))
    }

    /// Announces, in the caller's transaction, every mailbox the operation changed.
    pub(crate) async fn publish(self: &Arc<Self>, tx: &Tx<'_>, effects: &Effects) -> Result<Option<Ticket>> {
        if effects.touched.is_empty() {
            return Ok(None);
        }
        let write = self.next_write.fetch_add(1, Ordering::Relaxed);
        let (sender, heard) = oneshot::channel();
        self.waiting.lock().unwrap_or_else(PoisonError::into_inner).insert(write, sender);
        let ticket = Ticket { announcer: Arc::clone(self), write, heard };
        let changes: Vec<String> = effects
            .touched
            .iter()
            .map(|(mailbox, (account, modseq))| format!(";{} {} {}", account.0, mailbox.0, modseq.0))
            .collect();
        let mut chunks = Vec::new();
        let mut chunk = String::new();
        for change in changes {
            if chunk.len() + change.len() > MAX_PAYLOAD - 64 {
                chunks.push(std::mem::take(&mut chunk));
            }
            chunk.push_str(&change);
        }
        chunks.push(chunk);
        let last = chunks.len() - 1;
        for (index, chunk) in chunks.iter().enumerate() {
            let end = if index == last { "." } else { "+" };
            let payload = format!("{} {write} {end}{chunk}", self.node);
            exec(tx, "SELECT pg_notify($1, $2)", &[&CHANNEL, &payload]).await?;
        }
        Ok(Some(ticket))
    }

    /// Puts what a notification says on the bus, and wakes the write that sent it if it was ours.
    fn heard(&self, payload: &str) {
        let Some((node, write, last, changes)) = parse(payload) else {
            return tracing::warn!(payload, "unexpected change notification");
        };
        for change in changes {
            // No receiver is not an error: nobody is listening yet.
            let _ = self.bus.send(change);
        }
        if node == self.node && last {
            let waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner).remove(&write);
            if let Some(sender) = waiting {
                let _ = sender.send(());
            }
        }
    }
}

/// `(node, write, last, changes)`, `None` for anything else.
fn parse(payload: &str) -> Option<(u64, u64, bool, Vec<Change>)> {
    let mut parts = payload.split(';');
    let mut header = parts.next()?.split(' ');
    let node = header.next()?.parse().ok()?;
    let write = header.next()?.parse().ok()?;
    let last = match header.next()? {
        "." => true,
        "+" => false,
        _ => return None,
    };
    if header.next().is_some() {
        return None;
    }
    let changes = parts.map(parse_change).collect::<Option<Vec<_>>>()?;
    Some((node, write, last, changes))
}

fn parse_change(text: &str) -> Option<Change> {
    let mut fields = text.split(' ');
    let account = AccountId(fields.next()?.parse().ok()?);
    let mailbox = MailboxId(fields.next()?.parse().ok()?);
    let modseq = ModSeq(fields.next()?.parse().ok()?);
    fields.next().is_none().then_some(Change { account, mailbox, modseq })
}

/// Starts listening, and returns once the first LISTEN is in place: a change committed after `open` returns
/// is heard. The task runs until aborted.
pub(crate) async fn start(
    config: tokio_postgres::Config,
    tls: super::Tls,
    announcer: Arc<Announcer>,
) -> Result<JoinHandle<()>> {
    let first = listen(&config, &tls, &announcer).await?;
    Ok(tokio::spawn(async move {
        first.await;
        let mut backoff = Duration::from_secs(1);
        loop {
            tracing::warn!(retry_in = ?backoff, "lost the database connection that hears other nodes' changes");
            tokio::time::sleep(backoff).await;
            match listen(&config, &tls, &announcer).await {
                Ok(session) => {
                    tracing::info!("listening to database changes again");
                    backoff = Duration::from_secs(1);
                    session.await;
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot listen to database changes");
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }))
}

/// Connects and LISTENs; the future returned ends when that connection does.
async fn listen(
    config: &tokio_postgres::Config,
    tls: &super::Tls,
    announcer: &Arc<Announcer>,
) -> Result<impl Future<Output = ()> + Send + use<>> {
    let (client, mut connection) = config.connect(tls.clone()).await?;
    let announcer = Arc::clone(announcer);
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(note)) => announcer.heard(note.payload()),
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "database connection for change notifications failed");
                    break;
                }
            }
        }
    });
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    Ok(async move {
        // The client lives as long as the connection is wanted.
        let _client = client;
        let _ = driver.await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trips_and_garbage_is_ignored() {
        let change = Change { account: AccountId(3), mailbox: MailboxId(14), modseq: ModSeq(159) };
        assert_eq!(parse("7 2 .;3 14 159"), Some((7, 2, true, vec![change])));
        assert_eq!(parse("7 2 +;3 14 159;3 14 159"), Some((7, 2, false, vec![change, change])));
        for garbage in ["", "7 2", "7 2 .;3 14", "7 2 .;3 14 159 2", "a b .;1 2 3", "7 2 x;3 14 159", "7 2 .;3 14 -1"] {
            assert_eq!(parse(garbage), None, "{garbage:?}");
        }
    }
}
