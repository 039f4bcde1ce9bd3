//! MTA-STS (RFC 8461) as a sender reads it: the `_mta-sts` TXT record that announces a policy, the policy
//! file itself, and whether an MX host is one the policy names. Pure functions over what DNS and HTTPS
//! returned, so every rule is tested without a network; fetching and caching by id and `max_age` (`sts_fetch`)
//! and refusing to deliver without verified TLS in `enforce` mode (`tls_policy`) build on them.

/// RFC 8461 §3.2: `max_age` is at most a year, in seconds.
pub const MAX_AGE_LIMIT: u64 = 31_557_600;

/// RFC 8461 §3.3: a policy larger than this is not one (senders should not read unbounded bodies).
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// The announcement in `_mta-sts.DOMAIN` (RFC 8461 §3.1): its `id` changes whenever the policy does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsRecord {
    pub id: String,
}

/// What a policy asks of senders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Deliver only over TLS verified for an MX the policy names.
    Enforce,
    /// Report failures (TLS-RPT) but deliver anyway.
    Testing,
    /// No policy (used to withdraw one).
    None,
}

/// A policy file, read (RFC 8461 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    /// Seconds the policy may be cached.
    pub max_age: u64,
    /// MX host names or `*.`-patterns, lowercase, without a trailing dot.
    pub mx: Vec<String>,
}

/// Why a policy file is not a policy: RFC 8461 §3.2 then has the sender act as if there were none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the policy is larger than {MAX_POLICY_BYTES} bytes")]
    TooLarge,
    #[error("the policy is not UTF-8 text")]
    NotText,
    #[error("the policy has no version: STSv1")]
    NoVersion,
    #[error("the policy's mode is missing or not enforce, testing or none")]
    BadMode,
    #[error("the policy's max_age is missing or not a number of seconds")]
    BadMaxAge,
    #[error("an enforce or testing policy names no mx")]
    NoMx,
}

/// The one `v=STSv1` record among a name's TXT records (RFC 8461 §3.1): records that do not start with
/// `v=STSv1;` are ignored; none, several, or a malformed one mean no policy.
pub fn sts_record(txt_records: &[String]) -> Option<StsRecord> {
    let candidates: Vec<&String> = txt_records.iter().filter(|record| starts_with_version(record)).collect();
    let [only] = candidates.as_slice() else { return None };
    let mut id = None;
    for field in only.split(';').map(str::trim).filter(|field| !field.is_empty()).skip(1) {
        let (name, value) = field.split_once('=')?;
        if name == "id" {
            let valid = (1..=32).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric());
            id = Some(value.to_owned()).filter(|_| valid);
            id.as_ref()?;
        }
    }
    id.map(|id| StsRecord { id })
}

fn starts_with_version(record: &str) -> bool {
    let Some(rest) = record.strip_prefix("v=STSv1") else { return false };
    rest.trim_start().starts_with(';')
}

/// Reads a policy file (RFC 8461 §3.2): `key: value` lines (LF or CRLF), unknown keys ignored.
pub fn parse_policy(body: &[u8]) -> Result<Policy, PolicyError> {
    if body.len() > MAX_POLICY_BYTES {
        return Err(PolicyError::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| PolicyError::NotText)?;
    let (mut version, mut mode, mut max_age, mut mx) = (false, None, None, Vec::new());
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key.trim() {
            "version" => version = value == "STSv1",
            "mode" => {
                mode = match value {
                    "enforce" => Some(Mode::Enforce),
                    "testing" => Some(Mode::Testing),
                    "none" => Some(Mode::None),
                    _ => return Err(PolicyError::BadMode),
                }
            }
            "max_age" => {
                let seconds: u64 = value.parse().map_err(|_| PolicyError::BadMaxAge)?;
                max_age = Some(seconds.min(MAX_AGE_LIMIT));
            }
            "mx" => mx.push(value.trim_end_matches('.').to_ascii_lowercase()),
            _ => {}
        }
    }
    if !version {
        return Err(PolicyError::NoVersion);
    }
    let mode = mode.ok_or(PolicyError::BadMode)?;
    let max_age = max_age.ok_or(PolicyError::BadMaxAge)?;
    if mode != Mode::None && mx.is_empty() {
        return Err(PolicyError::NoMx);
    }
    Ok(Policy { mode, max_age, mx })
}

impl Policy {
    /// Whether `host` (an MX target) is one the policy names (RFC 8461 §4.1): the same name, or a
    /// `*.example.com` pattern standing for exactly one more label.
    pub fn names_mx(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.mx.iter().any(|pattern| match pattern.strip_prefix("*.") {
            Some(parent) => host.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
            None => *pattern == host,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|text| (*text).to_owned()).collect()
    }

    #[test]
    fn one_sts_record_is_a_policy_announcement_and_anything_else_is_none() {
        let found = sts_record(&records(&["v=spf1 -all", "v=STSv1; id=20160831085700Z;"]));
        assert_eq!(found, Some(StsRecord { id: "20160831085700Z".into() }));
        assert_eq!(sts_record(&records(&["v=STSv1;id=abc"])), Some(StsRecord { id: "abc".into() }));
        assert_eq!(sts_record(&records(&["v=STSv1; id=a;", "v=STSv1; id=b;"])), None, "two records: none");
        assert_eq!(sts_record(&records(&["v=STSv1; id=not-alphanumeric;"])), None);
        assert_eq!(sts_record(&records(&["v=STSv1;"])), None, "no id");
        assert_eq!(sts_record(&records(&["v=STSv10; id=a;"])), None);
        assert_eq!(sts_record(&[]), None);
    }

    #[test]
    fn the_rfc_8461_example_policy_is_read() {
        let body = b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n";
        let policy = parse_policy(body).unwrap();
        assert_eq!(policy.mode, Mode::Enforce);
        assert_eq!(policy.max_age, 604_800);
        assert_eq!(policy.mx, ["mail.example.com", "*.example.net", "backupmx.example.com"]);
    }

    #[test]
    fn malformed_policies_are_none() {
        assert_eq!(parse_policy(b"mode: enforce\nmx: a.example\nmax_age: 1\n"), Err(PolicyError::NoVersion));
        assert_eq!(parse_policy(b"version: STSv1\nmode: strict\nmx: a\nmax_age: 1\n"), Err(PolicyError::BadMode));
        assert_eq!(parse_policy(b"version: STSv1\nmode: enforce\nmx: a\nmax_age: soon\n"), Err(PolicyError::BadMaxAge));
        assert_eq!(parse_policy(b"version: STSv1\nmode: enforce\nmax_age: 1\n"), Err(PolicyError::NoMx));
        assert!(parse_policy(b"version: STSv1\nmode: none\nmax_age: 1\n").is_ok(), "none needs no mx");
        assert_eq!(parse_policy(&vec![b'x'; MAX_POLICY_BYTES + 1]), Err(PolicyError::TooLarge));
        assert_eq!(
            parse_policy(b"version: STSv1\nmode: testing\nmx: a\nmax_age: 99999999999\n").unwrap().max_age,
            MAX_AGE_LIMIT
        );
    }

    #[test]
    fn wildcards_stand_for_exactly_one_label() {
        let policy =
            parse_policy(b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmax_age: 1\n")
                .unwrap();
        assert!(policy.names_mx("MAIL.example.com."));
        assert!(policy.names_mx("mx1.example.net"));
        assert!(!policy.names_mx("example.net"), "the wildcard needs a label");
        assert!(!policy.names_mx("a.b.example.net"), "and only one");
        assert!(!policy.names_mx("evil-example.com"));
    }
}
