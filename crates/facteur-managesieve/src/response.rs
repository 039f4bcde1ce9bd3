//! What the server writes (RFC 5804 §4): `OK`, `NO` and `BYE` with an optional response code (§1.3) and a
//! human-readable string, strings themselves (quoted when they can be, literals otherwise), and the
//! capability lines of §1.7.

use std::borrow::Cow;

use facteur_store::StoreError;
use tracing::{error, warn};

use crate::command::QUOTED_MAX;

/// The response codes we send (RFC 5804 §1.3), so a client can act without parsing English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// §1.3: passwords are refused on this connection until TLS is on.
    EncryptNeeded,
    /// §1.3: the account has as many scripts as it may keep.
    QuotaMaxScripts,
    /// §1.3: the script is larger than the account may keep.
    QuotaMaxSize,
    /// §1.3: no script by that name.
    NonExistent,
    /// §1.3: the script is active (DELETESCRIPT).
    Active,
    /// §1.3: a script by the new name exists (RENAMESCRIPT).
    AlreadyExists,
    /// §1.3: the script is fine, but the text says what may not work as expected.
    Warnings,
    /// §1.3, §2.13: NOOP's tag, returned as sent.
    Tag(Vec<u8>),
    /// §1.3: a temporary failure on our side (the store out of reach); try again later.
    TryLater,
    /// §2.1: the server's last SASL data, with success (base64).
    Sasl(String),
}

impl Code {
    fn write(&self, out: &mut Vec<u8>) {
        let name: &str = match self {
            Code::EncryptNeeded => "ENCRYPT-NEEDED",
            Code::QuotaMaxScripts => "QUOTA/MAXSCRIPTS",
            Code::QuotaMaxSize => "QUOTA/MAXSIZE",
            Code::NonExistent => "NONEXISTENT",
            Code::Active => "ACTIVE",
            Code::AlreadyExists => "ALREADYEXISTS",
            Code::Warnings => "WARNINGS",
            Code::Tag(_) => "TAG",
            Code::TryLater => "TRYLATER",
            Code::Sasl(_) => "SASL",
        };
        out.extend_from_slice(name.as_bytes());
        match self {
            Code::Tag(tag) => {
                out.push(b' ');
                write_string(out, tag);
            }
            Code::Sasl(data) => {
                out.push(b' ');
                write_string(out, data.as_bytes());
            }
            _ => {}
        }
    }
}

/// `OK`, `NO` or `BYE` (RFC 5804 §4 `response-oknobye`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bye,
}

/// One status response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: Status,
    pub code: Option<Code>,
    pub text: Cow<'static, str>,
}

impl Response {
    pub fn ok(text: impl Into<Cow<'static, str>>) -> Response {
        Response { status: Status::Ok, code: None, text: text.into() }
    }

    pub fn no(text: impl Into<Cow<'static, str>>) -> Response {
        Response { status: Status::No, code: None, text: text.into() }
    }

    pub fn bye(text: impl Into<Cow<'static, str>>) -> Response {
        Response { status: Status::Bye, code: None, text: text.into() }
    }

    pub fn with(mut self, code: Code) -> Response {
        self.code = Some(code);
        self
    }

    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// The one answer to a store failure while `during` (e.g. "storing the script"): `NO (TRYLATER)` when the
    /// database is out of reach (RFC 5804 §1.3: the client may retry), a plain `NO` otherwise; the log tells
    /// the operator which.
    pub fn store_failure(failure: &StoreError, during: &'static str) -> Response {
        if failure.is_transient() {
            warn!(error = %failure, during, "store unavailable, answered NO (TRYLATER): check the database server");
            Response::no("Temporary server error, try again later").with(Code::TryLater)
        } else {
            error!(error = %failure, during, "store error, answered NO");
            Response::no("Server error")
        }
    }

    /// The response, CRLF-terminated.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(match self.status {
            Status::Ok => b"OK",
            Status::No => b"NO",
            Status::Bye => b"BYE",
        });
        if let Some(code) = &self.code {
            out.extend_from_slice(b" (");
            code.write(&mut out);
            out.push(b')');
        }
        if !self.text.is_empty() {
            out.push(b' ');
            write_string(&mut out, self.text.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }
}

/// RFC 5804 §4 `string`: quoted when it can be (UTF-8, no CR, LF or NUL, at most [`QUOTED_MAX`] octets,
/// errata 2655), a literal `{N}` CRLF otherwise (`literal-s2c`: the server's literals carry no `+`).
pub fn write_string(out: &mut Vec<u8>, value: &[u8]) {
    let quotable = value.len() <= QUOTED_MAX
        && !value.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))
        && std::str::from_utf8(value).is_ok();
    if quotable {
        out.push(b'"');
        for &byte in value {
            if matches!(byte, b'"' | b'\\') {
                out.push(b'\\');
            }
            out.push(byte);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(format!("{{{}}}\r\n", value.len()).as_bytes());
        out.extend_from_slice(value);
    }
}

/// One capability line of §1.7: `"NAME"` or `"NAME" "value"`.
pub fn capability_line(out: &mut Vec<u8>, name: &str, value: Option<&str>) {
    write_string(out, name.as_bytes());
    if let Some(value) = value {
        out.push(b' ');
        write_string(out, value.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_follow_rfc_5804_syntax() {
        assert_eq!(Response::ok("Done").to_bytes(), b"OK \"Done\"\r\n");
        assert_eq!(Response::ok("").to_bytes(), b"OK\r\n");
        assert_eq!(
            Response::no("Script is active").with(Code::Active).to_bytes(),
            b"NO (ACTIVE) \"Script is active\"\r\n"
        );
        assert_eq!(
            Response::ok("Done").with(Code::Tag(b"a \"b\"".to_vec())).to_bytes(),
            b"OK (TAG \"a \\\"b\\\"\") \"Done\"\r\n"
        );
        assert_eq!(Response::no("too big").with(Code::QuotaMaxSize).to_bytes(), b"NO (QUOTA/MAXSIZE) \"too big\"\r\n");
        assert_eq!(Response::ok("").with(Code::Sasl("dj1h".into())).to_bytes(), b"OK (SASL \"dj1h\")\r\n");
        assert_eq!(Response::bye("Idle").with(Code::TryLater).to_bytes(), b"BYE (TRYLATER) \"Idle\"\r\n");
    }

    #[test]
    fn texts_that_cannot_be_quoted_go_as_literals() {
        let mut out = Vec::new();
        write_string(&mut out, b"line 1\r\nline 2");
        assert_eq!(out, b"{14}\r\nline 1\r\nline 2");
        let long = "x".repeat(QUOTED_MAX + 1);
        let bytes = Response::no(long.clone()).to_bytes();
        assert!(bytes.starts_with(format!("NO {{{}}}\r\n", long.len()).as_bytes()));
    }

    #[test]
    fn capability_lines_are_strings() {
        let mut out = Vec::new();
        capability_line(&mut out, "IMPLEMENTATION", Some("Facteur"));
        capability_line(&mut out, "STARTTLS", None);
        assert_eq!(out, b"\"IMPLEMENTATION\" \"Facteur\"\r\n\"STARTTLS\"\r\n");
    }

    #[test]
    fn a_lost_database_is_try_later() {
        let answer = Response::store_failure(&StoreError::Unavailable("connection refused".into()), "PUTSCRIPT");
        assert_eq!(answer.to_bytes(), b"NO (TRYLATER) \"Temporary server error, try again later\"\r\n");
    }
}
