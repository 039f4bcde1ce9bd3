//! SQL for the login failures every node counts (`crate::shared::SharedState`).

use crate::error::Result;
use crate::postgres::sql::{Tx, exec, rows, to_i64, to_u64};

pub(crate) async fn count(tx: &Tx<'_>, keys: &[String], now: i64, stale_before: i64) -> Result<()> {
    for key in keys {
        exec(
            tx,
            "INSERT INTO login_failures (key, failures, last_failure) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET last_failure = $2, failures = CASE \
                 WHEN login_failures.last_failure <= $3 THEN 1 ELSE login_failures.failures + 1 END",
            &[key, &now, &stale_before],
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn recent(tx: &Tx<'_>, keys: &[String], stale_before: i64) -> Result<Vec<u32>> {
    let found = rows(
        tx,
        "SELECT key, failures FROM login_failures WHERE key = ANY($1) AND last_failure > $2",
        &[&keys, &stale_before],
    )
    .await?;
    let mut counts = vec![0; keys.len()];
    for row in found {
        let key: &str = row.try_get(0)?;
        let failures = u32::try_from(to_u64(row.try_get(1)?)).unwrap_or(u32::MAX);
        for (slot, wanted) in counts.iter_mut().zip(keys) {
            if wanted == key {
                *slot = failures;
            }
        }
    }
    Ok(counts)
}

pub(crate) async fn forget(tx: &Tx<'_>, keys: &[String]) -> Result<()> {
    exec(tx, "DELETE FROM login_failures WHERE key = ANY($1)", &[&keys]).await?;
    Ok(())
}

/// Stale counts first; then, if still more than `keep`, the oldest. Oldest first, as the in-memory throttle
/// does: whoever keeps failing keeps a recent count.
pub(crate) async fn prune(tx: &Tx<'_>, stale_before: i64, keep: u64) -> Result<u64> {
    let stale = exec(tx, "DELETE FROM login_failures WHERE last_failure <= $1", &[&stale_before]).await?;
    let oldest = exec(
        tx,
        "DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures ORDER BY last_failure, key \
         LIMIT greatest((SELECT count(*) FROM login_failures) - $1, 0))",
        &[&to_i64(keep)?],
    )
    .await?;
    Ok(stale + oldest)
}
