//! What an operator can tune about the POP3 listeners, with defaults that follow the RFCs.

use std::time::Duration;

/// What happens at QUIT to the messages the client marked with DELE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeleAction {
    /// Removed from INBOX for good (RFC 1939 §6): IMAP sessions see them expunged.
    #[default]
    Expunge,
    /// Moved to the account's Trash mailbox: gone for the POP3 client, recoverable over IMAP. For users whose
    /// POP3 client deletes by default and who would rather not lose mail to a dead disk.
    Trash,
}

/// What an operator can tune about the POP3 listeners (110 with STLS, 995 with implicit TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Our name, for the greeting.
    pub hostname: String,
    /// Passwords on unencrypted connections (never on a server reachable from a network).
    pub allow_plaintext_auth: bool,
    /// What DELE does once the client says QUIT.
    pub dele_action: DeleAction,
    /// How long a client may stay silent between commands. RFC 1939 §3: at least 10 minutes.
    pub idle_timeout: Duration,
    /// Protocol errors (unknown commands, bad arguments, commands in the wrong state, failed logins) after
    /// which the session is closed: a client that keeps getting it wrong is confused or probing.
    pub max_errors: u32,
}

/// RFC 1939 §3: "an inactivity autologout timer MUST be of at least 10 minutes' duration".
pub const MIN_IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

impl Settings {
    /// The defaults: no passwords without TLS, DELE expunges, 10 minutes idle, 10 errors.
    pub fn new(hostname: &str) -> Settings {
        Settings {
            hostname: hostname.to_owned(),
            allow_plaintext_auth: false,
            dele_action: DeleAction::Expunge,
            idle_timeout: MIN_IDLE_TIMEOUT,
            max_errors: 10,
        }
    }
}
