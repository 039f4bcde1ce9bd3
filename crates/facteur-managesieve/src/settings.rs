//! What an operator can tune about the ManageSieve listeners (`[sieve]`), with defaults.

use std::time::Duration;

use facteur_store::SieveLimits;

/// What an operator can tune about the ManageSieve listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Our name, for logs.
    pub hostname: String,
    /// Passwords on unencrypted connections (never on a server reachable from a network).
    pub allow_plaintext_auth: bool,
    /// Scripts per account and bytes per script, as the store enforces them.
    pub limits: SieveLimits,
    /// `redirect` actions one script may take per message: advertised as MAXREDIRECTS (RFC 5804 §1.7).
    pub max_redirects: usize,
    /// How long a client may stay silent between commands, and the time one command (its literals
    /// included) may take to arrive.
    pub idle_timeout: Duration,
    /// Refused commands and failed logins after which the session is closed: a client that keeps getting it
    /// wrong is confused or probing.
    pub max_errors: u32,
}

impl Settings {
    /// The defaults: no passwords without TLS, 16 scripts of 64 KiB, 4 redirects, 30 minutes idle, 10 errors.
    pub fn new(hostname: &str) -> Settings {
        Settings {
            hostname: hostname.to_owned(),
            allow_plaintext_auth: false,
            limits: SieveLimits { max_scripts: 16, max_script_bytes: 64 * 1024 },
            max_redirects: 4,
            idle_timeout: Duration::from_secs(30 * 60),
            max_errors: 10,
        }
    }

    /// The limits scripts are compiled under: the account's script size and redirect count, the rest
    /// `facteur-sieve`'s defaults.
    pub fn compile_limits(&self) -> facteur_sieve::Limits {
        facteur_sieve::Limits {
            max_script_bytes: usize::try_from(self.limits.max_script_bytes).unwrap_or(usize::MAX),
            max_redirects: self.max_redirects,
            ..facteur_sieve::Limits::default()
        }
    }
}
