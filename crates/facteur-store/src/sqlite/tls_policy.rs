//! SQL for MTA-STS policies and TLS-RPT counts.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::sqlite::cached::CachedStatements;
use crate::tls_policy::{CachedStsPolicy, TlsResultCount, TlsSessionResult};

pub(crate) fn mta_sts_policy(conn: &Connection, domain: &str) -> Result<Option<CachedStsPolicy>> {
    let domain = domain.to_ascii_lowercase();
    let found = conn
        .query_row_cached(
            "SELECT id, policy, expires_at FROM mta_sts_policies WHERE domain = ?1",
            params![domain],
            |row| Ok(CachedStsPolicy { domain: domain.clone(), id: row.get(0)?, policy: row.get(1)?, expires_at: row.get(2)? }),
        )
        .optional()?;
    Ok(found)
}

pub(crate) fn save_mta_sts_policy(conn: &Connection, policy: &CachedStsPolicy) -> Result<()> {
    conn.execute_cached(
        "INSERT OR REPLACE INTO mta_sts_policies (domain, id, policy, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![policy.domain.to_ascii_lowercase(), policy.id, policy.policy, policy.expires_at],
    )?;
    Ok(())
}

pub(crate) fn count_tls_result(conn: &Connection, result: &TlsSessionResult) -> Result<()> {
    conn.execute_cached(
        "INSERT INTO tls_report_counts (domain, day, policy_type, policy, mx_host, result, count) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1) \
         ON CONFLICT (domain, day, policy_type, policy, mx_host, result) DO UPDATE SET count = count + 1",
        params![
            result.domain.to_ascii_lowercase(),
            result.day,
            result.policy_type,
            result.policy,
            result.mx_host,
            result.result
        ],
    )?;
    Ok(())
}

pub(crate) fn tls_results_before(conn: &Connection, day: i64) -> Result<Vec<TlsResultCount>> {
    let mut statement = conn.prepare_cached(
        "SELECT domain, day, policy_type, policy, mx_host, result, count FROM tls_report_counts \
         WHERE day < ?1 ORDER BY domain, day, policy_type, policy, mx_host, result",
    )?;
    let rows = statement.query_map(params![day], |row| {
        let count: i64 = row.get(6)?;
        Ok(TlsResultCount {
            result: TlsSessionResult {
                domain: row.get(0)?,
                day: row.get(1)?,
                policy_type: row.get(2)?,
                policy: row.get(3)?,
                mx_host: row.get(4)?,
                result: row.get(5)?,
            },
            count: u64::try_from(count).unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub(crate) fn forget_tls_results(conn: &Connection, domain: &str, day: i64) -> Result<()> {
    conn.execute_cached(
        "DELETE FROM tls_report_counts WHERE domain = ?1 AND day = ?2",
        params![domain.to_ascii_lowercase(), day],
    )?;
    Ok(())
}
