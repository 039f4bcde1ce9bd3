//! SQL for what accounts send (`crate::sending`), as `sqlite/sending.rs`. Every node counts into the same
//! rows, so an account's limits are the same whichever node its client reaches. Two nodes checking one
//! account at the same instant may each let one more message through: a limit against abuse, not an exact
//! quota, and not worth serialising every submission for.

use crate::error::Result;
use crate::ids::AccountId;
use crate::postgres::sql::{Tx, exec, row, rows, to_i64, to_u64};
use crate::sending::{AccountHold, OutcomeTally, SendingUsage};

pub(crate) async fn usage(tx: &Tx<'_>, account: AccountId, since: i64) -> Result<SendingUsage> {
    let sql = "SELECT count(*)::bigint, coalesce(sum(recipients), 0)::bigint FROM account_sends \
               WHERE account = $1 AND at >= $2";
    let Some(found) = row(tx, sql, &[&account.0, &since]).await? else {
        return Ok(SendingUsage::default());
    };
    Ok(SendingUsage { messages: to_u64(found.try_get(0)?), recipients: to_u64(found.try_get(1)?) })
}

pub(crate) async fn record(
    tx: &Tx<'_>,
    account: AccountId,
    at: i64,
    recipients: u64,
    forget_before: i64,
) -> Result<()> {
    exec(tx, "DELETE FROM account_sends WHERE account = $1 AND at < $2", &[&account.0, &forget_before]).await?;
    let recipients = to_i64(recipients)?;
    exec(
        tx,
        "INSERT INTO account_sends (account, at, recipients) VALUES ($1, $2, $3)",
        &[&account.0, &at, &recipients],
    )
    .await?;
    Ok(())
}

pub(crate) async fn record_outcomes(
    tx: &Tx<'_>,
    account: AccountId,
    at: i64,
    bounced: &[bool],
    keep: u64,
) -> Result<OutcomeTally> {
    for outcome in bounced {
        exec(
            tx,
            "INSERT INTO account_outcomes (account, at, bounced) VALUES ($1, $2, $3)",
            &[&account.0, &at, outcome],
        )
        .await?;
    }
    let keep = to_i64(keep)?;
    // The ids grow with time: all but the newest `keep` go.
    exec(
        tx,
        "DELETE FROM account_outcomes WHERE account = $1 AND id NOT IN \
         (SELECT id FROM account_outcomes WHERE account = $1 ORDER BY id DESC LIMIT $2)",
        &[&account.0, &keep],
    )
    .await?;
    let sql = "SELECT count(*)::bigint, (count(*) FILTER (WHERE bounced))::bigint FROM account_outcomes \
               WHERE account = $1";
    let Some(found) = row(tx, sql, &[&account.0]).await? else {
        return Ok(OutcomeTally::default());
    };
    Ok(OutcomeTally { outcomes: to_u64(found.try_get(0)?), bounced: to_u64(found.try_get(1)?) })
}

pub(crate) async fn hold(tx: &Tx<'_>, account: AccountId, reason: &str, now: i64) -> Result<bool> {
    let changed = exec(
        tx,
        "INSERT INTO account_holds (account, reason, since, released) VALUES ($1, $2, $3, NULL) \
         ON CONFLICT (account) DO UPDATE SET reason = excluded.reason, since = excluded.since, released = NULL \
         WHERE account_holds.released IS NOT NULL",
        &[&account.0, &reason, &now],
    )
    .await?;
    Ok(changed > 0)
}

pub(crate) async fn release(tx: &Tx<'_>, account: AccountId, now: i64) -> Result<bool> {
    let changed =
        exec(tx, "UPDATE account_holds SET released = $2 WHERE account = $1 AND released IS NULL", &[&account.0, &now])
            .await?;
    if changed > 0 {
        exec(tx, "DELETE FROM account_outcomes WHERE account = $1", &[&account.0]).await?;
    }
    Ok(changed > 0)
}

pub(crate) async fn released_at(tx: &Tx<'_>, account: AccountId) -> Result<Option<i64>> {
    let found = row(tx, "SELECT released FROM account_holds WHERE account = $1", &[&account.0]).await?;
    Ok(match found {
        Some(found) => found.try_get(0)?,
        None => None,
    })
}

pub(crate) async fn holds(tx: &Tx<'_>) -> Result<Vec<AccountHold>> {
    let sql = "SELECT h.account, a.address, h.reason, h.since FROM account_holds h \
               JOIN accounts a ON a.id = h.account WHERE h.released IS NULL ORDER BY h.since, h.account";
    let mut holds = Vec::new();
    for found in rows(tx, sql, &[]).await? {
        holds.push(AccountHold {
            account: AccountId(found.try_get(0)?),
            address: found.try_get(1)?,
            reason: found.try_get(2)?,
            since: found.try_get(3)?,
        });
    }
    Ok(holds)
}
