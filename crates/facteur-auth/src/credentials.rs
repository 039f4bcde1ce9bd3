//! What a successful SASL exchange yields: who is logging in, and the secret.

use std::fmt;

/// An authentication identity and its password, as the client sent them.
///
/// `Debug` redacts the password so a stray `{:?}` in a log line or a panic
/// message cannot leak it; nothing else in this crate formats it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The authentication identity (RFC 4422 §2), usually the mail address.
    pub authcid: String,
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("authcid", &self.authcid).field("password", &"<redacted>").finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_password() {
        let credentials = Credentials { authcid: "alice@example.org".into(), password: "hunter2-secret".into() };
        let printed = format!("{credentials:?} {credentials:#?}");
        assert!(printed.contains("alice@example.org"));
        assert!(!printed.contains("hunter2-secret"));
    }
}
