//! SQL for Sieve scripts (`crate::sieve`).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Entity, Result, StoreError};
use crate::ids::AccountId;
use crate::sieve::{SieveLimits, SieveScriptInfo};
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::columns::to_u64;

pub(crate) fn list(conn: &Connection, account: AccountId) -> Result<Vec<SieveScriptInfo>> {
    let mut statement = conn.prepare_cached(
        "SELECT name, length(CAST(content AS BLOB)), active FROM sieve_scripts WHERE account = ?1 ORDER BY name",
    )?;
    let rows = statement.query_map([account], |row| {
        Ok(SieveScriptInfo { name: row.get(0)?, size: to_u64(row.get(1)?), active: row.get(2)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn get(conn: &Connection, account: AccountId, name: &str) -> Result<Option<String>> {
    let sql = "SELECT content FROM sieve_scripts WHERE account = ?1 AND name = ?2";
    Ok(conn.query_row_cached(sql, params![account, name], |row| row.get(0)).optional()?)
}

pub(crate) fn active(conn: &Connection, account: AccountId) -> Result<Option<(String, String)>> {
    let sql = "SELECT name, content FROM sieve_scripts WHERE account = ?1 AND active = 1";
    Ok(conn.query_row_cached(sql, [account], |row| Ok((row.get(0)?, row.get(1)?))).optional()?)
}

pub(crate) fn put(conn: &Connection, account: AccountId, name: &str, content: &str, limits: SieveLimits) -> Result<()> {
    let others: i64 = conn.query_row_cached(
        "SELECT count(*) FROM sieve_scripts WHERE account = ?1 AND name <> ?2",
        params![account, name],
        |row| row.get(0),
    )?;
    if !limits.allows(usize::try_from(others).unwrap_or(usize::MAX), content.len() as u64) {
        return Err(quota(limits));
    }
    conn.execute_cached(
        "INSERT INTO sieve_scripts (account, name, content, active) VALUES (?1, ?2, ?3, 0) \
         ON CONFLICT (account, name) DO UPDATE SET content = excluded.content",
        params![account, name, content],
    )?;
    Ok(())
}

pub(crate) fn rename(conn: &Connection, account: AccountId, name: &str, new_name: &str) -> Result<()> {
    if get(conn, account, new_name)?.is_some() {
        return Err(StoreError::AlreadyExists(Entity::SieveScript, new_name.to_owned()));
    }
    let sql = "UPDATE sieve_scripts SET name = ?3 WHERE account = ?1 AND name = ?2";
    if conn.execute_cached(sql, params![account, name, new_name])? == 0 {
        return Err(StoreError::NotFound(Entity::SieveScript, name.to_owned()));
    }
    Ok(())
}

pub(crate) fn delete(conn: &Connection, account: AccountId, name: &str) -> Result<()> {
    let sql = "SELECT active FROM sieve_scripts WHERE account = ?1 AND name = ?2";
    match conn.query_row_cached(sql, params![account, name], |row| row.get::<_, bool>(0)).optional()? {
        None => Err(StoreError::NotFound(Entity::SieveScript, name.to_owned())),
        Some(true) => Err(StoreError::SieveScriptActive(name.to_owned())),
        Some(false) => {
            conn.execute_cached("DELETE FROM sieve_scripts WHERE account = ?1 AND name = ?2", params![account, name])?;
            Ok(())
        }
    }
}

pub(crate) fn activate(conn: &Connection, account: AccountId, name: Option<&str>) -> Result<()> {
    if let Some(name) = name
        && get(conn, account, name)?.is_none()
    {
        return Err(StoreError::NotFound(Entity::SieveScript, name.to_owned()));
    }
    // Off first, then on: the partial unique index allows one active script per account at every step.
    conn.execute_cached("UPDATE sieve_scripts SET active = 0 WHERE account = ?1 AND active = 1", [account])?;
    if let Some(name) = name {
        conn.execute_cached(
            "UPDATE sieve_scripts SET active = 1 WHERE account = ?1 AND name = ?2",
            params![account, name],
        )?;
    }
    Ok(())
}

pub(crate) fn tracked(conn: &Connection, account: AccountId, key: &str, now: i64) -> Result<bool> {
    let sql = "SELECT 1 FROM sieve_tracking WHERE account = ?1 AND key = ?2 AND until > ?3";
    Ok(conn.query_row_cached(sql, params![account, key, now], |_| Ok(())).optional()?.is_some())
}

/// The one writer runs this whole, so the insert decides who recorded first.
pub(crate) fn track(conn: &Connection, account: AccountId, key: &str, now: i64, until: i64) -> Result<bool> {
    conn.execute_cached("DELETE FROM sieve_tracking WHERE account = ?1 AND until <= ?2", params![account, now])?;
    let inserted = conn.execute_cached(
        "INSERT INTO sieve_tracking (account, key, until) VALUES (?1, ?2, ?3) ON CONFLICT (account, key) DO NOTHING",
        params![account, key, until],
    )? == 1;
    if !inserted {
        conn.execute_cached(
            "UPDATE sieve_tracking SET until = max(until, ?3) WHERE account = ?1 AND key = ?2",
            params![account, key, until],
        )?;
    }
    Ok(inserted)
}

fn quota(limits: SieveLimits) -> StoreError {
    StoreError::SieveQuota { max_scripts: limits.max_scripts, max_script_bytes: limits.max_script_bytes }
}
