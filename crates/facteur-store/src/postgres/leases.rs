//! SQL for named leases (`crate::lease`): a row per lease, overwritten by the next taker once it expires.

use crate::error::Result;
use crate::postgres::sql::{Tx, exec, row};

/// Takes `name` for `holder` until `until` if it is free at `now` or already `holder`'s. The upsert is one
/// statement, so two nodes taking the same free lease at once cannot both get it: the second waits for the
/// first's row and then finds it taken.
pub(crate) async fn try_lease(tx: &Tx<'_>, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
    let taken = row(
        tx,
        "INSERT INTO leases (name, holder, until) VALUES ($1, $2, $4) \
         ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until \
         WHERE leases.holder = EXCLUDED.holder OR leases.until <= $3 \
         RETURNING 1",
        &[&name, &holder, &now, &until],
    )
    .await?;
    Ok(taken.is_some())
}

pub(crate) async fn release(tx: &Tx<'_>, name: &str, holder: &str) -> Result<()> {
    exec(tx, "DELETE FROM leases WHERE name = $1 AND holder = $2", &[&name, &holder]).await?;
    Ok(())
}
