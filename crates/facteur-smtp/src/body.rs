//! Message content as it arrives, by DATA lines or BDAT chunks: bounded collection, content checks, and the
//! end-of-data rule that resists SMTP smuggling.
//!
//! SMTP smuggling (2023): when two servers disagree on where DATA ends (`<LF>.<LF>`, `<CR>.<CR>`,
//! `<LF>.<CR><LF>` …), an attacker can hide a second transaction, with a forged sender, inside the first.
//! RFC 5321 §2.3.8 and §4.1.1.4 say lines end with CRLF only. So a bare LF or bare CR never ends data here:
//! only `<CRLF>.<CRLF>` does. A message that contains them is read to its real end and then refused, never
//! repaired or re-interpreted.

use crate::envelope::Envelope;
use crate::reply::Reply;

/// The message content of one transaction, kept up to the size limit, with what the checks need.
#[derive(Debug)]
pub struct MessageBody {
    bytes: Vec<u8>,
    limit: u64,
    /// Every octet received, kept or not.
    size: u64,
    has_nul: bool,
    has_8bit: bool,
    /// A bare CR or LF (DATA only: BDAT is length-framed and cannot be smuggled through).
    has_bare_line_ending: bool,
    has_overlong_line: bool,
}

/// What a DATA line meant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataLine {
    /// Part of the message; keep reading.
    Content,
    /// `<CRLF>.<CRLF>`: the end of the data.
    End,
}

/// How the previous DATA line ended, i.e. what a `.` line now would follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineBoundary {
    /// CRLF (the DATA command's own line counts for the first line).
    Crlf,
    /// A bare LF.
    BareLf,
    /// An over-long line the connection skipped: its terminator was never seen.
    Unknown,
}

/// Splits DATA into content and its end, one line (terminator included) at a time.
#[derive(Debug)]
pub struct DataReader {
    body: MessageBody,
    boundary: LineBoundary,
    ended_after_unknown_boundary: bool,
}

impl MessageBody {
    pub fn new(limit: u64) -> MessageBody {
        MessageBody {
            bytes: Vec::new(),
            limit,
            size: 0,
            has_nul: false,
            has_8bit: false,
            has_bare_line_ending: false,
            has_overlong_line: false,
        }
    }

    /// Adds content; beyond the limit it is counted and checked but not kept (memory stays bounded).
    pub fn append(&mut self, bytes: &[u8]) {
        self.size = self.size.saturating_add(bytes.len() as u64);
        self.has_nul |= bytes.contains(&0);
        self.has_8bit |= !bytes.is_ascii();
        if self.size <= self.limit {
            self.bytes.extend_from_slice(bytes);
        }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn is_over_limit(&self) -> bool {
        self.size > self.limit
    }

    /// Whether the message may be accepted, and if not, the one reply that says why.
    pub fn verdict(&self, envelope: &Envelope) -> Result<(), Reply> {
        if self.has_bare_line_ending {
            return Err(Reply::new(550, "5.6.11", "Bare CR or LF in message data (RFC 5321 §2.3.8), message refused"));
        }
        if self.is_over_limit() {
            return Err(too_big());
        }
        if self.has_overlong_line {
            return Err(Reply::new(500, "5.5.2", "Line too long in message data (RFC 5321 §4.5.3.1.6)"));
        }
        if self.has_nul {
            return Err(Reply::new(554, "5.6.0", "NUL octet in message data, message refused"));
        }
        if self.has_8bit && !envelope.allows_8bit() {
            // RFC 6152 §3: 8-bit content needs BODY=8BITMIME. We refuse rather than guess a charset or
            // silently pass on data that 7-bit hops would mangle.
            return Err(Reply::new(554, "5.6.1", "8-bit data without BODY=8BITMIME, message refused"));
        }
        Ok(())
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// `552 5.3.4`: RFC 1870 §6.
pub fn too_big() -> Reply {
    Reply::new(552, "5.3.4", "Message size exceeds fixed maximum message size")
}

impl DataReader {
    pub fn new(limit: u64) -> DataReader {
        DataReader { body: MessageBody::new(limit), boundary: LineBoundary::Crlf, ended_after_unknown_boundary: false }
    }

    /// Takes one line as `Connection::read_line` returns it, with its terminator.
    pub fn push_line(&mut self, line: &[u8]) -> DataLine {
        let ends_with_crlf = line.ends_with(b"\r\n");
        let text = if ends_with_crlf { &line[..line.len() - 2] } else { line.strip_suffix(b"\n").unwrap_or(line) };
        if ends_with_crlf && text == b"." && self.boundary != LineBoundary::BareLf {
            self.ended_after_unknown_boundary = self.boundary == LineBoundary::Unknown;
            return DataLine::End;
        }
        if !ends_with_crlf || text.contains(&b'\r') {
            self.body.has_bare_line_ending = true;
        }
        self.boundary = if ends_with_crlf { LineBoundary::Crlf } else { LineBoundary::BareLf };
        // RFC 5321 §4.5.2: remove the leading dot the client added to lines starting with one.
        let unstuffed = text.strip_prefix(b".").unwrap_or(text);
        self.body.append(unstuffed);
        self.body.append(b"\r\n");
        DataLine::Content
    }

    /// A line longer than the limit was skipped by the connection, terminator unseen. The message is
    /// refused. A `.` line right after it ends the data (an honest client must get its answer), but
    /// since it may have followed a bare LF, see [`DataReader::ended_ambiguously`].
    pub fn push_overlong_line(&mut self) {
        self.body.has_overlong_line = true;
        self.boundary = LineBoundary::Unknown;
    }

    /// The data ended with a `.` line right after an over-long line, so it may have been `<LF>.<CRLF>`.
    /// The session then closes after its reply instead of reading what follows as commands: whatever
    /// came next could be a smuggled transaction.
    pub fn ended_ambiguously(&self) -> bool {
        self.ended_after_unknown_boundary
    }

    pub fn into_body(self) -> MessageBody {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{BodyType, ReversePath};

    /// Feeds `input` split the way `Connection::read_line` splits it (at each LF); returns the body and
    /// whether the data ended, with what came after the end.
    fn read(input: &[u8]) -> (MessageBody, Option<Vec<u8>>) {
        let mut reader = DataReader::new(1 << 20);
        let mut rest = input;
        while let Some(lf) = rest.iter().position(|&b| b == b'\n') {
            let (line, tail) = rest.split_at(lf + 1);
            rest = tail;
            if reader.push_line(line) == DataLine::End {
                return (reader.into_body(), Some(rest.to_vec()));
            }
        }
        (reader.into_body(), None)
    }

    fn envelope() -> Envelope {
        Envelope::new(ReversePath::Null)
    }

    #[test]
    fn crlf_dot_crlf_ends_data_and_dots_are_unstuffed() {
        let (body, after) = read(b"Subject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n");
        assert_eq!(after.unwrap(), b"QUIT\r\n");
        assert!(body.verdict(&envelope()).is_ok());
        assert_eq!(body.into_bytes(), b"Subject: x\r\n\r\n.leading dot\r\n");
    }

    #[test]
    fn an_empty_message_ends_at_once() {
        let (body, after) = read(b".\r\n");
        assert!(after.is_some());
        assert_eq!(body.size(), 0);
    }

    #[test]
    fn smuggling_sequences_never_end_data_and_taint_the_message() {
        for smuggled in [&b"\n.\n"[..], b"\r.\r", b"\r\n.\n", b"\n.\r\n", b"\r.\r\n", b"\r\n.\r\r\n"] {
            let mut input = b"Subject: x\r\n\r\nbody".to_vec();
            input.extend_from_slice(smuggled);
            input.extend_from_slice(b"MAIL FROM:<ceo@bank.example>\r\n");
            let (_, after) = read(&input);
            assert_eq!(after, None, "{smuggled:?} ended the data");
            input.extend_from_slice(b"\r\n.\r\n");
            let (body, after) = read(&input);
            assert_eq!(after.unwrap(), b"", "{smuggled:?}: the real end was missed");
            let refusal = body.verdict(&envelope()).unwrap_err();
            assert_eq!((refusal.code, refusal.status), (550, Some("5.6.11")), "{smuggled:?}");
        }
    }

    #[test]
    fn nul_octets_are_refused() {
        let (body, _) = read(b"Subject: x\r\n\r\na\0b\r\n.\r\n");
        assert_eq!(body.verdict(&envelope()).unwrap_err().status, Some("5.6.0"));
    }

    #[test]
    fn eight_bit_needs_8bitmime_or_smtputf8() {
        let (body, _) = read("Subject: café\r\n\r\n.\r\n".as_bytes());
        assert_eq!(body.verdict(&envelope()).unwrap_err().status, Some("5.6.1"));
        let mut declared = envelope();
        declared.body_type = BodyType::EightBitMime;
        assert!(body.verdict(&declared).is_ok());
    }

    #[test]
    fn content_beyond_the_limit_is_counted_not_kept() {
        let mut body = MessageBody::new(10);
        body.append(b"0123456789");
        assert!(!body.is_over_limit());
        body.append(b"abc");
        assert!(body.is_over_limit());
        assert_eq!(body.size(), 13);
        assert_eq!(body.verdict(&envelope()).unwrap_err().code, 552);
        assert_eq!(body.into_bytes(), b"0123456789");
    }

    #[test]
    fn a_dot_right_after_an_overlong_line_ends_data_ambiguously() {
        let mut reader = DataReader::new(1000);
        reader.push_line(b"Subject: x\r\n");
        reader.push_overlong_line();
        assert_eq!(reader.push_line(b".\r\n"), DataLine::End);
        assert!(reader.ended_ambiguously());
        assert_eq!(reader.into_body().verdict(&envelope()).unwrap_err().code, 500);
    }

    #[test]
    fn an_overlong_line_followed_by_more_content_ends_cleanly() {
        let mut reader = DataReader::new(1000);
        reader.push_overlong_line();
        assert_eq!(reader.push_line(b"more\r\n"), DataLine::Content);
        assert_eq!(reader.push_line(b".\r\n"), DataLine::End);
        assert!(!reader.ended_ambiguously());
    }
}
