//! The one error type of this crate: each variant says what failed and on what, so an operator can act.

use std::path::PathBuf;

/// What can go wrong when setting up the resolver, handling DKIM keys or signing.
///
/// Verification never returns an error: a failed check is a result (`fail`, `temperror`, …) in the
/// [`Verdict`](crate::Verdict), because RFC 8601 reports it rather than aborting.
#[derive(Debug, thiserror::Error)]
pub enum MailAuthError {
    /// The DNS resolver could not be built (unreadable `/etc/resolv.conf`, bad option).
    #[error("dns: cannot set up the resolver: {0}")]
    Resolver(String),

    /// A domain name that cannot be a DKIM signing domain or a directory name.
    #[error("dkim: {domain:?} is not a valid domain name")]
    InvalidDomain {
        /// The name as given.
        domain: String,
    },

    /// A selector name that is not a single DNS label.
    #[error("dkim: {selector:?} is not a valid selector")]
    InvalidSelector {
        /// The selector as given.
        selector: String,
    },

    /// Reading or writing the key directory failed.
    #[error("dkim: {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },

    /// The selector list of a domain has a line we cannot read.
    #[error("dkim: {path} line {line}: {reason}")]
    CorruptSelectorList {
        /// The `selectors` file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// A private key file does not hold a key of the expected kind.
    #[error("dkim: {path}: not a usable {algorithm} private key: {reason}")]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// `rsa` or `ed25519`.
        algorithm: &'static str,
        /// What the parser said.
        reason: String,
    },

    /// Generating a key failed (the system random source, usually).
    #[error("dkim: cannot generate a {algorithm} key: {reason}")]
    KeyGeneration {
        /// `rsa` or `ed25519`.
        algorithm: &'static str,
        /// What the generator said.
        reason: String,
    },

    /// The domain has no active DKIM key, so nothing can be signed for it.
    #[error("dkim: no active key for {domain} (run `facteur dkim rotate {domain}` or `facteur domain add`)")]
    NoActiveKey {
        /// The signing domain.
        domain: String,
    },

    /// No such selector for this domain.
    #[error("dkim: {domain} has no selector {selector:?}")]
    UnknownSelector {
        /// The domain.
        domain: String,
        /// The selector asked for.
        selector: String,
    },

    /// Retiring the key that currently signs would leave the domain unsigned.
    #[error("dkim: {selector} is the active key of {domain}; rotate first, then retire it")]
    RetireActive {
        /// The domain.
        domain: String,
        /// The active selector.
        selector: String,
    },

    /// mail-auth refused to sign (no signable header, key failure).
    #[error("dkim: signing for {domain} failed: {reason}")]
    Signing {
        /// The signing domain.
        domain: String,
        /// mail-auth's reason.
        reason: String,
    },
}

impl MailAuthError {
    /// Wraps an I/O error with the path it happened on.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
}
