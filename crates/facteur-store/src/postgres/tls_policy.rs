//! SQL for MTA-STS policies and TLS-RPT counts, shared by every node: as `sqlite/tls_policy.rs`.

use crate::error::Result;
use crate::postgres::sql::{Tx, exec, row, rows, to_u64};
use crate::tls_policy::{CachedStsPolicy, TlsResultCount, TlsSessionResult};

pub(crate) async fn mta_sts_policy(tx: &Tx<'_>, domain: &str) -> Result<Option<CachedStsPolicy>> {
    let domain = domain.to_ascii_lowercase();
    let found = row(tx, "SELECT id, policy, expires_at FROM mta_sts_policies WHERE domain = $1", &[&domain]).await?;
    let Some(found) = found else { return Ok(None) };
    Ok(Some(CachedStsPolicy {
        domain,
        id: found.try_get(0)?,
        policy: found.try_get(1)?,
        expires_at: found.try_get(2)?,
    }))
}

pub(crate) async fn save_mta_sts_policy(tx: &Tx<'_>, policy: &CachedStsPolicy) -> Result<()> {
    exec(
        tx,
        "INSERT INTO mta_sts_policies (domain, id, policy, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (domain) DO UPDATE SET id = EXCLUDED.id, policy = EXCLUDED.policy, \
         expires_at = EXCLUDED.expires_at",
        &[&policy.domain.to_ascii_lowercase(), &policy.id, &policy.policy, &policy.expires_at],
    )
    .await?;
    Ok(())
}

pub(crate) async fn count_tls_result(tx: &Tx<'_>, result: &TlsSessionResult) -> Result<()> {
    exec(
        tx,
        "INSERT INTO tls_report_counts (domain, day, policy_type, policy, mx_host, result, count) \
         VALUES ($1, $2, $3, $4, $5, $6, 1) \
         ON CONFLICT (domain, day, policy_type, policy, mx_host, result) \
         DO UPDATE SET count = tls_report_counts.count + 1",
        &[
            &result.domain.to_ascii_lowercase(),
            &result.day,
            &result.policy_type,
            &result.policy,
            &result.mx_host,
            &result.result,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) async fn tls_results_before(tx: &Tx<'_>, day: i64) -> Result<Vec<TlsResultCount>> {
    let found = rows(
        tx,
        "SELECT domain, day, policy_type, policy, mx_host, result, count FROM tls_report_counts \
         WHERE day < $1 ORDER BY domain, day, policy_type, policy, mx_host, result",
        &[&day],
    )
    .await?;
    found
        .iter()
        .map(|row| {
            Ok(TlsResultCount {
                result: TlsSessionResult {
                    domain: row.try_get(0)?,
                    day: row.try_get(1)?,
                    policy_type: row.try_get(2)?,
                    policy: row.try_get(3)?,
                    mx_host: row.try_get(4)?,
                    result: row.try_get(5)?,
                },
                count: to_u64(row.try_get(6)?),
            })
        })
        .collect()
}

pub(crate) async fn forget_tls_results(tx: &Tx<'_>, domain: &str, day: i64) -> Result<()> {
    exec(tx, "DELETE FROM tls_report_counts WHERE domain = $1 AND day = $2", &[&domain.to_ascii_lowercase(), &day])
        .await?;
    Ok(())
}
