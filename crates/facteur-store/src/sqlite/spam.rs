//! SQL for each account's spam training and correspondents (`crate::spam`).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::ids::AccountId;
use crate::spam::{Greylisting, SpamClass, SpamProfile, TokenCounts};
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::columns::to_u64;

pub(crate) fn profile(conn: &Connection, account: AccountId, from: &str) -> Result<SpamProfile> {
    let sql = "SELECT \
         (SELECT count(*) FROM spam_trained WHERE account = ?1 AND class = 'spam'), \
         (SELECT count(*) FROM spam_trained WHERE account = ?1 AND class = 'ham'), \
         EXISTS (SELECT 1 FROM correspondents WHERE account = ?1 AND address = ?2)";
    let profile = conn.query_row_cached(sql, params![account, from.to_lowercase()], |row| {
        Ok(SpamProfile {
            spam_messages: to_u64(row.get(0)?),
            ham_messages: to_u64(row.get(1)?),
            correspondent: row.get(2)?,
        })
    })?;
    Ok(profile)
}

/// The counts of those of `tokens` the account has seen; SQLite's `json_each` carries the list as one
/// parameter.
pub(crate) fn tokens(conn: &Connection, account: AccountId, tokens: &[i64]) -> Result<Vec<TokenCounts>> {
    let list = format!("[{}]", tokens.iter().map(i64::to_string).collect::<Vec<_>>().join(","));
    let mut statement = conn.prepare_cached(
        "SELECT token, spam, ham FROM spam_tokens \
         WHERE account = ?1 AND token IN (SELECT value FROM json_each(?2))",
    )?;
    let rows = statement.query_map(params![account, list], |row| {
        Ok(TokenCounts { token: row.get(0)?, spam: to_u64(row.get(1)?), ham: to_u64(row.get(2)?) })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records `class` for the message `digest` (none: forgets it), taking back its previous class's counts
/// first. Says whether anything changed.
pub(crate) fn train(
    conn: &Connection,
    account: AccountId,
    digest: &str,
    tokens: &[i64],
    class: Option<SpamClass>,
) -> Result<bool> {
    let sql = "SELECT class FROM spam_trained WHERE account = ?1 AND digest = ?2";
    let previous: Option<String> = conn.query_row_cached(sql, params![account, digest], |row| row.get(0)).optional()?;
    let previous = previous.as_deref().and_then(SpamClass::parse);
    if previous == class {
        return Ok(false);
    }
    if let Some(previous) = previous {
        add(conn, account, tokens, previous, -1)?;
        conn.execute_cached("DELETE FROM spam_trained WHERE account = ?1 AND digest = ?2", params![account, digest])?;
    }
    if let Some(class) = class {
        add(conn, account, tokens, class, 1)?;
        conn.execute_cached(
            "INSERT INTO spam_trained (account, digest, class) VALUES (?1, ?2, ?3)",
            params![account, digest, class.as_str()],
        )?;
    }
    conn.execute_cached("DELETE FROM spam_tokens WHERE account = ?1 AND spam = 0 AND ham = 0", [account])?;
    Ok(true)
}

fn add(conn: &Connection, account: AccountId, tokens: &[i64], class: SpamClass, delta: i64) -> Result<()> {
    let (spam, ham) = match class {
        SpamClass::Spam => (delta, 0),
        SpamClass::Ham => (0, delta),
    };
    let mut statement = conn.prepare_cached(
        "INSERT INTO spam_tokens (account, token, spam, ham) VALUES (?1, ?2, max(?3, 0), max(?4, 0)) \
         ON CONFLICT (account, token) DO UPDATE \
         SET spam = max(spam + ?3, 0), ham = max(ham + ?4, 0)",
    )?;
    for token in tokens {
        statement.execute(params![account, token, spam, ham])?;
    }
    Ok(())
}

pub(crate) fn note_correspondents(conn: &Connection, account: AccountId, addresses: &[String], now: i64) -> Result<()> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO correspondents (account, address, last_written) VALUES (?1, ?2, ?3) \
         ON CONFLICT (account, address) DO UPDATE SET last_written = max(last_written, excluded.last_written)",
    )?;
    for address in addresses {
        statement.execute(params![account, address.to_lowercase(), now])?;
    }
    Ok(())
}

pub(crate) fn greylist(conn: &Connection, key: &str, now: i64, policy: Greylisting) -> Result<bool> {
    conn.execute_cached("DELETE FROM greylist WHERE expires < ?1", [now])?;
    let sql = "SELECT first_seen, passed_until FROM greylist WHERE key = ?1";
    let record = conn.query_row_cached(sql, [key], |row| Ok((row.get(0)?, row.get(1)?))).optional()?;
    let (passed, kept) = policy.attempt(record, now);
    conn.execute_cached(
        "INSERT INTO greylist (key, first_seen, passed_until, expires) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET first_seen = excluded.first_seen, passed_until = excluded.passed_until, \
         expires = excluded.expires",
        params![key, kept.0, kept.1, policy.expires(kept)],
    )?;
    Ok(passed)
}
