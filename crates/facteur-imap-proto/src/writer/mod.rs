//! Serialising responses. Strings take the lightest form that is correct: an atom where
//! the grammar allows one and the text fits, a quoted string for short 7-bit text, a
//! literal for anything with CR, LF, 8-bit octets (unless UTF-8 is enabled) or length.
//! NUL fits no string form (only BINARY's literal8 carries it) and is sent as U+FFFD.

mod data;
mod fetch;
mod status;

use std::io;

use crate::mailbox::{MailboxName, NameEncoding};
use crate::parse::is_astring_char;
use crate::response::Response;

/// Longest string written quoted; longer ones become literals, which clients read without
/// scanning for escapes.
const MAX_QUOTED: usize = 1024;

/// Writes responses for one connection, whose name encoding it knows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseWriter {
    encoding: NameEncoding,
}

impl ResponseWriter {
    pub fn new(encoding: NameEncoding) -> Self {
        ResponseWriter { encoding }
    }

    /// Switches to UTF-8 names and quoted strings once IMAP4rev2 or UTF8=ACCEPT is enabled.
    pub fn set_name_encoding(&mut self, encoding: NameEncoding) {
        self.encoding = encoding;
    }

    /// Appends `response`, CRLF included, to `out`.
    pub fn write(&self, response: &Response, out: &mut Vec<u8>) {
        let mut w = Out { buf: out, encoding: self.encoding };
        match response {
            Response::Status(status) => w.status(status),
            Response::Data(data) => w.data(data),
            Response::Continue(cont) => w.continue_request(cont),
        }
        w.raw(b"\r\n");
    }

    /// The bytes of `response`.
    pub fn to_bytes(&self, response: &Response) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(response, &mut out);
        out
    }

    /// Writes `response` to an [`io::Write`].
    pub fn write_to(&self, response: &Response, sink: &mut impl io::Write) -> io::Result<()> {
        sink.write_all(&self.to_bytes(response))
    }
}

/// The output buffer with the primitives of RFC 9051 §9.
pub(crate) struct Out<'a> {
    buf: &'a mut Vec<u8>,
    encoding: NameEncoding,
}

impl Out<'_> {
    fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    fn str(&mut self, s: &str) {
        self.raw(s.as_bytes());
    }

    fn sp(&mut self) {
        self.raw(b" ");
    }

    fn num(&mut self, n: impl std::fmt::Display) {
        self.str(&n.to_string());
    }

    fn nil(&mut self) {
        self.raw(b"NIL");
    }

    fn quotable(&self, s: &[u8]) -> bool {
        let seven_bit = |b: &u8| matches!(b, 0x01..=0x7f) && *b != b'\r' && *b != b'\n';
        s.len() <= MAX_QUOTED
            && (s.iter().all(seven_bit)
                || (self.encoding == NameEncoding::Utf8
                    && std::str::from_utf8(s).is_ok()
                    && !s.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n'))))
    }

    /// string = quoted / literal.
    ///
    /// Neither may carry NUL (RFC 9051 §4.3; §9 `CHAR8 = %x01-ff`), but header text can hold one (a message
    /// APPENDed as literal8, RFC 3516 §4.4): each NUL goes out as U+FFFD, as an undecodable octet would.
    fn string(&mut self, s: &[u8]) {
        if s.contains(&0) {
            let mut replaced = Vec::with_capacity(s.len() + 8);
            for &b in s {
                match b {
                    0 => replaced.extend_from_slice("\u{fffd}".as_bytes()),
                    b => replaced.push(b),
                }
            }
            return self.string(&replaced);
        }
        if self.quotable(s) {
            self.raw(b"\"");
            for &b in s {
                if b == b'"' || b == b'\\' {
                    self.raw(b"\\");
                }
                self.raw(&[b]);
            }
            self.raw(b"\"");
        } else {
            self.literal(s, false);
        }
    }

    /// `{N}` CRLF data, or literal8 `~{N}` (RFC 3516 §4.2) when `binary`.
    fn literal(&mut self, s: &[u8], binary: bool) {
        if binary {
            self.raw(b"~");
        }
        self.str(&format!("{{{}}}\r\n", s.len()));
        self.raw(s);
    }

    fn nstring(&mut self, s: Option<&[u8]>) {
        match s {
            Some(s) => self.string(s),
            None => self.nil(),
        }
    }

    /// astring: an atom when possible. "NIL" is quoted so no parser mistakes it for nil.
    fn astring(&mut self, s: &[u8]) {
        if !s.is_empty() && s.iter().all(|&b| is_astring_char(b)) && !s.eq_ignore_ascii_case(b"NIL") {
            self.raw(s);
        } else {
            self.string(s);
        }
    }

    fn mailbox(&mut self, name: &MailboxName) {
        let encoded = self.encoding.encode(name.as_str());
        let encoded = encoded.into_owned();
        self.astring(encoded.as_bytes());
    }

    /// Human-readable text: 1*TEXT-CHAR, so CR, LF and NUL become spaces. Non-ASCII text may only be sent
    /// once the client enabled IMAP4rev2 or UTF8=ACCEPT (RFC 9051 §9 `text`, RFC 6855 §3); before, each
    /// non-ASCII character becomes `?`.
    ///
    /// `code_possible`: no response code was written before it, so a text starting with `[` would read as one
    /// (RFC 9051 §9 `resp-text = ["[" resp-text-code "]" SP] [text]`): a client could then take text that
    /// echoes its input for an `[ALERT]`. Such a text gets a space in front.
    fn text(&mut self, text: &str, code_possible: bool) {
        let text = if text.is_empty() { "done" } else { text };
        if code_possible && text.starts_with('[') {
            self.sp();
        }
        for c in text.chars() {
            let safe = match c {
                '\r' | '\n' | '\0' => ' ',
                c => self.text_char(c),
            };
            self.push_char(safe);
        }
    }

    /// `c` as text may carry it on this connection: non-ASCII only once UTF-8 is enabled, else `?`.
    fn text_char(&self, c: char) -> char {
        if c.is_ascii() || self.encoding == NameEncoding::Utf8 { c } else { '?' }
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.raw(c.encode_utf8(&mut buf).as_bytes());
    }

    /// "(" item *(SP item) ")".
    fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        self.raw(b"(");
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.sp();
            }
            item(self, x);
        }
        self.raw(b")");
    }

    /// A list, or NIL when empty.
    fn nil_or_list<T>(&mut self, items: &[T], item: impl FnMut(&mut Self, &T)) {
        if items.is_empty() {
            self.nil();
        } else {
            self.list(items, item);
        }
    }

    /// Parameter list `("name" "value" ...)` or NIL.
    fn params(&mut self, params: &[(String, String)]) {
        self.nil_or_list(params, |w, (k, v)| {
            w.string(k.as_bytes());
            w.sp();
            w.string(v.as_bytes());
        });
    }
}
