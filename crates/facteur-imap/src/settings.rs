//! What an operator can tune about the IMAP listeners.

use facteur_imap_proto::Limits;

/// Settings of the IMAP engine; [`Settings::new`] gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Our name, for greetings.
    pub hostname: String,
    /// Passwords on unencrypted connections (never on a server reachable from a network): without it,
    /// LOGIN and AUTHENTICATE are refused before STARTTLS and LOGINDISABLED is advertised (RFC 9051 §6.2.3).
    pub allow_plaintext_auth: bool,
    /// Bounds on command lines, literals and APPEND sizes; `max_append` is advertised as APPENDLIMIT.
    pub limits: Limits,
    /// Commands answered BAD before the session is closed with BYE: a client that keeps erring is broken or
    /// probing.
    pub max_errors: u32,
    /// APPENDs up to this size are gathered in memory (and may be stored inside the database); larger ones
    /// are streamed to a blob file as they arrive.
    pub append_in_memory_max: u64,
}

impl Settings {
    /// The defaults.
    pub fn new(hostname: &str) -> Settings {
        Settings {
            hostname: hostname.to_owned(),
            allow_plaintext_auth: false,
            limits: Limits::default(),
            max_errors: 20,
            append_in_memory_max: 1024 * 1024,
        }
    }
}
