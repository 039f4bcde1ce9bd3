//! Facteur's handling of login secrets and login policy.
//!
//! - argon2id password hashes: creation, constant-time verification, and a
//!   dummy verification so unknown accounts answer as slowly as known ones;
//! - SASL PLAIN and LOGIN exchanges as sans-IO state machines, yielding
//!   [`Credentials`] for the caller to check;
//! - a login throttle that delays answers after repeated failures.
//!
//! Deliberately not here: account storage (`facteur-store` persists accounts
//! and their hashes), sockets and framing (each protocol crate wraps SASL in
//! its own syntax), and deciding whether cleartext mechanisms may be offered
//! (the protocol crates offer them only under TLS).

/// A decoded identity and password whose `Debug` never shows the password.
mod credentials;
/// argon2id hashing and verification, generated passwords.
pub mod password;
/// SASL mechanisms PLAIN and LOGIN, driven line by line.
pub mod sasl;
/// Exponential delays after failed logins, per client network and per account.
pub mod throttle;

pub use credentials::Credentials;
pub use password::{PasswordError, generate_password, hash_password, verify_against_dummy, verify_password};
pub use sasl::{Mechanism, SaslError, SaslExchange, Step};
pub use throttle::{LoginThrottle, ThrottlePolicy};
