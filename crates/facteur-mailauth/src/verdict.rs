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
    /// True when any method hit a DNS error that may go away: such mail must be deferred, never
    /// treated as if the check had passed.
    pub fn has_temporary_error(&self) -> bool {
        self.spf.result == AuthResult::TempError
            || self.dmarc.result == AuthResult::TempError
            || self.dkim.iter().any(|check| check.result == AuthResult::TempError)
    }
}
