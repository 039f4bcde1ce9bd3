//! The SMTP envelope a script sees through the `envelope` test (RFC 5228 §5.4) and that vacation answers.

/// What the SMTP transaction said about this delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse path (`MAIL FROM`), without angle brackets; empty for the null path `<>` (bounces), which
    /// vacation never answers (RFC 5230 §4.5).
    pub from: String,
    /// The recipient this delivery is for (`RCPT TO`): the script owner's address as the sender wrote it
    /// (RFC 5228 §5.4: only the recipient that caused this delivery is visible).
    pub to: String,
    /// The authenticated submitter (`AUTH=` of `MAIL FROM`, RFC 4954 §5), for `envelope "auth"`.
    pub auth: Option<String>,
}
