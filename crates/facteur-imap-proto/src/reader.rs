//! The incremental command reader: bytes in as they arrive, events out.
//!
//! The reader gathers a command line by line. A line ending in a literal announcement
//! (`{N}`, `{N+}`, `~{N}`) continues with N octets of data and then another line; a
//! synchronising literal needs the server's go-ahead first (RFC 9051 §7.5), which the
//! reader asks for with [`Event::Continue`]. Once the command is whole it is parsed.
//!
//! APPEND is the exception: its message literal is never buffered. The reader yields
//! [`Event::AppendStart`], then the data as [`Event::AppendData`] chunks for the session to
//! write to a temporary blob, then either the next message (MULTIAPPEND) or
//! [`Event::AppendEnd`].
//!
//! Memory stays bounded by [`Limits`]: a line, a command and each literal have a maximum,
//! and an oversized one is refused *before* its data is read, with the tag when known.

use crate::command::{Command, Tag};
use crate::error::{CommandError, CommandErrorKind, SyntaxError};
use crate::limits::{LITERAL_MINUS_MAX, Limits, NonSyncLiterals};
use crate::mailbox::{MailboxName, NameEncoding};
use crate::parse::{self, AppendMessage, AppendStart, Cursor};

/// Largest chunk of APPEND data handed out at once.
const APPEND_CHUNK: usize = 64 * 1024;

/// What the reader has for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Nothing complete yet: push more bytes.
    NeedMore,
    /// A synchronising literal was announced: send a continuation request (`+ …`) now,
    /// or the client will wait forever.
    Continue { literal_len: u64 },
    /// A complete command.
    Command(Command),
    /// An APPEND message begins; its data follows.
    AppendStart(AppendStart),
    /// Next chunk of the current APPEND message (never empty).
    AppendData(Vec<u8>),
    /// The APPEND command is complete: all its messages were received.
    AppendEnd(Tag),
}

/// A literal announced at the end of a line.
#[derive(Debug, Clone, Copy)]
struct LiteralHeader {
    len: u64,
    non_sync: bool,
}

#[derive(Debug)]
struct AppendContext {
    tag: Tag,
    mailbox: MailboxName,
    utf8: bool,
    non_sync: bool,
    index: usize,
}

#[derive(Debug)]
enum State {
    /// Gathering a command's lines; `line_start` is where the current line begins in `buf`.
    Lines { buf: Vec<u8>, line_start: usize, literals: usize },
    /// Copying literal data into the command.
    Literal { buf: Vec<u8>, remaining: u64, literals: usize },
    /// Passing APPEND message data through.
    AppendData { append: AppendContext, remaining: u64, started: bool },
    /// Reading what follows an APPEND message, up to the end of the line.
    AppendRest { append: AppendContext, line: Vec<u8> },
    /// Throwing away the rest of a refused command: `literal` octets the client sends
    /// regardless (non-synchronising), then lines until the command ends.
    Discard { literal: u64 },
}

impl State {
    fn fresh() -> State {
        State::Lines { buf: Vec::new(), line_start: 0, literals: 0 }
    }
}

/// Turns the bytes of one connection into commands. Feed it with [`push`](Self::push),
/// then call [`next_event`](Self::next_event) until it answers [`Event::NeedMore`].
#[derive(Debug)]
pub struct CommandReader {
    limits: Limits,
    encoding: NameEncoding,
    input: Vec<u8>,
    start: usize,
    state: State,
}

impl CommandReader {
    pub fn new(limits: Limits) -> Self {
        CommandReader { limits, encoding: NameEncoding::default(), input: Vec::new(), start: 0, state: State::fresh() }
    }

    /// Switches mailbox names to UTF-8 once the client enabled IMAP4rev2 or UTF8=ACCEPT.
    pub fn set_name_encoding(&mut self, encoding: NameEncoding) {
        self.encoding = encoding;
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Adds received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.input.drain(..self.start);
            self.start = 0;
        }
        self.input.extend_from_slice(bytes);
    }

    /// Octets the reader holds: unconsumed input plus the command gathered so far. Bounded
    /// by the limits plus what was pushed since the last [`Event::NeedMore`].
    pub fn held_bytes(&self) -> usize {
        let gathered = match &self.state {
            State::Lines { buf, .. } | State::Literal { buf, .. } => buf.capacity(),
            State::AppendRest { line, .. } => line.capacity(),
            State::AppendData { .. } | State::Discard { .. } => 0,
        };
        self.input.capacity() + gathered
    }

    /// Octets received but not yet consumed.
    pub fn buffered_len(&self) -> usize {
        self.input.len() - self.start
    }

    /// Removes and returns the unconsumed input. After STARTTLS the session must throw it
    /// away (RFC 9051 §11.1: plaintext sent before the handshake must not be trusted);
    /// after COMPRESS it is compressed data for the inflater.
    pub fn take_unprocessed(&mut self) -> Vec<u8> {
        let rest = self.input.split_off(self.start);
        self.input.clear();
        self.start = 0;
        rest
    }

    /// Reads one raw line (without its line end), outside any command: an AUTHENTICATE
    /// response (RFC 9051 §6.2.2) or `DONE` after IDLE (RFC 2177). `Ok(None)` until a whole
    /// line is there.
    pub fn next_line(&mut self) -> Result<Option<Vec<u8>>, CommandError> {
        let avail = &self.input[self.start..];
        let Some(end) = avail.iter().position(|&b| b == b'\n') else {
            if avail.len() > self.limits.max_line {
                self.start = self.input.len();
                self.state = State::Discard { literal: 0 };
                return Err(self.line_too_long(None));
            }
            return Ok(None);
        };
        let mut line = avail[..end].to_vec();
        self.start += end + 1;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.limits.max_line {
            return Err(self.line_too_long(None));
        }
        Ok(Some(line))
    }

    /// Refuses the APPEND whose [`Event::AppendStart`] was just returned (or is streaming):
    /// the session answers `NO`, and the reader skips the message data the client may
    /// still send (RFC 7888 §4: non-synchronising literals arrive regardless).
    pub fn reject_append(&mut self) {
        let state = std::mem::replace(&mut self.state, State::fresh());
        self.state = match state {
            State::AppendData { append, remaining, started } if append.non_sync || started => {
                State::Discard { literal: remaining }
            }
            State::AppendData { .. } => State::fresh(),
            State::AppendRest { .. } => State::Discard { literal: 0 },
            other => other,
        };
    }

    /// The next event, or the error of a command the reader refused (it has already
    /// skipped what remains of that command).
    pub fn next_event(&mut self) -> Result<Event, CommandError> {
        loop {
            let state = std::mem::replace(&mut self.state, State::fresh());
            let step = match state {
                State::Lines { buf, line_start, literals } => self.step_lines(buf, line_start, literals),
                State::Literal { buf, remaining, literals } => self.step_literal(buf, remaining, literals),
                State::AppendData { append, remaining, started } => self.step_append_data(append, remaining, started),
                State::AppendRest { append, line } => self.step_append_rest(append, line),
                State::Discard { literal } => self.step_discard(literal),
            };
            match step {
                Step::Continue => continue,
                Step::Yield(event) => return Ok(event),
                Step::Fail(error) => return Err(error),
            }
        }
    }

    fn available(&self) -> &[u8] {
        &self.input[self.start..]
    }

    fn step_lines(&mut self, mut buf: Vec<u8>, line_start: usize, literals: usize) -> Step {
        let avail = self.available();
        let newline = avail.iter().position(|&b| b == b'\n');
        let take = newline.map_or(avail.len(), |i| i + 1);
        let line_len = buf.len() - line_start + take;
        if line_len > self.limits.max_line + 2 {
            let tag = tag_of(if buf.is_empty() { avail } else { &buf });
            self.start += take;
            self.state = if newline.is_some() { State::fresh() } else { State::Discard { literal: 0 } };
            return Step::Fail(self.line_too_long(tag));
        }
        buf.extend_from_slice(&avail[..take]);
        self.start += take;
        if buf.len() > self.limits.max_command {
            let more_follows = match newline {
                None => true,
                Some(_) => literal_at_line_end(&buf[line_start..]).is_some_and(|l| l.non_sync),
            };
            let kind = CommandErrorKind::CommandTooLong { limit: self.limits.max_command };
            return self.refuse(&buf, kind, None, more_follows);
        }
        if newline.is_none() {
            self.state = State::Lines { buf, line_start, literals };
            return Step::Yield(Event::NeedMore);
        }
        let line = &buf[line_start..];
        if line == b"\r\n" || line == b"\n" {
            // Empty lines between commands are ignored, as most servers do.
            return if line_start == 0 { Step::Continue } else { self.complete(&buf) };
        }
        match literal_at_line_end(line) {
            Some(literal) => self.announce_literal(buf, literals + 1, literal),
            None => self.complete(&buf),
        }
    }

    fn complete(&mut self, buf: &[u8]) -> Step {
        let mut cursor = Cursor::new(buf, &self.limits, self.encoding);
        match parse::parse_command(&mut cursor) {
            Ok(command) => Step::Yield(Event::Command(command)),
            Err((tag, SyntaxError::Incomplete)) => Step::Fail(CommandError {
                tag,
                kind: SyntaxError::Expected { expected: "rest of command", at: buf.len() }.into(),
            }),
            Err((tag, e)) => Step::Fail(CommandError { tag, kind: e.into() }),
        }
    }

    /// A line ended with `{N}`: an APPEND message, or a literal inside the command.
    fn announce_literal(&mut self, buf: Vec<u8>, literals: usize, literal: LiteralHeader) -> Step {
        let mut cursor = Cursor::new(&buf, &self.limits, self.encoding);
        match parse::parse_append_start(&mut cursor) {
            Ok(Some((tag, mailbox, message))) => {
                let append = AppendContext { tag, mailbox, utf8: message.utf8, non_sync: message.non_sync, index: 0 };
                return self.start_message(append, message);
            }
            Ok(None) => {}
            // An APPEND whose mailbox name is the literal: an ordinary literal.
            Err((_, SyntaxError::Incomplete)) => return self.accept_literal(buf, literals, literal, false),
            Err((tag, e)) => return self.refuse(&buf, e.into(), tag, literal.non_sync),
        }
        self.accept_literal(buf, literals, literal, true)
    }

    /// Checks a literal inside a command against the limits and waits for its data.
    fn accept_literal(&mut self, buf: Vec<u8>, literals: usize, literal: LiteralHeader, check_syntax: bool) -> Step {
        if literals > self.limits.max_literals {
            let kind = CommandErrorKind::TooManyLiterals { limit: self.limits.max_literals };
            return self.refuse_literal(&buf, kind, literal);
        }
        if let Some(kind) = self.literal_size_error(literal, self.limits.max_literal) {
            return self.refuse_literal(&buf, kind, literal);
        }
        let total = (buf.len() as u64).saturating_add(literal.len);
        if total > self.limits.max_command as u64 {
            let kind = CommandErrorKind::CommandTooLong { limit: self.limits.max_command };
            return self.refuse_literal(&buf, kind, literal);
        }
        // Refuse a malformed command now rather than after its literal (RFC 9051 §7.5
        // lets the server answer BAD instead of the continuation request).
        if check_syntax {
            let mut cursor = Cursor::new(&buf, &self.limits, self.encoding);
            if let Err((tag, e)) = parse::parse_command(&mut cursor)
                && e != SyntaxError::Incomplete
            {
                return self.refuse(&buf, e.into(), tag, literal.non_sync);
            }
        }
        self.state = State::Literal { buf, remaining: literal.len, literals };
        if literal.non_sync { Step::Continue } else { Step::Yield(Event::Continue { literal_len: literal.len }) }
    }

    /// Checks a literal's size against `limit` and the LITERAL- rule (RFC 7888 §4).
    fn literal_size_error(&self, literal: LiteralHeader, limit: u64) -> Option<CommandErrorKind> {
        let minus = self.limits.non_sync_literals == NonSyncLiterals::Minus && literal.non_sync;
        let limit = if minus { limit.min(LITERAL_MINUS_MAX) } else { limit };
        (literal.len > limit).then_some(CommandErrorKind::LiteralTooBig { len: literal.len, limit })
    }

    fn start_message(&mut self, append: AppendContext, message: AppendMessage) -> Step {
        let header = LiteralHeader { len: message.literal_len, non_sync: message.non_sync };
        if let Some(kind) = self.literal_size_error(header, self.limits.max_append) {
            self.state = if header.non_sync { State::Discard { literal: header.len } } else { State::fresh() };
            return Step::Fail(CommandError { tag: Some(append.tag), kind });
        }
        let start = AppendStart {
            tag: append.tag.clone(),
            mailbox: append.mailbox.clone(),
            flags: message.flags,
            date: message.date,
            literal_len: message.literal_len,
            binary: message.binary,
            utf8: message.utf8,
            needs_continuation: !message.non_sync,
            index: append.index,
        };
        self.state = State::AppendData {
            append: AppendContext { utf8: message.utf8, non_sync: message.non_sync, ..append },
            remaining: message.literal_len,
            started: false,
        };
        Step::Yield(Event::AppendStart(start))
    }

    fn step_literal(&mut self, mut buf: Vec<u8>, remaining: u64, literals: usize) -> Step {
        let avail = self.available();
        let take = avail.len().min(usize::try_from(remaining).unwrap_or(usize::MAX));
        buf.extend_from_slice(&avail[..take]);
        self.start += take;
        let remaining = remaining - take as u64;
        if remaining == 0 {
            let line_start = buf.len();
            self.state = State::Lines { buf, line_start, literals };
            return Step::Continue;
        }
        self.state = State::Literal { buf, remaining, literals };
        Step::Yield(Event::NeedMore)
    }

    fn step_append_data(&mut self, append: AppendContext, remaining: u64, started: bool) -> Step {
        if remaining == 0 {
            self.state = State::AppendRest { append, line: Vec::new() };
            return Step::Continue;
        }
        let avail = self.available();
        let take = avail.len().min(APPEND_CHUNK).min(usize::try_from(remaining).unwrap_or(usize::MAX));
        if take == 0 {
            self.state = State::AppendData { append, remaining, started };
            return Step::Yield(Event::NeedMore);
        }
        let chunk = avail[..take].to_vec();
        self.start += take;
        self.state = State::AppendData { append, remaining: remaining - take as u64, started: true };
        Step::Yield(Event::AppendData(chunk))
    }

    fn step_append_rest(&mut self, mut append: AppendContext, mut line: Vec<u8>) -> Step {
        let avail = self.available();
        let newline = avail.iter().position(|&b| b == b'\n');
        let take = newline.map_or(avail.len(), |i| i + 1);
        if line.len() + take > self.limits.max_line + 2 {
            self.start += take;
            self.state = if newline.is_some() { State::fresh() } else { State::Discard { literal: 0 } };
            return Step::Fail(self.line_too_long(Some(append.tag)));
        }
        line.extend_from_slice(&avail[..take]);
        self.start += take;
        if newline.is_none() {
            self.state = State::AppendRest { append, line };
            return Step::Yield(Event::NeedMore);
        }
        let mut cursor = Cursor::new(&line, &self.limits, self.encoding);
        match parse::parse_after_message(&mut cursor, append.utf8) {
            Ok(None) => Step::Yield(Event::AppendEnd(append.tag)),
            Ok(Some(message)) => {
                append.index += 1;
                self.start_message(append, message)
            }
            Err(e) => {
                let non_sync = literal_at_line_end(&line).is_some_and(|l| l.non_sync);
                let literal = literal_at_line_end(&line).map_or(0, |l| l.len);
                self.state = if non_sync { State::Discard { literal } } else { State::fresh() };
                Step::Fail(CommandError { tag: Some(append.tag), kind: e.into() })
            }
        }
    }

    /// Skips `literal` octets, then lines until one that does not announce a
    /// non-synchronising literal: that line ends the refused command.
    fn step_discard(&mut self, literal: u64) -> Step {
        let avail = self.available().len();
        if literal > 0 {
            let take = avail.min(usize::try_from(literal).unwrap_or(usize::MAX));
            self.start += take;
            let literal = literal - take as u64;
            self.state = State::Discard { literal };
            return if literal == 0 { Step::Continue } else { Step::Yield(Event::NeedMore) };
        }
        let avail = self.available();
        let Some(end) = avail.iter().position(|&b| b == b'\n') else {
            // Keep the tail: it may hold the start of a literal announcement.
            let keep = avail.len().min(32);
            self.start = self.input.len() - keep;
            self.state = State::Discard { literal: 0 };
            return Step::Yield(Event::NeedMore);
        };
        let next = literal_at_line_end(&avail[..=end]);
        self.start += end + 1;
        self.state = match next {
            Some(l) if l.non_sync => State::Discard { literal: l.len },
            _ => State::fresh(),
        };
        Step::Continue
    }

    /// Refuses the command in `buf`; when `more_follows` the client is still sending it
    /// (a non-synchronising literal, or the rest of an unfinished line), so skip that.
    fn refuse(&mut self, buf: &[u8], kind: CommandErrorKind, tag: Option<Tag>, more_follows: bool) -> Step {
        let tag = tag.or_else(|| tag_of(buf));
        if more_follows {
            let literal = literal_at_line_end(buf).map_or(0, |l| l.len);
            self.state = State::Discard { literal };
        }
        Step::Fail(CommandError { tag, kind })
    }

    fn refuse_literal(&mut self, buf: &[u8], kind: CommandErrorKind, literal: LiteralHeader) -> Step {
        let tag = tag_of(buf);
        if literal.non_sync {
            self.state = State::Discard { literal: literal.len };
        }
        Step::Fail(CommandError { tag, kind })
    }

    fn line_too_long(&self, tag: Option<Tag>) -> CommandError {
        CommandError { tag, kind: CommandErrorKind::LineTooLong { limit: self.limits.max_line } }
    }
}

enum Step {
    Continue,
    Yield(Event),
    Fail(CommandError),
}

/// The tag at the start of a command, if it has one.
fn tag_of(buf: &[u8]) -> Option<Tag> {
    let end = buf.iter().position(|&b| !parse::is_tag_char(b))?;
    let tag = std::str::from_utf8(buf.get(..end)?).ok()?;
    (buf.get(end) == Some(&b' ')).then(|| Tag::new(tag)).flatten()
}

/// `{N}`, `{N+}`, `~{N}` or `~{N+}` just before the line end.
fn literal_at_line_end(line: &[u8]) -> Option<LiteralHeader> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_suffix(b"}")?;
    let (line, non_sync) = match line.strip_suffix(b"+") {
        Some(rest) => (rest, true),
        None => (line, false),
    };
    let digits_start = line.iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |p| p + 1);
    let digits = &line[digits_start..];
    if digits.is_empty() || line.get(digits_start.checked_sub(1)?) != Some(&b'{') {
        return None;
    }
    let len = digits.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    Some(LiteralHeader { len, non_sync })
}
