//! SQL for the outbound queue, shared by every node: as `sqlite/queue.rs`, plus the lease that lets one node
//! at a time work on an entry (`claim`, `release`).

use std::collections::BTreeMap;

use crate::error::{Result, StoreError};
use crate::ids::{AccountId, QueueId};
use crate::postgres::columns::blob_id;
use crate::postgres::sql::{Tx, exec, row, rows, value};
use crate::postgres::{Effects, content};
use crate::queue::{
    DeliveryAttempt, Notify, QueueAction, QueueEntry, QueueRecipient, QueuedMessage, RecipientStatus, ret_from_text,
    ret_to_text,
};

/// Writes the queue rows of a validated message, taking its blob reference (`content` stores the content if
/// it has no row yet).
pub(crate) async fn insert(tx: &Tx<'_>, message: &QueuedMessage, content: Option<&[u8]>, now: i64) -> Result<QueueId> {
    content::acquire(tx, message.blob, content, 1, None).await?;
    let id: i64 = value(
        tx,
        "INSERT INTO queue (blob, return_path, envid, ret, created_at, expires_at, require_tls, account) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            &&message.blob.0[..],
            &message.return_path,
            &message.envid,
            &message.ret.map(ret_to_text),
            &now,
            &message.expires_at,
            &message.require_tls,
            &message.account.map(|account| account.0),
        ],
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("INSERT … RETURNING returned no row".into()))?;
    for recipient in &message.recipients {
        exec(
            tx,
            "INSERT INTO queue_recipients (queue, address, orcpt, notify, status, next_attempt) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[
                &id,
                &recipient.address,
                &recipient.orcpt,
                &i32::from(recipient.notify.bits()),
                &RecipientStatus::Pending.as_str(),
                &now,
            ],
        )
        .await?;
    }
    Ok(QueueId(id))
}

pub(crate) async fn list(tx: &Tx<'_>) -> Result<Vec<QueueEntry>> {
    entries(tx, None).await
}

/// The queued messages, or the one `only` names.
async fn entries(tx: &Tx<'_>, only: Option<QueueId>) -> Result<Vec<QueueEntry>> {
    // Two statements, not one `$1 IS NULL OR id = $1`: one entry is then a key lookup, not a scan.
    let (in_queue, in_recipients) =
        if only.is_some() { ("id = $1", "queue = $1") } else { ("$1::bigint IS NULL", "$1::bigint IS NULL") };
    let only = only.map(|id| id.0);
    let sql = format!(
        "SELECT id, blob, return_path, envid, ret, created_at, expires_at, require_tls, account FROM queue \
         WHERE {in_queue} ORDER BY id"
    );
    let mut entries = BTreeMap::new();
    for found in rows(tx, &sql, &[&only]).await? {
        let id = QueueId(found.try_get(0)?);
        let entry = QueueEntry {
            id,
            blob: blob_id(&found, 1)?,
            return_path: found.try_get(2)?,
            envid: found.try_get(3)?,
            ret: found.try_get::<_, Option<&str>>(4)?.and_then(ret_from_text),
            created_at: found.try_get(5)?,
            expires_at: found.try_get(6)?,
            require_tls: found.try_get(7)?,
            recipients: Vec::new(),
            account: found.try_get::<_, Option<i64>>(8)?.map(AccountId),
        };
        entries.insert(id, entry);
    }
    let sql = format!(
        "SELECT queue, address, orcpt, notify, status, attempts, next_attempt, last_reply \
         FROM queue_recipients WHERE {in_recipients} ORDER BY queue, address"
    );
    for found in rows(tx, &sql, &[&only]).await? {
        let notify: i32 = found.try_get(3)?;
        let attempts: i64 = found.try_get(5)?;
        let recipient = QueueRecipient {
            address: found.try_get(1)?,
            orcpt: found.try_get(2)?,
            notify: Notify::from_bits(u8::try_from(notify).unwrap_or(0)),
            status: found.try_get::<_, &str>(4)?.parse().unwrap_or(RecipientStatus::Held),
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            next_attempt: found.try_get(6)?,
            last_reply: found.try_get(7)?,
        };
        if let Some(entry) = entries.get_mut(&QueueId(found.try_get(0)?)) {
            entry.recipients.push(recipient);
        }
    }
    Ok(entries.into_values().collect())
}

pub(crate) async fn record_attempt(tx: &Tx<'_>, id: QueueId, recipient: &str, attempt: &DeliveryAttempt) -> Result<()> {
    let updated = exec(
        tx,
        "UPDATE queue_recipients SET attempts = attempts + 1, status = $3, next_attempt = $4, last_reply = $5 \
         WHERE queue = $1 AND address = $2",
        &[&id.0, &recipient, &attempt.status.as_str(), &attempt.next_attempt, &attempt.reply],
    )
    .await?;
    if updated == 0 {
        return Err(StoreError::NoSuchQueueEntry(id));
    }
    Ok(())
}

/// See [`QueueAction`]. `id` `None` means every queued message.
pub(crate) async fn change(tx: &Tx<'_>, id: Option<QueueId>, action: QueueAction, now: i64) -> Result<usize> {
    let id = id.map(|id| id.0);
    if let Some(id) = id
        && row(tx, "SELECT 1 FROM queue WHERE id = $1", &[&id]).await?.is_none()
    {
        return Err(StoreError::NoSuchQueueEntry(QueueId(id)));
    }
    // `$1 IS NULL` selects every message.
    let recipients = |set: &str, status: &str| {
        format!("UPDATE queue_recipients SET {set} WHERE status = '{status}' AND ($1::bigint IS NULL OR queue = $1)")
    };
    let changed = match action {
        QueueAction::RetryNow => exec(tx, &recipients("next_attempt = $2", "pending"), &[&id, &now]).await?,
        QueueAction::Hold => exec(tx, &recipients("status = 'held'", "pending"), &[&id]).await?,
        QueueAction::Release => {
            exec(tx, &recipients("status = 'pending', next_attempt = $2", "held"), &[&id, &now]).await?
        }
        QueueAction::ExpireNow => {
            exec(tx, &recipients("status = 'pending', next_attempt = $2", "held"), &[&id, &now]).await?;
            exec(
                tx,
                "UPDATE queue SET expires_at = least(expires_at, $2) WHERE $1::bigint IS NULL OR id = $1",
                &[&id, &now],
            )
            .await?;
            let sql =
                "SELECT count(*) FROM queue_recipients WHERE status = 'pending' AND ($1::bigint IS NULL OR queue = $1)";
            value::<i64>(tx, sql, &[&id]).await?.map_or(0, |count| u64::try_from(count).unwrap_or(0))
        }
    };
    Ok(usize::try_from(changed).unwrap_or(usize::MAX))
}

pub(crate) async fn dequeue(tx: &Tx<'_>, effects: &mut Effects, id: QueueId) -> Result<()> {
    let found = row(tx, "DELETE FROM queue WHERE id = $1 RETURNING blob", &[&id.0]).await?;
    let found = found.ok_or(StoreError::NoSuchQueueEntry(id))?;
    content::release(tx, effects, blob_id(&found, 0)?, 1).await
}

/// Takes the entry's lease until `until` if nobody holds it at `now`, and reads it as it is under the lease.
/// `SKIP LOCKED`: an entry another node is claiming at this instant is simply not ours this time, without
/// waiting for it.
pub(crate) async fn claim(tx: &Tx<'_>, id: QueueId, now: i64, until: i64) -> Result<Option<QueueEntry>> {
    let sql = "SELECT 1 FROM queue WHERE id = $1 AND leased_until <= $2 FOR UPDATE SKIP LOCKED";
    if row(tx, sql, &[&id.0, &now]).await?.is_none() {
        return Ok(None);
    }
    exec(tx, "UPDATE queue SET leased_until = $2 WHERE id = $1", &[&id.0, &until]).await?;
    Ok(entries(tx, Some(id)).await?.pop())
}

/// Gives up the lease taken with `until`, if it is still that one.
pub(crate) async fn release(tx: &Tx<'_>, id: QueueId, until: i64) -> Result<()> {
    exec(tx, "UPDATE queue SET leased_until = 0 WHERE id = $1 AND leased_until = $2", &[&id.0, &until]).await?;
    Ok(())
}
