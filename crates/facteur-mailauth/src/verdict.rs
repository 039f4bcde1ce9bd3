//! What the inbound checks found about one message, in our own owned types (no borrow of the message),
//! so the SMTP session can keep it, log it and turn it into a header and a decision.

use crate::outcome::AuthResult;
use crate::spf::SpfOutcome;

/// The outcome of every check on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Our hostname, written first in `Authentication-Results`.
    pub authserv_id: String,
    /// SPF as evaluated at MAIL FROM (passed in by the session).
    pub spf: SpfOutcome,
    /// One entry per DKIM-Signature header, in message order (empty: the message is unsigned).
    pub dkim: Vec<DkimCheck>,
    /// DMARC for the RFC 5322 From: domain.
    pub dmarc: DmarcCheck,
    /// The ARC chain (RFC 8617), reported only: it does not change the disposition.
    pub arc: ArcCheck,
}

/// The check of one DKIM signature (RFC 6376 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DkimCheck {
    /// pass, fail, neutral (unverifiable: expired, body hash mismatch, malformed), temperror, permerror.
    pub result: AuthResult,
    /// The signing domain, `d=` (empty when the signature could not be parsed).
    pub domain: String,
    /// The selector, `s=`.
    pub selector: String,
    /// The algorithm, `a=`.
    pub algorithm: DkimAlgorithm,
    /// Why it did not pass, in words (none for a pass).
    pub reason: Option<String>,
}

/// DKIM signing algorithms we meet (RFC 6376 §3.3, RFC 8463).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkimAlgorithm {
    /// `rsa-sha256`, the common case.
    RsaSha256,
    /// `ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
    /// `rsa-sha1`: RFC 8301 §3.1 says it must not be trusted; we still verify it but mark it weak.
    RsaSha1,
}

impl DkimAlgorithm {
    /// The `a=` tag value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RsaSha256 => "rsa-sha256",
            Self::Ed25519Sha256 => "ed25519-sha256",
            Self::RsaSha1 => "rsa-sha1",
        }
    }

    /// True for algorithms RFC 8301 deprecates.
    pub fn is_weak(self) -> bool {
        self == Self::RsaSha1
    }
}

/// DMARC (RFC 7489) for the From: domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmarcCheck {
    /// pass (an aligned SPF or DKIM pass), fail, none (no DMARC record), temperror, permerror.
    pub result: AuthResult,
    /// The policy the domain asks for on failure (`p=`, or `sp=` for a subdomain).
    pub policy: DmarcPolicy,
    /// The RFC 5322 From: domain (empty when the message has no usable From:).
    pub header_from: String,
}

/// The `p=` of a DMARC record (RFC 7489 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DmarcPolicy {
    /// Monitor only (or no record).
    None,
    /// Treat failing mail as suspicious: we deliver it to Junk.
    Quarantine,
    /// Refuse failing mail.
    Reject,
}

/// The ARC chain verdict (RFC 8617 §5.2): pass, fail or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArcCheck {
    /// pass, fail or none.
    pub result: AuthResult,
    /// Why the chain failed.
    pub reason: Option<String>,
}

impl Verdict {
    /// Whether the From: domain itself sent the message: DMARC passed (RFC 7489 §3.1), or, for a domain that
    /// publishes no DMARC record, an SPF or DKIM pass for the From: domain or one sharing its name (relaxed
    /// alignment without the public suffix list: equal, or one a subdomain of the other). What a spam filter
    /// may trust a From: address on, e.g. to know a correspondent.
    pub fn from_is_authenticated(&self) -> bool {
        let from = &self.dmarc.header_from;
        match self.dmarc.result {
            AuthResult::Pass => true,
            AuthResult::None if !from.is_empty() => {
                let spf = self.spf.result == AuthResult::Pass && aligned(&self.spf.domain, from);
                spf || self.dkim.iter().any(|check| check.result == AuthResult::Pass && aligned(&check.domain, from))
            }
            _ => false,
        }
    }

    /// True when any method hit a DNS error that may go away: such mail must be deferred, never
    /// treated as if the check had passed.
    pub fn has_temporary_error(&self) -> bool {
        self.spf.result == AuthResult::TempError
            || self.dmarc.result == AuthResult::TempError
            || self.dkim.iter().any(|check| check.result == AuthResult::TempError)
    }
}

/// Relaxed alignment as far as it can be told without the public suffix list: the same name, or one below the
/// other.
fn aligned(domain: &str, from: &str) -> bool {
    let (domain, from) = (domain.to_ascii_lowercase(), from.to_ascii_lowercase());
    let below = |a: &str, b: &str| a.strip_suffix(b).is_some_and(|rest| rest.ends_with('.'));
    !domain.is_empty() && (domain == from || below(&domain, &from) || below(&from, &domain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spf::SpfIdentity;

    fn verdict(dmarc: AuthResult, spf_domain: &str, dkim_domain: &str) -> Verdict {
        let spf = SpfOutcome {
            result: AuthResult::Pass,
            identity: SpfIdentity::MailFrom,
            domain: spf_domain.into(),
            checked: String::new(),
        };
        let dkim = vec![DkimCheck {
            result: AuthResult::Pass,
            domain: dkim_domain.into(),
            selector: "s".into(),
            algorithm: DkimAlgorithm::RsaSha256,
            reason: None,
        }];
        let dmarc = DmarcCheck { result: dmarc, policy: DmarcPolicy::None, header_from: "example.org".into() };
        Verdict { authserv_id: "mx".into(), spf, dkim, dmarc, arc: ArcCheck { result: AuthResult::None, reason: None } }
    }

    #[test]
    fn the_from_domain_is_authenticated_by_dmarc_or_an_aligned_pass() {
        assert!(verdict(AuthResult::Pass, "other.net", "other.net").from_is_authenticated());
        assert!(!verdict(AuthResult::Fail, "example.org", "example.org").from_is_authenticated());
        assert!(verdict(AuthResult::None, "mail.example.org", "other.net").from_is_authenticated());
        assert!(verdict(AuthResult::None, "other.net", "example.org").from_is_authenticated());
        assert!(!verdict(AuthResult::None, "other.net", "notexample.org").from_is_authenticated());
    }
}
