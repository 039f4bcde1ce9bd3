//! `tag SP command CRLF`: the dispatch from command name to the production for its
//! arguments. Families with more grammar live in their own files.

use super::Tagged;
use super::lexer::{Cursor, PResult};
use super::{fetch, mailbox, search};
use crate::command::{Command, CommandBody, InitialResponse, Password, Tag};
use crate::error::SyntaxError;
use crate::sequence::{MessageSet, SeqNum, Uid};

/// Reads the tag; `None` when the line does not start with one.
pub(crate) fn parse_tag(c: &mut Cursor<'_>) -> PResult<Tag> {
    let bytes = c.take_while(super::is_tag_char, "tag")?;
    let text = std::str::from_utf8(bytes).map_err(|_| c.err("tag"))?;
    Tag::new(text).ok_or_else(|| c.err("tag"))
}

/// Parses one complete command. Errors carry the tag when it was readable.
pub(crate) fn parse_command(c: &mut Cursor<'_>) -> Tagged<Command> {
    let tag = parse_tag(c).map_err(|e| (None, e))?;
    if !matches!(c.peek(), Some(b' ' | b'\r' | b'\n')) {
        // `a+ NOOP`: what precedes the space is not a valid tag; answer untagged.
        return Err((None, c.err("space after tag")));
    }
    let body = parse_after_tag(c).map_err(|e| (Some(tag.clone()), e))?;
    Ok(Command { tag, body })
}

fn parse_after_tag(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let name = c.atom()?.to_ascii_uppercase();
    let body = match name.as_str() {
        "UID" => {
            c.sp()?;
            let sub = c.atom()?.to_ascii_uppercase();
            parse_selected(c, &sub, true)?
        }
        _ => match parse_any_state(c, &name)? {
            Some(body) => body,
            None => parse_selected(c, &name, false)?,
        },
    };
    c.crlf()?;
    Ok(body)
}

/// Commands valid outside the selected state. `None` when `name` is not one of them.
fn parse_any_state(c: &mut Cursor<'_>, name: &str) -> PResult<Option<CommandBody>> {
    let body = match name {
        "CAPABILITY" => CommandBody::Capability,
        "NOOP" => CommandBody::Noop,
        "LOGOUT" => CommandBody::Logout,
        "STARTTLS" => CommandBody::StartTls,
        "NAMESPACE" => CommandBody::Namespace,
        "IDLE" => CommandBody::Idle,
        "ID" => parse_id(c)?,
        "LOGIN" => parse_login(c)?,
        "AUTHENTICATE" => parse_authenticate(c)?,
        "ENABLE" => parse_enable(c)?,
        "COMPRESS" => {
            c.sp()?;
            CommandBody::Compress(c.atom()?.to_ascii_uppercase())
        }
        "APPEND" => return Err(c.err("APPEND message literal")),
        _ => match mailbox::parse_mailbox_command(c, name)? {
            Some(body) => body,
            None => return Ok(None),
        },
    };
    Ok(Some(body))
}

/// Commands of the selected state; `uid` for the `UID` prefixed forms.
fn parse_selected(c: &mut Cursor<'_>, name: &str, uid: bool) -> PResult<CommandBody> {
    Ok(match (name, uid) {
        ("CHECK", false) => CommandBody::Check,
        ("CLOSE", false) => CommandBody::Close,
        ("UNSELECT", false) => CommandBody::Unselect,
        ("EXPUNGE", false) => CommandBody::Expunge,
        ("EXPUNGE", true) => {
            c.sp()?;
            CommandBody::UidExpunge(c.seq_set()?)
        }
        ("SEARCH", _) => CommandBody::Search(search::parse_search(c, uid)?),
        ("SORT", _) => CommandBody::Sort(search::parse_sort(c, uid)?),
        ("THREAD", _) => CommandBody::Thread(search::parse_thread(c, uid)?),
        ("FETCH", _) => CommandBody::Fetch(fetch::parse_fetch(c, uid)?),
        ("STORE", _) => CommandBody::Store(fetch::parse_store(c, uid)?),
        ("COPY", _) => {
            let (set, mailbox) = parse_set_and_mailbox(c, uid)?;
            CommandBody::Copy { set, mailbox }
        }
        ("MOVE", _) => {
            let (set, mailbox) = parse_set_and_mailbox(c, uid)?;
            CommandBody::Move { set, mailbox }
        }
        _ if uid => return Err(SyntaxError::UnknownCommand(format!("UID {name}"))),
        _ => return Err(SyntaxError::UnknownCommand(name.to_owned())),
    })
}

/// A sequence set, typed by whether the command had the `UID` prefix.
pub(crate) fn parse_message_set(c: &mut Cursor<'_>, uid: bool) -> PResult<MessageSet> {
    Ok(if uid { MessageSet::Uid(c.seq_set::<Uid>()?) } else { MessageSet::Seq(c.seq_set::<SeqNum>()?) })
}

fn parse_set_and_mailbox(c: &mut Cursor<'_>, uid: bool) -> PResult<(MessageSet, crate::mailbox::MailboxName)> {
    c.sp()?;
    let set = parse_message_set(c, uid)?;
    c.sp()?;
    Ok((set, c.mailbox()?))
}

fn parse_login(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let username = c.astring_utf8()?;
    c.sp()?;
    let password = Password(c.astring()?.into_owned());
    Ok(CommandBody::Login { username, password })
}

/// `AUTHENTICATE mechanism [SP initial-response]` (RFC 9051 §6.2.2, RFC 4959).
fn parse_authenticate(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let mechanism = c.atom()?.to_ascii_uppercase();
    let initial_response = if c.eat(b' ') {
        if c.eat(b'=') {
            Some(InitialResponse::Empty)
        } else {
            let b64 = c.take_while(is_base64_char, "base64 initial response")?;
            Some(InitialResponse::Base64(String::from_utf8_lossy(b64).into_owned()))
        }
    } else {
        None
    };
    Ok(CommandBody::Authenticate { mechanism, initial_response })
}

fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// `ENABLE 1*(SP capability)` (RFC 5161 §3.1).
fn parse_enable(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    let mut caps = Vec::new();
    while c.eat(b' ') {
        if caps.len() >= c.limits.max_list_items {
            return Err(SyntaxError::TooMany { what: "capabilities", limit: c.limits.max_list_items });
        }
        caps.push(c.atom()?.to_ascii_uppercase());
    }
    if caps.is_empty() {
        return Err(c.err("capability"));
    }
    Ok(CommandBody::Enable(caps))
}

/// `ID ("field" "value" ...) / ID NIL` (RFC 2971 §3.1).
fn parse_id(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    if c.keyword("NIL") {
        return Ok(CommandBody::Id(None));
    }
    let fields = c.paren_list(true, |c| {
        let name = c.string_utf8()?;
        c.sp()?;
        let value = c.nstring()?.map(|v| String::from_utf8_lossy(&v).into_owned());
        Ok((name, value))
    })?;
    Ok(CommandBody::Id(Some(fields)))
}
