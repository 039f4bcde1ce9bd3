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
            |row| {
                Ok(CachedStsPolicy {
                    domain: domain.clone(),
                    id: row.get(0)?,
                    policy: row.get(1)?,
                    expires_at: row.get(2)?,
                })
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::schema::{migrate, open_writer};

    fn result(domain: &str, day: i64, outcome: &str) -> TlsSessionResult {
        TlsSessionResult {
            domain: domain.into(),
            day,
            policy_type: "sts".into(),
            policy: "version: STSv1".into(),
            mx_host: "mx.b.test".into(),
            result: outcome.into(),
        }
    }

    #[test]
    fn results_are_counted_per_day_and_forgotten_once_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_writer(&dir.path().join("facteur.db")).unwrap();
        migrate(&mut conn).unwrap();
        for outcome in ["success", "success", "certificate-expired"] {
            count_tls_result(&conn, &result("B.test", 10, outcome)).unwrap();
        }
        count_tls_result(&conn, &result("b.test", 11, "success")).unwrap();
        let before = tls_results_before(&conn, 11).unwrap();
        let counts: Vec<(&str, u64)> = before.iter().map(|c| (c.result.result.as_str(), c.count)).collect();
        assert_eq!(counts, [("certificate-expired", 1), ("success", 2)]);
        forget_tls_results(&conn, "b.test", 10).unwrap();
        assert!(tls_results_before(&conn, 11).unwrap().is_empty());
        assert_eq!(tls_results_before(&conn, 12).unwrap().len(), 1, "day 11 is kept");
    }

    #[test]
    fn a_policy_is_replaced_by_the_next_one_fetched() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_writer(&dir.path().join("facteur.db")).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(mta_sts_policy(&conn, "b.test").unwrap(), None);
        let policy = |id: &str| CachedStsPolicy {
            domain: "b.test".into(),
            id: id.into(),
            policy: "version: STSv1\nmode: enforce\n".into(),
            expires_at: 42,
        };
        save_mta_sts_policy(&conn, &policy("one")).unwrap();
        save_mta_sts_policy(&conn, &policy("two")).unwrap();
        assert_eq!(mta_sts_policy(&conn, "B.TEST").unwrap(), Some(policy("two")));
    }
}
