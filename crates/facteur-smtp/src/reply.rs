//! Server replies: a code, an RFC 3463 enhanced status code, and text.
//!
//! Every reply after the greeting and EHLO carries an enhanced status code (RFC 2034 §3: not the greeting
//! nor the EHLO lines), so clients and log readers can tell *why* without parsing prose.

use std::borrow::Cow;

use facteur_store::StoreError;
use tracing::{error, warn};

/// One reply, possibly multi-line (EHLO, HELP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// `"5.1.1"`; `None` only for the greeting and the EHLO/HELO reply.
    pub status: Option<&'static str>,
    pub lines: Vec<Cow<'static, str>>,
}

impl Reply {
    pub fn new(code: u16, status: &'static str, text: impl Into<Cow<'static, str>>) -> Reply {
        Reply { code, status: Some(status), lines: vec![text.into()] }
    }

    /// A reply without an enhanced code: the greeting, EHLO and HELO.
    pub fn bare(code: u16, lines: Vec<Cow<'static, str>>) -> Reply {
        Reply { code, status: None, lines }
    }

    /// `250 2.0.0 OK`
    pub fn ok() -> Reply {
        Reply::new(250, "2.0.0", "OK")
    }

    /// `503 5.5.1`: the command is valid but not now (RFC 5321 §4.3.2 "bad sequence of commands").
    pub fn bad_sequence(text: &'static str) -> Reply {
        Reply::new(503, "5.5.1", text)
    }

    /// `501 5.5.4`: the arguments are wrong.
    pub fn bad_arguments(text: impl Into<Cow<'static, str>>) -> Reply {
        Reply::new(501, "5.5.4", text)
    }

    /// `421 4.4.2`: the client went quiet for too long.
    pub fn timeout() -> Reply {
        Reply::new(421, "4.4.2", "Timeout, closing connection")
    }

    /// `451 4.3.0`: our fault (storage); the client should try again later.
    pub fn local_error() -> Reply {
        Reply::new(451, "4.3.0", "Local error in processing, try again later")
    }

    /// The one answer to a store failure while `during` (e.g. "RCPT"): always `451 4.3.0`, since nothing
    /// was accepted and RFC 5321 §4.2.5 lets the client keep the message and retry (here or on another
    /// node). The log says whether the database is out of reach (transient) or something is wrong with it.
    pub fn store_failure(failure: &StoreError, during: &'static str) -> Reply {
        if failure.is_transient() {
            warn!(error = %failure, during, "store unavailable, answered 451 4.3.0: check the database server");
        } else {
            error!(error = %failure, during, "store error, answered 451 4.3.0");
        }
        Reply::local_error()
    }

    /// Whether this reply counts towards [`crate::Settings::max_errors`]: permanent refusals of commands
    /// (syntax, sequence, unknown users, relay attempts: what a probe or a confused client produces). `552`
    /// (too big, over quota) is the client's bad luck, not misbehaviour, and `452` (too many recipients)
    /// is the normal way to say "send the rest later" (RFC 5321 §4.5.3.1.10).
    pub fn counts_as_error(&self) -> bool {
        self.code >= 500 && self.code != 552
    }

    /// Wire form: `250-first\r\n250 last\r\n`, each line with the enhanced code.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let count = self.lines.len().max(1);
        for index in 0..count {
            let text = self.lines.get(index).map_or("", |line| line.as_ref());
            let separator = if index + 1 == count { ' ' } else { '-' };
            out.extend_from_slice(self.code.to_string().as_bytes());
            out.push(separator as u8);
            if let Some(status) = self.status {
                out.extend_from_slice(status.as_bytes());
                out.push(b' ');
            }
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_is_a_temporary_local_error() {
        let reply = Reply::store_failure(&StoreError::Unavailable("connection refused".into()), "RCPT");
        assert_eq!(reply.to_bytes(), b"451 4.3.0 Local error in processing, try again later\r\n");
    }

    #[test]
    fn single_line_reply_carries_the_enhanced_code() {
        assert_eq!(Reply::new(550, "5.1.1", "No such user").to_bytes(), b"550 5.1.1 No such user\r\n");
    }

    #[test]
    fn multi_line_reply_uses_dashes_until_the_last_line() {
        let reply = Reply::bare(250, vec!["mx.example".into(), "PIPELINING".into(), "SIZE 10".into()]);
        assert_eq!(reply.to_bytes(), b"250-mx.example\r\n250-PIPELINING\r\n250 SIZE 10\r\n");
    }

    #[test]
    fn quota_and_recipient_limit_replies_do_not_count_as_errors() {
        assert!(Reply::new(550, "5.1.1", "x").counts_as_error());
        assert!(Reply::bad_sequence("x").counts_as_error());
        assert!(!Reply::new(552, "5.2.2", "x").counts_as_error());
        assert!(!Reply::new(452, "4.5.3", "x").counts_as_error());
        assert!(!Reply::ok().counts_as_error());
    }
}
