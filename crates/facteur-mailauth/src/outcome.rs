//! The result keywords of RFC 8601 §2.7, shared by every method so each is rendered one way.

/// The outcome of one authentication method, as RFC 8601 §2.7 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthResult {
    /// The check succeeded.
    Pass,
    /// The check failed: the message is not authorised by this method.
    Fail,
    /// SPF `~all`: probably not authorised (RFC 7208 §2.6.5).
    SoftFail,
    /// The domain makes no assertion (SPF `?all`), or a DKIM signature could not be checked.
    Neutral,
    /// There was nothing to check (no record, no signature).
    None,
    /// A DNS error that may go away: the sender should retry later.
    TempError,
    /// A broken record or signature: retrying will not help.
    PermError,
}

impl AuthResult {
    /// The keyword written after `spf=`, `dkim=`, `dmarc=`, `arc=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::SoftFail => "softfail",
            Self::Neutral => "neutral",
            Self::None => "none",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }
}

impl std::fmt::Display for AuthResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
