//! SQL for the delivery history, shared by every node: as `sqlite/history.rs`.

use tokio_postgres::Row;

use crate::error::{Result, StoreError};
use crate::history::{DeliveryEvent, Direction, Fate, HistoryQuery};
use crate::ids::QueueId;
use crate::postgres::sql::{Tx, exec, rows};

pub(crate) async fn record(tx: &Tx<'_>, events: &[DeliveryEvent]) -> Result<()> {
    let statement = tx
        .prepare_cached(
            "INSERT INTO delivery_history (at, direction, fate, queue_id, sender, recipient, recipient_domain, \
             account, remote_host, remote_ip, reply, tls, tls_verified, delay_secs) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .await?;
    for event in events {
        tx.execute(
            &statement,
            &[
                &event.at,
                &event.direction.as_str(),
                &event.fate.as_str(),
                &event.queue_id.map(|id| id.0),
                &event.sender,
                &event.recipient.to_lowercase(),
                &event.recipient_domain(),
                &event.account,
                &event.remote_host,
                &event.remote_ip,
                &event.reply,
                &event.tls,
                &event.tls_verified,
                &event.delay_secs,
            ],
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn history(tx: &Tx<'_>, query: &HistoryQuery) -> Result<Vec<DeliveryEvent>> {
    let address = query.address.as_ref().map(|a| a.to_lowercase());
    let domain = query.domain.as_ref().map(|d| d.to_ascii_lowercase());
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let found = rows(
        tx,
        "SELECT * FROM (SELECT id, at, direction, fate, queue_id, sender, recipient, account, remote_host, \
         remote_ip, reply, tls, tls_verified, delay_secs FROM delivery_history \
         WHERE at >= $1 AND ($2::bigint IS NULL OR queue_id = $2) \
         AND ($3::text IS NULL OR recipient = $3 OR lower(sender) = $3) \
         AND ($4::text IS NULL OR recipient_domain = $4) \
         ORDER BY at DESC, id DESC LIMIT $5) AS newest ORDER BY at, id",
        &[&query.since, &query.queue_id.map(|id| id.0), &address, &domain, &limit],
    )
    .await?;
    found.iter().map(event).collect()
}

pub(crate) async fn forget(tx: &Tx<'_>, before: i64) -> Result<u64> {
    exec(tx, "DELETE FROM delivery_history WHERE at < $1", &[&before]).await
}

fn event(row: &Row) -> Result<DeliveryEvent> {
    let direction: String = row.try_get(2)?;
    let fate: String = row.try_get(3)?;
    let (Some(direction), Some(fate)) = (Direction::parse(&direction), Fate::parse(&fate)) else {
        return Err(StoreError::Corrupt(format!("delivery history: {direction:?} {fate:?}")));
    };
    Ok(DeliveryEvent {
        at: row.try_get(1)?,
        direction,
        fate,
        queue_id: row.try_get::<_, Option<i64>>(4)?.map(QueueId),
        sender: row.try_get(5)?,
        recipient: row.try_get(6)?,
        account: row.try_get(7)?,
        remote_host: row.try_get(8)?,
        remote_ip: row.try_get(9)?,
        reply: row.try_get(10)?,
        tls: row.try_get(11)?,
        tls_verified: row.try_get(12)?,
        delay_secs: row.try_get(13)?,
    })
}
