//! APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502) and UTF8 (RFC 6855 §4), parsed
//! up to each message literal so that the reader can hand the message data to the
//! session as a stream instead of buffering it.

use super::Tagged;
use super::command::parse_tag;
use super::lexer::{Cursor, PResult};
use crate::command::Tag;
use crate::datetime::DateTime;
use crate::flag::Flag;
use crate::mailbox::MailboxName;

/// The start of one APPEND message: everything but the message bytes, which follow as
/// [`crate::Event::AppendData`] chunks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendStart {
    pub tag: Tag,
    pub mailbox: MailboxName,
    pub flags: Vec<Flag>,
    pub date: Option<DateTime>,
    /// Message size in octets, at most [`crate::Limits::max_append`].
    pub literal_len: u64,
    /// Sent as literal8 (`~{N}`, RFC 3516 §4.4): the message may contain NUL octets.
    pub binary: bool,
    /// Wrapped as `UTF8 (~{N})` (RFC 6855 §4): the message may have UTF-8 headers.
    pub utf8: bool,
    /// Synchronising literal: the session must send a continuation request (or refuse the
    /// command with [`crate::CommandReader::reject_append`]) before the client sends data.
    pub needs_continuation: bool,
    /// 0 for the first message, 1.. for further ones of a MULTIAPPEND.
    pub index: usize,
}

/// One message's parameters and literal header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AppendMessage {
    pub flags: Vec<Flag>,
    pub date: Option<DateTime>,
    pub literal_len: u64,
    pub non_sync: bool,
    pub binary: bool,
    pub utf8: bool,
}

/// `tag SP "APPEND" SP mailbox` then the first message. `Ok(None)` when the command is not
/// APPEND; `Err(Incomplete)` while the mailbox itself is a literal still to come.
pub(crate) fn parse_append_start(c: &mut Cursor<'_>) -> Tagged<Option<(Tag, MailboxName, AppendMessage)>> {
    let tag = parse_tag(c).map_err(|e| (None, e))?;
    let with_tag = |e| (Some(tag.clone()), e);
    c.sp().map_err(with_tag)?;
    if !c.keyword("APPEND") {
        return Ok(None);
    }
    c.sp().map_err(with_tag)?;
    let mailbox = c.mailbox().map_err(with_tag)?;
    let message = parse_append_message(c).map_err(with_tag)?;
    Ok(Some((tag, mailbox, message)))
}

/// `SP [flag-list SP] [date-time SP] (literal-header / "UTF8" SP "(" literal8-header)`,
/// ending exactly at the end of the buffered line.
pub(crate) fn parse_append_message(c: &mut Cursor<'_>) -> PResult<AppendMessage> {
    c.sp()?;
    let mut flags = Vec::new();
    if c.peek() == Some(b'(') {
        flags = c.flag_list()?;
        c.sp()?;
    }
    let mut date = None;
    if c.peek() == Some(b'"') {
        date = Some(c.date_time()?);
        c.sp()?;
    }
    let utf8 = c.keyword("UTF8");
    if utf8 {
        c.sp()?;
        c.byte(b'(', "'(' after UTF8")?;
        if c.peek() != Some(b'~') {
            return Err(c.err("literal8 after UTF8 ("));
        }
    }
    let binary = c.eat(b'~');
    c.byte(b'{', "message literal")?;
    let literal_len = c.number64()?;
    let non_sync = c.eat(b'+');
    c.byte(b'}', "'}'")?;
    c.eat(b'\r');
    c.byte(b'\n', "end of line after literal length")?;
    if !c.rest().is_empty() {
        return Err(c.err("end of line after literal length"));
    }
    Ok(AppendMessage { flags, date, literal_len, non_sync, binary, utf8 })
}

/// What follows a message: the end of the command, or (MULTIAPPEND) another message.
/// `utf8` closes the `UTF8 (` parenthesis first.
pub(crate) fn parse_after_message(c: &mut Cursor<'_>, utf8: bool) -> PResult<Option<AppendMessage>> {
    if utf8 {
        c.byte(b')', "')' closing UTF8 (")?;
    }
    if c.at_line_end() {
        c.crlf()?;
        return Ok(None);
    }
    parse_append_message(c).map(Some)
}
