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
    /// What uploads are compiled under: the binary's `[sieve]`, the very value delivery runs scripts under,
    /// so MAXREDIRECTS (RFC 5804 §1.7, its `max_redirects`) is the limit a script meets at delivery.
    pub compile_limits: facteur_sieve::Limits,
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
            compile_limits: facteur_sieve::Limits { max_script_bytes: 64 * 1024, ..facteur_sieve::Limits::default() },
            idle_timeout: Duration::from_secs(30 * 60),
            max_errors: 10,
        }
    }
}
