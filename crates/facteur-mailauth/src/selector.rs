//! DKIM selectors (RFC 6376 §3.1) and the names we give them: `f` + the UTC date the key was made
//! (`f20261123`), `e` appended for Ed25519 (`f20261123e`), so an operator sees each key's age in DNS
//! and rotation never reuses a name.

use crate::error::MailAuthError;
use facteur_primitives::{CivilDate, unix_now};

/// A DKIM selector: one DNS label, lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector(String);

impl Selector {
    /// Accepts a selector written by an operator (one DNS label of letters, digits and hyphens).
    pub fn parse(text: &str) -> Result<Self, MailAuthError> {
        let lower = text.to_ascii_lowercase();
        let valid = !lower.is_empty()
            && lower.len() <= 63
            && !lower.starts_with('-')
            && !lower.ends_with('-')
            && lower.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if valid { Ok(Self(lower)) } else { Err(MailAuthError::InvalidSelector { selector: text.to_string() }) }
    }

    /// The dated selector for a key made on `date` (`YYYYMMDD`), with `attempt` > 1 giving
    /// `-2`, `-3`… for a second key of the same algorithm on the same day.
    pub(crate) fn dated(date: &str, algorithm: Algorithm, attempt: u32) -> Self {
        let mut name = format!("f{date}{}", algorithm.selector_suffix());
        if attempt > 1 {
            name.push_str(&format!("-{attempt}"));
        }
        Self(name)
    }

    /// The selector text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// DKIM key algorithms we sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSA, 2048-bit modulus, signing with rsa-sha256: the default, verified everywhere.
    Rsa2048,
    /// Ed25519 (RFC 8463): a short key, but not every receiver verifies it, so it is only ever a
    /// second signature beside RSA.
    Ed25519,
}

impl Algorithm {
    /// The name used in the selector list file and in DNS `k=`.
    pub fn key_type(self) -> &'static str {
        match self {
            Self::Rsa2048 => "rsa",
            Self::Ed25519 => "ed25519",
        }
    }

    pub(crate) fn from_key_type(text: &str) -> Option<Self> {
        match text {
            "rsa" => Some(Self::Rsa2048),
            "ed25519" => Some(Self::Ed25519),
            _ => None,
        }
    }

    fn selector_suffix(self) -> &'static str {
        match self {
            Self::Rsa2048 => "",
            Self::Ed25519 => "e",
        }
    }
}

/// Today's date in UTC as `YYYYMMDD`.
pub(crate) fn today_utc() -> String {
    CivilDate::from_unix(unix_now()).compact()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_carry_the_date_and_algorithm() {
        assert_eq!(Selector::dated("20261123", Algorithm::Rsa2048, 1).as_str(), "f20261123");
        assert_eq!(Selector::dated("20261123", Algorithm::Ed25519, 1).as_str(), "f20261123e");
        assert_eq!(Selector::dated("20261123", Algorithm::Rsa2048, 2).as_str(), "f20261123-2");
    }

    #[test]
    fn selector_must_be_one_dns_label() {
        assert!(Selector::parse("F2026").is_ok());
        assert!(Selector::parse("a.b").is_err());
        assert!(Selector::parse("../x").is_err());
        assert!(Selector::parse("").is_err());
        assert!(Selector::parse("-a").is_err());
    }
}
