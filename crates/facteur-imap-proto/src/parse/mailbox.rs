//! Commands on mailboxes: SELECT/EXAMINE with CONDSTORE/QRESYNC (RFC 7162), CREATE with
//! USE (RFC 6154), DELETE, RENAME, (UN)SUBSCRIBE, LIST (RFC 5258, 5819, 6154), LSUB,
//! STATUS (RFC 9051 §6.3.11, RFC 8438) and the QUOTA commands (RFC 9208 §4).

use super::lexer::{Cursor, PResult};
use crate::command::{
    CommandBody, ListCommand, ListReturn, ListSelection, MailboxAttr, QresyncParams, SelectParams, StatusItem,
};

/// Mailbox commands; `None` when `name` is not one.
pub(crate) fn parse_mailbox_command(c: &mut Cursor<'_>, name: &str) -> PResult<Option<CommandBody>> {
    let body = match name {
        "SELECT" | "EXAMINE" => {
            c.sp()?;
            let mailbox = c.mailbox()?;
            let params = parse_select_params(c)?;
            if name == "SELECT" {
                CommandBody::Select { mailbox, params }
            } else {
                CommandBody::Examine { mailbox, params }
            }
        }
        "CREATE" => parse_create(c)?,
        "DELETE" => CommandBody::Delete(space_mailbox(c)?),
        "SUBSCRIBE" => CommandBody::Subscribe(space_mailbox(c)?),
        "UNSUBSCRIBE" => CommandBody::Unsubscribe(space_mailbox(c)?),
        "RENAME" => {
            let from = space_mailbox(c)?;
            c.sp()?;
            let to = c.new_mailbox()?;
            CommandBody::Rename { from, to }
        }
        "LIST" => CommandBody::List(parse_list(c)?),
        "LSUB" => {
            c.sp()?;
            let reference = c.list_pattern()?;
            c.sp()?;
            let pattern = c.list_pattern()?;
            CommandBody::Lsub { reference, pattern }
        }
        "STATUS" => {
            let mailbox = space_mailbox(c)?;
            c.sp()?;
            let items = c.paren_list(false, parse_status_item)?;
            CommandBody::Status { mailbox, items }
        }
        "GETQUOTA" => {
            c.sp()?;
            CommandBody::GetQuota(c.astring_utf8()?)
        }
        "GETQUOTAROOT" => CommandBody::GetQuotaRoot(space_mailbox(c)?),
        "SETQUOTA" => parse_setquota(c)?,
        _ => return Ok(None),
    };
    Ok(Some(body))
}

fn space_mailbox(c: &mut Cursor<'_>) -> PResult<crate::mailbox::MailboxName> {
    c.sp()?;
    c.mailbox()
}

/// `[SP "(" select-param *(SP select-param) ")"]`.
fn parse_select_params(c: &mut Cursor<'_>) -> PResult<SelectParams> {
    let mut params = SelectParams::default();
    if !c.eat(b' ') {
        return Ok(params);
    }
    c.paren_list(false, |c| {
        if c.keyword("CONDSTORE") {
            params.condstore = true;
        } else if c.keyword("QRESYNC") {
            c.sp()?;
            params.qresync = Some(parse_qresync(c)?);
        } else {
            return Err(c.err("CONDSTORE or QRESYNC"));
        }
        Ok(())
    })?;
    Ok(params)
}

/// `"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"`.
fn parse_qresync(c: &mut Cursor<'_>) -> PResult<QresyncParams> {
    c.byte(b'(', "'('")?;
    let uid_validity = c.nz_number()?;
    c.sp()?;
    let mod_seq = c.number64()?;
    let mut known_uids = None;
    let mut seq_match = None;
    if c.eat(b' ') {
        if c.peek() != Some(b'(') {
            known_uids = Some(c.seq_set()?);
            if c.eat(b' ') {
                seq_match = Some(parse_seq_match(c)?);
            }
        } else {
            seq_match = Some(parse_seq_match(c)?);
        }
    }
    c.byte(b')', "')'")?;
    Ok(QresyncParams { uid_validity, mod_seq, known_uids, seq_match })
}

fn parse_seq_match(
    c: &mut Cursor<'_>,
) -> PResult<(crate::sequence::SeqSet<crate::sequence::SeqNum>, crate::sequence::SeqSet<crate::sequence::Uid>)> {
    c.byte(b'(', "'('")?;
    let seqs = c.seq_set()?;
    c.sp()?;
    let uids = c.seq_set()?;
    c.byte(b')', "')'")?;
    Ok((seqs, uids))
}

/// `CREATE mailbox [SP "(" "USE" SP "(" use-attr *(SP use-attr) ")" ")"]`.
fn parse_create(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let mailbox = c.new_mailbox()?;
    let mut special_use = Vec::new();
    if c.eat(b' ') {
        c.paren_list(false, |c| {
            if !c.keyword("USE") {
                return Err(c.err("USE"));
            }
            c.sp()?;
            special_use.extend(c.paren_list(false, parse_mailbox_attr)?);
            Ok(())
        })?;
    }
    Ok(CommandBody::Create { mailbox, special_use })
}

/// `"\" atom`, mapped onto the attributes we know.
pub(crate) fn parse_mailbox_attr(c: &mut Cursor<'_>) -> PResult<MailboxAttr> {
    c.byte(b'\\', "mailbox attribute")?;
    Ok(MailboxAttr::from_name(c.atom()?))
}

/// `LIST [SP "(" selection ")"] SP reference SP (pattern / "(" patterns ")") [SP RETURN (...)]`.
fn parse_list(c: &mut Cursor<'_>) -> PResult<ListCommand> {
    c.sp()?;
    let mut selection = Vec::new();
    if c.peek() == Some(b'(') {
        selection = c.paren_list(true, parse_list_selection)?;
        c.sp()?;
    }
    let reference = c.list_pattern()?;
    c.sp()?;
    let patterns =
        if c.peek() == Some(b'(') { c.paren_list(false, Cursor::list_pattern)? } else { vec![c.list_pattern()?] };
    let mut returns = Vec::new();
    if c.eat(b' ') {
        if !c.keyword("RETURN") {
            return Err(c.err("RETURN"));
        }
        c.sp()?;
        returns = c.paren_list(true, parse_list_return)?;
    }
    Ok(ListCommand { selection, reference, patterns, returns })
}

fn parse_list_selection(c: &mut Cursor<'_>) -> PResult<ListSelection> {
    let option = c.atom()?.to_ascii_uppercase();
    Ok(match option.as_str() {
        "SUBSCRIBED" => ListSelection::Subscribed,
        "REMOTE" => ListSelection::Remote,
        "RECURSIVEMATCH" => ListSelection::RecursiveMatch,
        "SPECIAL-USE" => ListSelection::SpecialUse,
        _ => return Err(c.err("LIST selection option")),
    })
}

fn parse_list_return(c: &mut Cursor<'_>) -> PResult<ListReturn> {
    let option = c.atom()?.to_ascii_uppercase();
    Ok(match option.as_str() {
        "SUBSCRIBED" => ListReturn::Subscribed,
        "CHILDREN" => ListReturn::Children,
        "SPECIAL-USE" => ListReturn::SpecialUse,
        "STATUS" => {
            c.sp()?;
            ListReturn::Status(c.paren_list(false, parse_status_item)?)
        }
        _ => return Err(c.err("LIST return option")),
    })
}

pub(crate) fn parse_status_item(c: &mut Cursor<'_>) -> PResult<StatusItem> {
    let item = c.atom()?.to_ascii_uppercase();
    Ok(match item.as_str() {
        "MESSAGES" => StatusItem::Messages,
        "RECENT" => StatusItem::Recent,
        "UIDNEXT" => StatusItem::UidNext,
        "UIDVALIDITY" => StatusItem::UidValidity,
        "UNSEEN" => StatusItem::Unseen,
        "DELETED" => StatusItem::Deleted,
        "DELETED-STORAGE" => StatusItem::DeletedStorage,
        "SIZE" => StatusItem::Size,
        "HIGHESTMODSEQ" => StatusItem::HighestModSeq,
        "APPENDLIMIT" => StatusItem::AppendLimit,
        _ => return Err(c.err("STATUS item")),
    })
}

/// `SETQUOTA quota-root SP "(" [resource SP number64 *(SP resource SP number64)] ")"`.
fn parse_setquota(c: &mut Cursor<'_>) -> PResult<CommandBody> {
    c.sp()?;
    let root = c.astring_utf8()?;
    c.sp()?;
    let limits = c.paren_list(true, |c| {
        let resource = c.atom()?.to_ascii_uppercase();
        c.sp()?;
        Ok((resource, c.number64()?))
    })?;
    Ok(CommandBody::SetQuota { root, limits })
}

impl MailboxAttr {
    /// The attribute for `\name` (case-insensitive).
    pub fn from_name(name: &str) -> MailboxAttr {
        match name.to_ascii_lowercase().as_str() {
            "noinferiors" => MailboxAttr::NoInferiors,
            "noselect" => MailboxAttr::NoSelect,
            "marked" => MailboxAttr::Marked,
            "unmarked" => MailboxAttr::Unmarked,
            "haschildren" => MailboxAttr::HasChildren,
            "hasnochildren" => MailboxAttr::HasNoChildren,
            "nonexistent" => MailboxAttr::NonExistent,
            "subscribed" => MailboxAttr::Subscribed,
            "remote" => MailboxAttr::Remote,
            "all" => MailboxAttr::All,
            "archive" => MailboxAttr::Archive,
            "drafts" => MailboxAttr::Drafts,
            "flagged" => MailboxAttr::Flagged,
            "junk" => MailboxAttr::Junk,
            "sent" => MailboxAttr::Sent,
            "trash" => MailboxAttr::Trash,
            _ => MailboxAttr::Other(name.to_owned()),
        }
    }

    /// Whether this is an RFC 6154 special-use attribute.
    pub fn is_special_use(&self) -> bool {
        matches!(
            self,
            MailboxAttr::All
                | MailboxAttr::Archive
                | MailboxAttr::Drafts
                | MailboxAttr::Flagged
                | MailboxAttr::Junk
                | MailboxAttr::Sent
                | MailboxAttr::Trash
        )
    }

    /// The attribute as written, backslash included.
    pub fn as_wire(&self) -> String {
        let name = match self {
            MailboxAttr::NoInferiors => "Noinferiors",
            MailboxAttr::NoSelect => "Noselect",
            MailboxAttr::Marked => "Marked",
            MailboxAttr::Unmarked => "Unmarked",
            MailboxAttr::HasChildren => "HasChildren",
            MailboxAttr::HasNoChildren => "HasNoChildren",
            MailboxAttr::NonExistent => "NonExistent",
            MailboxAttr::Subscribed => "Subscribed",
            MailboxAttr::Remote => "Remote",
            MailboxAttr::All => "All",
            MailboxAttr::Archive => "Archive",
            MailboxAttr::Drafts => "Drafts",
            MailboxAttr::Flagged => "Flagged",
            MailboxAttr::Junk => "Junk",
            MailboxAttr::Sent => "Sent",
            MailboxAttr::Trash => "Trash",
            MailboxAttr::Other(name) => name,
        };
        format!("\\{name}")
    }
}
