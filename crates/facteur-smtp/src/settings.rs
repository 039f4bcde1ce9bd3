//! What an operator can tune about one SMTP listener, with the defaults RFC 5321 suggests.

use facteur_primitives::metrics::protocols;
use std::time::Duration;

/// Which of the two jobs a listener does; one engine serves both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// Port 25: other servers hand us mail for our own domains. No AUTH, never relays.
    Mx,
    /// Ports 587 (STARTTLS) and 465 (implicit TLS), RFC 6409 / RFC 8314: our authenticated users hand us mail
    /// for anywhere.
    Submission,
}

impl Face {
    /// The `protocol` label of this face's metrics.
    pub fn metric_label(self) -> &'static str {
        match self {
            Face::Mx => protocols::SMTP,
            Face::Submission => protocols::SUBMISSION,
        }
    }
}

/// Settings of one SMTP listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Our name in the greeting, the EHLO reply and `Received:` headers.
    pub hostname: String,
    pub face: Face,
    /// Announced in EHLO `SIZE` (RFC 1870), enforced on `SIZE=` and on the data actually received.
    pub max_message_size: u64,
    /// RFC 5321 §4.5.3.1.8: at least 100 must be accepted; beyond the limit, `452 4.5.3`.
    pub max_recipients: usize,
    /// Bad commands tolerated before `421 4.7.0` and close.
    pub max_errors: u32,
    /// RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for the next command.
    pub command_timeout: Duration,
    /// Per data line or BDAT chunk read, not for the whole message (RFC 5321 §4.5.3.2.5 asks 3 minutes per
    /// block; we give more).
    pub data_timeout: Duration,
    /// AUTH before TLS. Off by default: PLAIN and LOGIN would carry the password in the clear.
    pub allow_plaintext_auth: bool,
    /// How long queued mail for remote recipients is retried before it bounces.
    pub queue_lifetime: Duration,
}

impl Settings {
    /// Settings with the defaults for `face`.
    pub fn new(hostname: &str, face: Face) -> Settings {
        Settings {
            hostname: hostname.to_owned(),
            face,
            max_message_size: 50 * 1024 * 1024,
            max_recipients: 100,
            max_errors: 10,
            command_timeout: Duration::from_secs(5 * 60),
            data_timeout: Duration::from_secs(10 * 60),
            allow_plaintext_auth: false,
            queue_lifetime: Duration::from_secs(5 * 24 * 3600),
        }
    }
}
