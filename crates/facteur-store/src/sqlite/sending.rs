//! SQL for what accounts send (`crate::sending`).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::ids::AccountId;
use crate::sending::{AccountHold, OutcomeTally, SendingUsage};
use crate::sqlite::cached::CachedStatements;

pub(crate) fn usage(conn: &Connection, account: AccountId, since: i64) -> Result<SendingUsage> {
    let (messages, recipients): (i64, i64) = conn.query_row_cached(
        "SELECT count(*), coalesce(sum(recipients), 0) FROM account_sends WHERE account = ?1 AND at >= ?2",
        params![account, since],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(SendingUsage { messages: count(messages), recipients: count(recipients) })
}

pub(crate) fn record(
    conn: &Connection,
    account: AccountId,
    at: i64,
    recipients: u64,
    forget_before: i64,
) -> Result<()> {
    conn.execute_cached("DELETE FROM account_sends WHERE account = ?1 AND at < ?2", params![account, forget_before])?;
    let recipients = i64::try_from(recipients).unwrap_or(i64::MAX);
    conn.execute_cached(
        "INSERT INTO account_sends (account, at, recipients) VALUES (?1, ?2, ?3)",
        params![account, at, recipients],
    )?;
    Ok(())
}

pub(crate) fn record_outcomes(
    conn: &Connection,
    account: AccountId,
    at: i64,
    bounced: &[bool],
    keep: u64,
) -> Result<OutcomeTally> {
    for &outcome in bounced {
        conn.execute_cached(
            "INSERT INTO account_outcomes (account, at, bounced) VALUES (?1, ?2, ?3)",
            params![account, at, outcome],
        )?;
    }
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    // The ids grow with time: all but the newest `keep` go.
    conn.execute_cached(
        "DELETE FROM account_outcomes WHERE account = ?1 AND id NOT IN \
         (SELECT id FROM account_outcomes WHERE account = ?1 ORDER BY id DESC LIMIT ?2)",
        params![account, keep],
    )?;
    let (outcomes, bounced): (i64, i64) = conn.query_row_cached(
        "SELECT count(*), coalesce(sum(bounced), 0) FROM account_outcomes WHERE account = ?1",
        params![account],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(OutcomeTally { outcomes: count(outcomes), bounced: count(bounced) })
}

pub(crate) fn hold(conn: &Connection, account: AccountId, reason: &str, now: i64) -> Result<bool> {
    let changed = conn.execute_cached(
        "INSERT INTO account_holds (account, reason, since, released) VALUES (?1, ?2, ?3, NULL) \
         ON CONFLICT (account) DO UPDATE SET reason = excluded.reason, since = excluded.since, released = NULL \
         WHERE account_holds.released IS NOT NULL",
        params![account, reason, now],
    )?;
    Ok(changed > 0)
}

pub(crate) fn release(conn: &Connection, account: AccountId, now: i64) -> Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE account_holds SET released = ?2 WHERE account = ?1 AND released IS NULL",
        params![account, now],
    )?;
    if changed > 0 {
        conn.execute_cached("DELETE FROM account_outcomes WHERE account = ?1", params![account])?;
    }
    Ok(changed > 0)
}

pub(crate) fn released_at(conn: &Connection, account: AccountId) -> Result<Option<i64>> {
    Ok(conn
        .query_row_cached("SELECT released FROM account_holds WHERE account = ?1", params![account], |row| {
            row.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten())
}

pub(crate) fn holds(conn: &Connection) -> Result<Vec<AccountHold>> {
    let mut statement = conn.prepare_cached(
        "SELECT h.account, a.address, h.reason, h.since FROM account_holds h JOIN accounts a ON a.id = h.account \
         WHERE h.released IS NULL ORDER BY h.since, h.account",
    )?;
    let holds = statement
        .query_map([], |row| {
            Ok(AccountHold { account: row.get(0)?, address: row.get(1)?, reason: row.get(2)?, since: row.get(3)? })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(holds)
}

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
