//! Responses: `+OK text`, `-ERR [CODE] text` (RFC 1939 §3, RFC 2449 §8 extended response codes), and short
//! multi-line listings (CAPA, LIST, UIDL). Message content goes out through [`crate::content`] instead.

use std::borrow::Cow;

use facteur_store::StoreError;
use tracing::{error, warn};

/// The extended response codes we send (RFC 2449 §8, RFC 3206), so a client can tell "try later" from
/// "your password is wrong" without parsing English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseCode {
    /// RFC 2449 §8.1.1: the maildrop is in use by another POP3 session.
    InUse,
    /// RFC 3206 §4: a temporary failure on our side; trying again later may work.
    SysTemp,
    /// RFC 3206 §4: a failure on our side that will not go away by itself.
    SysPerm,
    /// RFC 3206 §5: the credentials are the problem (wrong, or not acceptable on this connection).
    Auth,
}

impl ResponseCode {
    fn as_str(self) -> &'static str {
        match self {
            ResponseCode::InUse => "IN-USE",
            ResponseCode::SysTemp => "SYS/TEMP",
            ResponseCode::SysPerm => "SYS/PERM",
            ResponseCode::Auth => "AUTH",
        }
    }
}

/// One response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Ok(Cow<'static, str>),
    Err {
        code: Option<ResponseCode>,
        text: Cow<'static, str>,
    },
    /// `+OK text`, then one line per entry, then the `.` terminator.
    Listing(Cow<'static, str>, Vec<String>),
}

impl Response {
    pub fn ok(text: impl Into<Cow<'static, str>>) -> Response {
        Response::Ok(text.into())
    }

    pub fn err(text: impl Into<Cow<'static, str>>) -> Response {
        Response::Err { code: None, text: text.into() }
    }

    pub fn err_with(code: ResponseCode, text: impl Into<Cow<'static, str>>) -> Response {
        Response::Err { code: Some(code), text: text.into() }
    }

    /// The store failed us: a temporary condition as far as the client can tell.
    pub fn temporary_failure() -> Response {
        Response::err_with(ResponseCode::SysTemp, "Temporary server error, try again later")
    }

    /// The one answer to a store failure while `during` (e.g. "opening the maildrop"): RFC 3206 §4's
    /// `[SYS/TEMP]`, whatever went wrong, since the client can do nothing but retry. The log tells the
    /// operator whether the database is out of reach (transient) or something is wrong with it.
    pub fn store_failure(failure: &StoreError, during: &'static str) -> Response {
        if failure.is_transient() {
            warn!(error = %failure, during, "store unavailable, answered -ERR [SYS/TEMP]: check the database server");
        } else {
            error!(error = %failure, during, "store error, answered -ERR [SYS/TEMP]");
        }
        Response::temporary_failure()
    }

    pub fn listing(text: impl Into<Cow<'static, str>>, lines: Vec<String>) -> Response {
        Response::Listing(text.into(), lines)
    }

    pub fn is_ok(&self) -> bool {
        !matches!(self, Response::Err { .. })
    }

    /// The response, CRLF-terminated. Texts are ours, never the client's, so they need no escaping; listing
    /// lines are dot-stuffed all the same (RFC 1939 §3), so that no line can ever end the listing early.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        match self {
            Response::Ok(text) | Response::Listing(text, _) if text.is_empty() => bytes.extend_from_slice(b"+OK"),
            Response::Ok(text) | Response::Listing(text, _) => {
                bytes.extend_from_slice(format!("+OK {text}").as_bytes())
            }
            Response::Err { code: Some(code), text } => {
                bytes.extend_from_slice(format!("-ERR [{}] {text}", code.as_str()).as_bytes());
            }
            Response::Err { code: None, text } => bytes.extend_from_slice(format!("-ERR {text}").as_bytes()),
        }
        bytes.extend_from_slice(b"\r\n");
        if let Response::Listing(_, lines) = self {
            for line in lines {
                if line.starts_with('.') {
                    bytes.push(b'.');
                }
                bytes.extend_from_slice(line.as_bytes());
                bytes.extend_from_slice(b"\r\n");
            }
            bytes.extend_from_slice(b".\r\n");
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_follow_rfc_2449_syntax() {
        assert_eq!(Response::ok("2 320").to_bytes(), b"+OK 2 320\r\n");
        assert_eq!(Response::ok("").to_bytes(), b"+OK\r\n");
        assert_eq!(Response::err("no such message").to_bytes(), b"-ERR no such message\r\n");
        assert_eq!(
            Response::err_with(ResponseCode::InUse, "maildrop locked").to_bytes(),
            b"-ERR [IN-USE] maildrop locked\r\n"
        );
        assert_eq!(
            Response::listing("2 messages", vec!["1 120".into(), ".odd".into()]).to_bytes(),
            b"+OK 2 messages\r\n1 120\r\n..odd\r\n.\r\n"
        );
        assert_eq!(
            Response::temporary_failure().to_bytes(),
            b"-ERR [SYS/TEMP] Temporary server error, try again later\r\n"
        );
    }

    #[test]
    fn a_lost_database_is_a_temporary_system_error() {
        let answer = Response::store_failure(&StoreError::Unavailable("connection refused".into()), "RETR");
        assert_eq!(answer.to_bytes(), b"-ERR [SYS/TEMP] Temporary server error, try again later\r\n");
    }
}
