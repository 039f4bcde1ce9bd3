//! SQL for the outbound queue.

use rusqlite::{Connection, OptionalExtension, params};

use crate::blob::{BlobId, BlobStore};
use crate::error::{Result, StoreError};
use crate::ids::QueueId;
use crate::queue::{DeliveryAttempt, Notify, QueueAction, QueueEntry, QueueRecipient, QueuedMessage, RecipientStatus};
use crate::sqlite::blobrefs;
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::writer::Effects;

pub(crate) use crate::queue::{ret_from_text, ret_to_text, validate};

pub(crate) fn enqueue(conn: &Connection, blobs: &BlobStore, message: &QueuedMessage, now: i64) -> Result<QueueId> {
    validate(&message.return_path, &message.recipients)?;
    blobrefs::acquire(conn, blobs, message.blob, 1, None)?;
    insert(conn, message, now)
}

/// Writes the queue rows of a validated message whose blob reference is taken.
pub(crate) fn insert(conn: &Connection, message: &QueuedMessage, now: i64) -> Result<QueueId> {
    conn.execute_cached(
        "INSERT INTO queue (blob, return_path, envid, ret, created_at, expires_at, require_tls, account) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            message.blob,
            message.return_path,
            message.envid,
            message.ret.map(ret_to_text),
            now,
            message.expires_at,
            message.require_tls,
            message.account
        ],
    )?;
    let id = QueueId(conn.last_insert_rowid());
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO queue_recipients (queue, address, orcpt, notify, status, next_attempt) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for recipient in &message.recipients {
        insert.execute(params![
            id,
            recipient.address,
            recipient.orcpt,
            recipient.notify.bits(),
            RecipientStatus::Pending.as_str(),
            now
        ])?;
    }
    Ok(id)
}

pub(crate) fn list(conn: &Connection) -> Result<Vec<QueueEntry>> {
    entries(conn, None)
}

/// One queued message as it is now, `None` once it is gone.
pub(crate) fn entry(conn: &Connection, id: QueueId) -> Result<Option<QueueEntry>> {
    Ok(entries(conn, Some(id))?.pop())
}

/// The queued messages, or the one `only` names.
fn entries(conn: &Connection, only: Option<QueueId>) -> Result<Vec<QueueEntry>> {
    // Two statements, not one `?1 IS NULL OR id = ?1`: one entry is then a key lookup, not a scan.
    let (in_queue, in_recipients) =
        if only.is_some() { ("id = ?1", "queue = ?1") } else { ("?1 IS NULL", "?1 IS NULL") };
    let mut entries: Vec<QueueEntry> = conn
        .prepare_cached(&format!(
            "SELECT id, blob, return_path, envid, ret, created_at, expires_at, require_tls, account FROM queue \
             WHERE {in_queue} ORDER BY id"
        ))?
        .query_map([only], |row| {
            Ok(QueueEntry {
                id: row.get(0)?,
                blob: row.get(1)?,
                return_path: row.get(2)?,
                envid: row.get(3)?,
                ret: row.get::<_, Option<String>>(4)?.as_deref().and_then(ret_from_text),
                created_at: row.get(5)?,
                expires_at: row.get(6)?,
                require_tls: row.get(7)?,
                recipients: Vec::new(),
                account: row.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut statement = conn.prepare_cached(&format!(
        "SELECT queue, address, orcpt, notify, status, attempts, next_attempt, last_reply \
         FROM queue_recipients WHERE {in_recipients} ORDER BY queue, address"
    ))?;
    let rows = statement.query_map([only], |row| {
        let status: String = row.get(4)?;
        Ok((
            row.get::<_, QueueId>(0)?,
            QueueRecipient {
                address: row.get(1)?,
                orcpt: row.get(2)?,
                notify: Notify::from_bits(row.get(3)?),
                status: status.parse().unwrap_or(RecipientStatus::Held),
                attempts: row.get(5)?,
                next_attempt: row.get(6)?,
                last_reply: row.get(7)?,
            },
        ))
    })?;
    for row in rows {
        let (queue, recipient) = row?;
        // Both lists are ordered by queue id, so a binary search finds the entry.
        if let Ok(at) = entries.binary_search_by_key(&queue, |entry| entry.id) {
            entries[at].recipients.push(recipient);
        }
    }
    Ok(entries)
}

pub(crate) fn record_attempt(conn: &Connection, id: QueueId, recipient: &str, attempt: &DeliveryAttempt) -> Result<()> {
    let updated = conn.execute_cached(
        "UPDATE queue_recipients SET attempts = attempts + 1, status = ?3, next_attempt = ?4, last_reply = ?5 \
         WHERE queue = ?1 AND address = ?2",
        params![id, recipient, attempt.status.as_str(), attempt.next_attempt, attempt.reply],
    )?;
    if updated == 0 {
        return Err(StoreError::NoSuchQueueEntry(id));
    }
    Ok(())
}

/// See [`QueueAction`]. `id` `None` means every queued message.
pub(crate) fn change(conn: &Connection, id: Option<QueueId>, action: QueueAction, now: i64) -> Result<usize> {
    if let Some(id) = id
        && !exists(conn, id)?
    {
        return Err(StoreError::NoSuchQueueEntry(id));
    }
    // `?1 IS NULL` selects every message.
    let recipients = |set: &str, status: &str| {
        format!("UPDATE queue_recipients SET {set} WHERE status = '{status}' AND (?1 IS NULL OR queue = ?1)")
    };
    let changed = match action {
        QueueAction::RetryNow => conn.execute_cached(&recipients("next_attempt = ?2", "pending"), params![id, now])?,
        QueueAction::Hold => conn.execute_cached(&recipients("status = 'held'", "pending"), params![id])?,
        QueueAction::Release => {
            conn.execute_cached(&recipients("status = 'pending', next_attempt = ?2", "held"), params![id, now])?
        }
        QueueAction::ExpireNow => {
            conn.execute_cached(&recipients("status = 'pending', next_attempt = ?2", "held"), params![id, now])?;
            conn.execute_cached(
                "UPDATE queue SET expires_at = min(expires_at, ?2) WHERE ?1 IS NULL OR id = ?1",
                params![id, now],
            )?;
            conn.query_row_cached(
                "SELECT count(*) FROM queue_recipients WHERE status = 'pending' AND (?1 IS NULL OR queue = ?1)",
                params![id],
                |row| row.get::<_, i64>(0),
            )
            .map(|count| usize::try_from(count).unwrap_or(0))?
        }
    };
    Ok(changed)
}

/// Whether the message is still queued.
fn exists(conn: &Connection, id: QueueId) -> Result<bool> {
    Ok(conn.query_row_cached("SELECT 1 FROM queue WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some())
}

pub(crate) fn dequeue(conn: &Connection, effects: &mut Effects, id: QueueId) -> Result<()> {
    let blob: BlobId = conn
        .query_row_cached("SELECT blob FROM queue WHERE id = ?1", [id], |row| row.get(0))
        .optional()?
        .ok_or(StoreError::NoSuchQueueEntry(id))?;
    conn.execute_cached("DELETE FROM queue WHERE id = ?1", [id])?;
    blobrefs::release(conn, effects, blob, 1)
}
