//! SQL for the delivery history (see `crate::history`).

use rusqlite::{Connection, Row, params};

use crate::error::{Result, StoreError};
use crate::history::{DeliveryEvent, Direction, Fate, HistoryQuery};
use crate::ids::QueueId;
use crate::sqlite::cached::CachedStatements;

pub(crate) fn record(conn: &Connection, events: &[DeliveryEvent]) -> Result<()> {
    for event in events {
        conn.execute_cached(
            "INSERT INTO delivery_history (at, direction, fate, queue_id, sender, recipient, recipient_domain, \
             account, remote_host, remote_ip, reply, tls, tls_verified, delay_secs) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                event.at,
                event.direction.as_str(),
                event.fate.as_str(),
                event.queue_id,
                event.sender,
                event.recipient.to_lowercase(),
                event.recipient_domain(),
                event.account,
                event.remote_host,
                event.remote_ip,
                event.reply,
                event.tls,
                event.tls_verified,
                event.delay_secs
            ],
        )?;
    }
    Ok(())
}

pub(crate) fn history(conn: &Connection, query: &HistoryQuery) -> Result<Vec<DeliveryEvent>> {
    let mut statement = conn.prepare_cached(
        "SELECT * FROM (SELECT id, at, direction, fate, queue_id, sender, recipient, account, remote_host, \
         remote_ip, reply, tls, tls_verified, delay_secs FROM delivery_history \
         WHERE at >= ?1 AND (?2 IS NULL OR queue_id = ?2) \
         AND (?3 IS NULL OR recipient = ?3 OR lower(sender) = ?3) AND (?4 IS NULL OR recipient_domain = ?4) \
         ORDER BY at DESC, id DESC LIMIT ?5) ORDER BY at, id",
    )?;
    let address = query.address.as_ref().map(|a| a.to_lowercase());
    let domain = query.domain.as_ref().map(|d| d.to_ascii_lowercase());
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let rows = statement.query_map(params![query.since, query.queue_id, address, domain, limit], event)?;
    rows.map(|row| row.map_err(StoreError::from).and_then(|event| event)).collect()
}

pub(crate) fn forget(conn: &Connection, before: i64) -> Result<u64> {
    let removed = conn.execute_cached("DELETE FROM delivery_history WHERE at < ?1", params![before])?;
    Ok(removed as u64)
}

fn event(row: &Row<'_>) -> rusqlite::Result<Result<DeliveryEvent>> {
    let direction: String = row.get(2)?;
    let fate: String = row.get(3)?;
    let (Some(direction), Some(fate)) = (Direction::parse(&direction), Fate::parse(&fate)) else {
        return Ok(Err(StoreError::Corrupt(format!("delivery history: {direction:?} {fate:?}"))));
    };
    Ok(Ok(DeliveryEvent {
        at: row.get(1)?,
        direction,
        fate,
        queue_id: row.get::<_, Option<i64>>(4)?.map(QueueId),
        sender: row.get(5)?,
        recipient: row.get(6)?,
        account: row.get(7)?,
        remote_host: row.get(8)?,
        remote_ip: row.get(9)?,
        reply: row.get(10)?,
        tls: row.get(11)?,
        tls_verified: row.get(12)?,
        delay_secs: row.get(13)?,
    }))
}
