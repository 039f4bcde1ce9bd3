//! SQL for Sieve scripts (`crate::sieve`), the same rules as SQLite's.

use crate::error::{Entity, Result, StoreError};
use crate::ids::AccountId;
use crate::postgres::sql::{Tx, exec, row, rows, to_u64};
use crate::sieve::{SieveLimits, SieveScriptInfo};

pub(crate) async fn list(tx: &Tx<'_>, account: AccountId) -> Result<Vec<SieveScriptInfo>> {
    let sql = "SELECT name, octet_length(content)::bigint, active FROM sieve_scripts WHERE account = $1 ORDER BY name";
    let found = rows(tx, sql, &[&account.0]).await?;
    found
        .iter()
        .map(|row| {
            Ok(SieveScriptInfo { name: row.try_get(0)?, size: to_u64(row.try_get(1)?), active: row.try_get(2)? })
        })
        .collect()
}

pub(crate) async fn get(tx: &Tx<'_>, account: AccountId, name: &str) -> Result<Option<String>> {
    let sql = "SELECT content FROM sieve_scripts WHERE account = $1 AND name = $2";
    Ok(match row(tx, sql, &[&account.0, &name]).await? {
        Some(found) => Some(found.try_get(0)?),
        None => None,
    })
}

pub(crate) async fn active(tx: &Tx<'_>, account: AccountId) -> Result<Option<(String, String)>> {
    let sql = "SELECT name, content FROM sieve_scripts WHERE account = $1 AND active";
    Ok(match row(tx, sql, &[&account.0]).await? {
        Some(found) => Some((found.try_get(0)?, found.try_get(1)?)),
        None => None,
    })
}

pub(crate) async fn put(tx: &Tx<'_>, account: AccountId, name: &str, content: &str, limits: SieveLimits) -> Result<()> {
    // The account row is locked first: two uploads at once count each other's scripts.
    exec(tx, "SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE", &[&account.0]).await?;
    let sql = "SELECT count(*) FROM sieve_scripts WHERE account = $1 AND name <> $2";
    let others: i64 = row(tx, sql, &[&account.0, &name]).await?.map(|found| found.try_get(0)).transpose()?.unwrap_or(0);
    if !limits.allows(usize::try_from(others).unwrap_or(usize::MAX), content.len() as u64) {
        return Err(StoreError::SieveQuota {
            max_scripts: limits.max_scripts,
            max_script_bytes: limits.max_script_bytes,
        });
    }
    exec(
        tx,
        "INSERT INTO sieve_scripts (account, name, content, active) VALUES ($1, $2, $3, false) \
         ON CONFLICT (account, name) DO UPDATE SET content = excluded.content",
        &[&account.0, &name, &content],
    )
    .await?;
    Ok(())
}

pub(crate) async fn rename(tx: &Tx<'_>, account: AccountId, name: &str, new_name: &str) -> Result<()> {
    if get(tx, account, new_name).await?.is_some() {
        return Err(StoreError::AlreadyExists(Entity::SieveScript, new_name.to_owned()));
    }
    let sql = "UPDATE sieve_scripts SET name = $3 WHERE account = $1 AND name = $2";
    if exec(tx, sql, &[&account.0, &name, &new_name]).await? == 0 {
        return Err(StoreError::NotFound(Entity::SieveScript, name.to_owned()));
    }
    Ok(())
}

pub(crate) async fn delete(tx: &Tx<'_>, account: AccountId, name: &str) -> Result<()> {
    let sql = "SELECT active FROM sieve_scripts WHERE account = $1 AND name = $2";
    match row(tx, sql, &[&account.0, &name]).await?.map(|found| found.try_get::<_, bool>(0)).transpose()? {
        None => Err(StoreError::NotFound(Entity::SieveScript, name.to_owned())),
        Some(true) => Err(StoreError::SieveScriptActive(name.to_owned())),
        Some(false) => {
            exec(tx, "DELETE FROM sieve_scripts WHERE account = $1 AND name = $2", &[&account.0, &name]).await?;
            Ok(())
        }
    }
}

pub(crate) async fn activate(tx: &Tx<'_>, account: AccountId, name: Option<&str>) -> Result<()> {
    if let Some(name) = name
        && get(tx, account, name).await?.is_none()
    {
        return Err(StoreError::NotFound(Entity::SieveScript, name.to_owned()));
    }
    exec(tx, "UPDATE sieve_scripts SET active = false WHERE account = $1 AND active", &[&account.0]).await?;
    if let Some(name) = name {
        exec(tx, "UPDATE sieve_scripts SET active = true WHERE account = $1 AND name = $2", &[&account.0, &name])
            .await?;
    }
    Ok(())
}

pub(crate) async fn tracked(tx: &Tx<'_>, account: AccountId, key: &str, now: i64) -> Result<bool> {
    let sql = "SELECT 1 FROM sieve_tracking WHERE account = $1 AND key = $2 AND until > $3";
    Ok(row(tx, sql, &[&account.0, &key, &now]).await?.is_some())
}

/// Two nodes recording at once: the second insert waits for the first transaction and then conflicts, so one
/// of them gets the row back.
pub(crate) async fn track(tx: &Tx<'_>, account: AccountId, key: &str, now: i64, until: i64) -> Result<bool> {
    exec(tx, "DELETE FROM sieve_tracking WHERE account = $1 AND until <= $2", &[&account.0, &now]).await?;
    let inserted = row(
        tx,
        "INSERT INTO sieve_tracking (account, key, until) VALUES ($1, $2, $3) \
         ON CONFLICT (account, key) DO NOTHING RETURNING 1",
        &[&account.0, &key, &until],
    )
    .await?
    .is_some();
    if !inserted {
        exec(
            tx,
            "UPDATE sieve_tracking SET until = greatest(until, $3) WHERE account = $1 AND key = $2",
            &[&account.0, &key, &until],
        )
        .await?;
    }
    Ok(inserted)
}
