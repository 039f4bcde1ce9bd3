//! When to ask the CA: the sans-IO decisions of the renewal loop.

use std::time::{Duration, SystemTime};

use crate::files::StoredCertificate;

/// The first retry after a failure. Let's Encrypt allows 5 failed validations per name per hour, so retries
/// start slower than that and double.
const FIRST_RETRY: Duration = Duration::from_secs(5 * 60);
/// Retries never wait longer than this, so a fixed problem is noticed within hours.
const LONGEST_RETRY: Duration = Duration::from_secs(6 * 3600);
/// Even with nothing to do, the loop looks again this often (the clock may have jumped).
const LONGEST_SLEEP: Duration = Duration::from_secs(24 * 3600);

/// What the renewal loop should do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Ask the CA now, for this reason (said in the log).
    Issue(String),
    /// Nothing to do before this long has passed.
    Wait(Duration),
}

/// The time a certificate should be renewed: when two thirds of its lifetime are over, which leaves a third
/// (30 days of a 90-day certificate) for retries.
pub fn renewal_time(not_before: SystemTime, not_after: SystemTime) -> SystemTime {
    let lifetime = not_after.duration_since(not_before).unwrap_or_default();
    not_before + lifetime * 2 / 3
}

/// The wait before retry number `failures` (1 for the first failure).
pub fn retry_delay(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_RETRY.saturating_mul(1 << doublings).min(LONGEST_RETRY)
}

/// Whether the stored certificate (if any) still does for `wanted` names from `directory`, at `now`.
pub fn plan(stored: Option<&StoredCertificate>, wanted: &[String], directory: &str, now: SystemTime) -> Plan {
    let Some(stored) = stored else {
        return Plan::Issue("no certificate issued yet".to_owned());
    };
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|name| !stored.names.iter().any(|held| held.eq_ignore_ascii_case(name)))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Plan::Issue(format!("the certificate lacks {}", missing.join(", ")));
    }
    if stored.directory.as_deref() != Some(directory) {
        return Plan::Issue("the certificate comes from another CA".to_owned());
    }
    let renew_at = renewal_time(stored.not_before, stored.not_after);
    match renew_at.duration_since(now) {
        Ok(wait) => Plan::Wait(wait.min(LONGEST_SLEEP)),
        Err(_) => Plan::Issue("two thirds of the certificate's lifetime are over".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);
    const DIRECTORY: &str = "https://ca.example/directory";

    fn stored(names: &[&str], start: SystemTime, days: u32) -> StoredCertificate {
        StoredCertificate {
            names: names.iter().map(|name| (*name).to_owned()).collect(),
            not_before: start,
            not_after: start + DAY * days,
            directory: Some(DIRECTORY.to_owned()),
        }
    }

    fn wanted(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn a_90_day_certificate_is_renewed_after_60_days() {
        let start = SystemTime::UNIX_EPOCH + DAY * 20_000;
        assert_eq!(renewal_time(start, start + DAY * 90), start + DAY * 60);
        let certificate = stored(&["mail.example.test"], start, 90);
        let names = wanted(&["mail.example.test"]);
        assert_eq!(plan(Some(&certificate), &names, DIRECTORY, start + DAY * 59), Plan::Wait(DAY));
        assert!(matches!(plan(Some(&certificate), &names, DIRECTORY, start + DAY * 61), Plan::Issue(_)));
    }

    #[test]
    fn a_missing_name_another_ca_or_no_certificate_asks_at_once() {
        let start = SystemTime::now();
        let certificate = stored(&["mail.example.test"], start, 90);
        let Plan::Issue(reason) =
            plan(Some(&certificate), &wanted(&["mail.example.test", "mta-sts.example.test"]), DIRECTORY, start)
        else {
            panic!("a new name needs a new certificate");
        };
        assert!(reason.contains("mta-sts.example.test"), "{reason}");
        let other_ca = plan(Some(&certificate), &wanted(&["MAIL.example.test"]), "https://other/dir", start);
        assert!(matches!(other_ca, Plan::Issue(_)));
        assert!(matches!(plan(None, &wanted(&["mail.example.test"]), DIRECTORY, start), Plan::Issue(_)));
    }

    #[test]
    fn retries_back_off_and_stay_bounded() {
        assert_eq!(retry_delay(1), FIRST_RETRY);
        assert_eq!(retry_delay(2), FIRST_RETRY * 2);
        assert_eq!(retry_delay(4), FIRST_RETRY * 8);
        assert_eq!(retry_delay(50), LONGEST_RETRY);
        assert_eq!(retry_delay(u32::MAX), LONGEST_RETRY);
    }
}
