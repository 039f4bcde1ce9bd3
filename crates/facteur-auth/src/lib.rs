//! Facteur's handling of login secrets and login policy.
//!
//! - argon2id password hashes: creation, constant-time verification, and a
//!   dummy verification so unknown accounts answer as slowly as known ones;
//! - one bounded pool of verifier threads for the whole process, in front of a cache of recently verified
//!   logins (keyed digests, never passwords);
//! - SASL PLAIN and LOGIN exchanges as sans-IO state machines, yielding
//!   [`Credentials`] for the caller to check;
//! - SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (channel binding `tls-exporter`): verifiers and the server side of
//!   the exchange;
//! - [`Authentication`], the one SASL authentication every protocol drives, whatever the mechanism;
//! - a login throttle that delays answers after repeated failures (counted across nodes when they share a
//!   database);
//! - [`secrets_equal`], the one constant-time comparison of secrets;
//! - [`Login`], the one login flow every protocol calls: throttle delay, account lookup, verification,
//!   recording, log line and metric.
//!
//! Deliberately not here: account storage (`facteur-store` persists accounts
//! and their hashes; [`Login`] only reads them), sockets and framing (each protocol crate wraps SASL in
//! its own syntax), and deciding whether cleartext mechanisms may be offered
//! (the protocol crates offer them only under TLS).

/// One SASL authentication, whatever the mechanism, ending in a login outcome.
mod authentication;
/// A decoded identity and password whose `Debug` never shows the password.
mod credentials;
/// One login for every protocol: throttle, lookup, verification, record, log, metric.
mod login;
/// Recently verified logins, as keyed digests.
mod login_cache;
/// argon2id hashing and verification, generated passwords.
pub mod password;
/// SASL mechanisms PLAIN and LOGIN, driven line by line.
pub mod sasl;
/// SCRAM-SHA-256(-PLUS)'s server side and its stored verifiers.
pub mod scram;
/// A password's stored forms (argon2id hash, SCRAM verifier), set together.
mod stored_password;
/// Exponential delays after failed logins, per client network and per account, counted in memory or, for
/// several nodes, in the database they share.
pub mod throttle;
/// The process's bounded pool of password checks.
mod verifier;

pub use authentication::{AuthStep, Authentication, SaslContext};
pub use credentials::Credentials;
pub use login::{Login, LoginOutcome, SASL_RESPONSE_TIMEOUT};
pub use login_cache::LoginCache;
pub use password::{
    PasswordError, WeakPassword, check_new_password, generate_password, hash_password, verify_against_dummy,
    verify_password,
};
pub use sasl::{Mechanism, PasswordMechanism, SaslError, SaslExchange, Step};
pub use scram::ScramVerifier;
pub use stored_password::StoredPassword;
pub use throttle::{LoginThrottle, ThrottlePolicy};
pub use verifier::PasswordVerifier;

/// Whether two secrets (tokens, keys, digests) are equal, looking at every byte whatever the first
/// difference, so timing tells an attacker nothing about how much of a guess was right.
pub fn secrets_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
