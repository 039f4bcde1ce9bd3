//! Fuzzes what an SMTP client's bytes go through: command lines (the UTF-8 check, then `smtp_proto`'s
//! parser, as `Session::execute` does), DATA content line by line through `DataReader`, and BDAT chunks
//! through `MessageBody`. The input is one client's byte stream, cut into lines the way
//! `Connection::read_line` cuts it; the first byte chooses the message size limit and the line limits.
//!
//! What must hold, whatever the client sends (RFC 5321 §2.3.8, §4.1.1.4, §4.5.2; SMTP smuggling):
//! - data ends only at a `.` CRLF line that follows a CRLF (or, flagged as ambiguous, an over-long line):
//!   never after a bare LF, so no `<LF>.<CRLF>`, `<LF>.<LF>`, `<CR>.<CR>` can end it;
//! - an honest `<CRLF>.<CRLF>` always ends it;
//! - content with a bare CR or LF is refused with 550 5.6.11, BDAT content never is (it is length-framed);
//! - an accepted message has CRLF line ends only, is exactly the dot-unstuffed content, and sent on again
//!   with dot-stuffing it ends where it ended here;
//! - the body kept in memory never exceeds the limit, the counted size is every octet received.
//!
//! Run with `cargo fuzz run --sanitizer none smtp_session` from `crates/facteur-smtp` (see docs/fuzzing.md).
#![no_main]

use facteur_smtp::body::{DataLine, DataReader, MessageBody};
use facteur_smtp::envelope::{BodyType, Envelope, ReversePath};
use libfuzzer_sys::fuzz_target;
use smtp_proto::{MAIL_BODY_8BITMIME, MAIL_SMTPUTF8, Request};

/// `session::COMMAND_LINE_MAX` and `session::DATA_LINE_MAX` (private there): keep in step.
const COMMAND_LINE_MAX: usize = 4096;
const DATA_LINE_MAX: usize = 64 * 1024;

/// `CHUNK_PIECE` of `commands/data.rs`: BDAT chunks are appended in pieces of this size.
const CHUNK_PIECE: usize = 64 * 1024;

/// Small line limits reach the over-long-line paths with small inputs; the rules do not depend on the value.
const SMALL_COMMAND_LINE_MAX: usize = 64;
const SMALL_DATA_LINE_MAX: usize = 80;

fuzz_target!(|data: &[u8]| {
    let Some((&control, stream)) = data.split_first() else {
        return;
    };
    let small = control & 0x80 != 0;
    let limits = Limits {
        command_line: if small { SMALL_COMMAND_LINE_MAX } else { COMMAND_LINE_MAX },
        data_line: if small { SMALL_DATA_LINE_MAX } else { DATA_LINE_MAX },
        // 16 octets to 64 KiB: small limits make over-limit messages cheap to reach.
        message: 1 << (4 + u32::from(control & 0x0f) % 13),
    };
    session(&mut Wire { rest: stream }, &limits);
});

struct Limits {
    command_line: usize,
    data_line: usize,
    message: u64,
}

/// The client's bytes, read as `facteur_net::Connection` reads them.
struct Wire<'a> {
    rest: &'a [u8],
}

enum Read<'a> {
    /// A line with its LF.
    Line(&'a [u8]),
    /// Longer than the limit: skipped up to its LF (or the end), never buffered.
    TooLong,
    /// The peer closed; an unterminated last line is dropped.
    Closed,
}

impl<'a> Wire<'a> {
    fn read_line(&mut self, max_len: usize) -> Read<'a> {
        match self.rest.iter().position(|&b| b == b'\n') {
            Some(lf) => {
                let (line, rest) = self.rest.split_at(lf + 1);
                self.rest = rest;
                if line.len() > max_len { Read::TooLong } else { Read::Line(line) }
            }
            None if self.rest.len() >= max_len => {
                self.rest = &[];
                Read::TooLong
            }
            None => {
                self.rest = &[];
                Read::Closed
            }
        }
    }

    fn read_exact(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.rest.len() < n {
            return None;
        }
        let (chunk, rest) = self.rest.split_at(n);
        self.rest = rest;
        Some(chunk)
    }
}

/// The command loop of `Session::serve`, without the state machine: every DATA and BDAT is taken, which
/// covers every path the real one can take through the body code.
fn session(wire: &mut Wire<'_>, limits: &Limits) {
    let mut envelope = Envelope::new(ReversePath::Null);
    let mut chunks: Option<Chunks> = None;
    loop {
        let line = match wire.read_line(limits.command_line) {
            Read::Line(line) => line,
            Read::TooLong => continue,
            Read::Closed => return,
        };
        if std::str::from_utf8(line).is_err() {
            continue;
        }
        let Ok(request) = Request::parse(&mut line.iter()) else {
            continue;
        };
        match request {
            Request::Mail { from } => {
                // As `commands/mail.rs` builds the envelope: only the 8-bit permission matters to the body.
                envelope = Envelope::new(ReversePath::Null);
                envelope.smtputf8 = from.flags & MAIL_SMTPUTF8 != 0;
                if from.flags & MAIL_BODY_8BITMIME != 0 {
                    envelope.body_type = BodyType::EightBitMime;
                }
            }
            Request::Data => {
                chunks = None;
                if data(wire, limits, &envelope) == Ending::Untrusted {
                    return;
                }
            }
            Request::Bdat { chunk_size, is_last } => {
                // `Session::bdat`: a chunk larger than any message is not read; the session closes.
                if chunk_size as u64 > limits.message {
                    return;
                }
                let Some(chunk) = wire.read_exact(chunk_size) else {
                    return;
                };
                let body = chunks.get_or_insert_with(|| Chunks::new(limits.message));
                body.append(chunk);
                if is_last || body.body.is_over_limit() {
                    if let Some(body) = chunks.take() {
                        body.finish(&envelope);
                    }
                }
            }
            Request::Rset => chunks = None,
            Request::Quit => return,
            _ => {}
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Ending {
    /// The data ended; commands follow.
    Ended,
    /// The data ended right after an over-long line: the session closes after its reply.
    Untrusted,
    /// The connection ended inside the data.
    Closed,
}

/// What the DATA content should have become, computed from the RFCs rather than from `DataReader`.
struct Expected {
    content: Vec<u8>,
    size: u64,
    bare_line_ending: bool,
    overlong_line: bool,
    nul: bool,
    eight_bit: bool,
}

fn data(wire: &mut Wire<'_>, limits: &Limits, envelope: &Envelope) -> Ending {
    let mut reader = DataReader::new(limits.message);
    let mut expected = Expected {
        content: Vec::new(),
        size: 0,
        bare_line_ending: false,
        overlong_line: false,
        nul: false,
        eight_bit: false,
    };
    // What the next `.` line follows: the DATA command's own line counts as ending in CRLF.
    let mut after_crlf = true;
    let mut after_overlong = false;
    loop {
        let line = match wire.read_line(limits.data_line) {
            Read::Line(line) => line,
            Read::TooLong => {
                reader.push_overlong_line();
                expected.overlong_line = true;
                after_overlong = true;
                after_crlf = false;
                continue;
            }
            Read::Closed => return Ending::Closed,
        };
        let outcome = reader.push_line(line);
        let honest_end = line == b".\r\n" && after_crlf;
        if outcome == DataLine::End {
            // RFC 5321 §4.1.1.4: only <CRLF>.<CRLF> ends the data. After an over-long line the preceding
            // terminator was never seen, which `ended_ambiguously` must admit.
            assert_eq!(line, b".\r\n", "data ended on {line:?}");
            assert!(after_crlf || after_overlong, "data ended after a bare line ending");
            assert_eq!(reader.ended_ambiguously(), !after_crlf, "ambiguity misreported");
            let untrusted = reader.ended_ambiguously();
            check_body(reader.into_body(), &expected, limits.message, envelope);
            return if untrusted { Ending::Untrusted } else { Ending::Ended };
        }
        assert!(!honest_end, "<CRLF>.<CRLF> did not end the data");
        let text = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(line);
        // A bare CR or LF: a CR not followed by LF, or an LF not preceded by CR (RFC 5321 §2.3.8).
        let bare = !line.ends_with(b"\r\n") || text.contains(&b'\r');
        expected.bare_line_ending |= bare;
        let unstuffed = text.strip_prefix(b".").unwrap_or(text);
        expected.nul |= unstuffed.contains(&0);
        expected.eight_bit |= !unstuffed.is_ascii();
        expected.size += unstuffed.len() as u64 + 2;
        if expected.content.len() as u64 <= limits.message {
            expected.content.extend_from_slice(unstuffed);
            expected.content.extend_from_slice(b"\r\n");
        }
        after_crlf = line.ends_with(b"\r\n");
        after_overlong = false;
    }
}

fn check_body(body: MessageBody, expected: &Expected, limit: u64, envelope: &Envelope) {
    assert_eq!(body.size(), expected.size, "size is not every octet received");
    assert_eq!(body.is_over_limit(), expected.size > limit);
    let verdict = body.verdict(envelope).map_err(|reply| (reply.code, reply.status));
    if expected.bare_line_ending {
        // The smuggling defence: read to the real end, then refused, never repaired.
        assert_eq!(verdict, Err((550, Some("5.6.11"))), "bare CR or LF not refused");
    }
    let acceptable = !expected.bare_line_ending
        && expected.size <= limit
        && !expected.overlong_line
        && !expected.nul
        && (!expected.eight_bit || envelope.allows_8bit());
    assert_eq!(verdict.is_ok(), acceptable, "verdict {verdict:?}");
    let kept = body.into_bytes();
    assert!(kept.len() as u64 <= limit, "kept {} octets over a limit of {limit}", kept.len());
    if expected.size <= limit {
        assert_eq!(kept, expected.content, "content is not the dot-unstuffed lines");
    }
    if acceptable {
        assert_relays_unchanged(&kept, limit);
    }
}

/// An accepted message sent on with dot-stuffing (RFC 5321 §4.5.2) reads back identical and ends where it
/// should, so no downstream server can see a different end of data.
fn assert_relays_unchanged(message: &[u8], limit: u64) {
    for (i, &b) in message.iter().enumerate() {
        match b {
            b'\r' => assert_eq!(message.get(i + 1), Some(&b'\n'), "bare CR in an accepted message"),
            b'\n' => assert!(i > 0 && message[i - 1] == b'\r', "bare LF in an accepted message"),
            _ => {}
        }
    }
    let mut reader = DataReader::new(limit);
    let mut lines = message.split_inclusive(|&b| b == b'\n');
    for line in lines.by_ref() {
        let stuffed = if line.starts_with(b".") { [&b"."[..], line].concat() } else { line.to_vec() };
        assert_eq!(reader.push_line(&stuffed), DataLine::Content, "relayed content ended the data");
    }
    assert_eq!(reader.push_line(b".\r\n"), DataLine::End, "relayed end of data not seen");
    assert!(!reader.ended_ambiguously());
    assert_eq!(reader.into_body().into_bytes(), message);
}

/// BDAT chunks of one message (RFC 3030).
struct Chunks {
    body: MessageBody,
    /// What was received, up to the first chunk that crosses the limit.
    received: Vec<u8>,
    size: u64,
    limit: u64,
}

impl Chunks {
    fn new(limit: u64) -> Chunks {
        Chunks { body: MessageBody::new(limit), received: Vec::new(), size: 0, limit }
    }

    fn append(&mut self, chunk: &[u8]) {
        for piece in chunk.chunks(CHUNK_PIECE) {
            self.body.append(piece);
        }
        self.size += chunk.len() as u64;
        if self.size <= self.limit {
            self.received.extend_from_slice(chunk);
        }
    }

    fn finish(self, envelope: &Envelope) {
        let size = self.body.size();
        assert_eq!(size, self.size, "BDAT size is not the sum of the chunks");
        let verdict = self.body.verdict(envelope).map_err(|reply| (reply.code, reply.status));
        // Length-framed content cannot hide an end of data: bare line endings are not refused here.
        assert_ne!(verdict, Err((550, Some("5.6.11"))), "BDAT content refused for bare line endings");
        let kept = self.body.into_bytes();
        assert!(kept.len() as u64 <= self.limit);
        if size <= self.limit {
            assert_eq!(kept, self.received);
        }
    }
}
