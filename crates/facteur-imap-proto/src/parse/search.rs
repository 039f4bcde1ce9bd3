//! SEARCH (RFC 9051 §6.4.4), its RETURN options (RFC 4731), MODSEQ (RFC 7162 §3.1.5),
//! and SORT/THREAD (RFC 5256 §3), which share the search-key grammar.

use super::lexer::{Cursor, PResult};
use crate::command::{SearchCommand, SortCommand, ThreadCommand};
use crate::error::SyntaxError;
use crate::flag::Flag;
use crate::search::{SearchKey, SearchReturn, SortCriterion, SortKey, ThreadAlgorithm};

/// `SEARCH [SP RETURN (...)] [SP CHARSET SP charset] 1*(SP search-key)`.
pub(crate) fn parse_search(c: &mut Cursor<'_>, uid: bool) -> PResult<SearchCommand> {
    c.sp()?;
    let returns = parse_return_opts(c)?;
    let charset = if c.keyword("CHARSET") {
        c.sp()?;
        let charset = c.astring_utf8()?;
        c.sp()?;
        Some(charset)
    } else {
        None
    };
    let criteria = parse_key_list(c)?;
    Ok(SearchCommand { uid, returns, charset, criteria })
}

/// `RETURN SP "(" [opt *(SP opt)] ")" SP`, when present.
fn parse_return_opts(c: &mut Cursor<'_>) -> PResult<Option<Vec<SearchReturn>>> {
    if !c.keyword("RETURN") {
        return Ok(None);
    }
    c.sp()?;
    let opts = c.paren_list(true, |c| {
        let opt = c.atom()?.to_ascii_uppercase();
        Ok(match opt.as_str() {
            "MIN" => SearchReturn::Min,
            "MAX" => SearchReturn::Max,
            "ALL" => SearchReturn::All,
            "COUNT" => SearchReturn::Count,
            "SAVE" => SearchReturn::Save,
            _ => return Err(c.err("MIN, MAX, ALL, COUNT or SAVE")),
        })
    })?;
    c.sp()?;
    Ok(Some(opts))
}

/// `search-key *(SP search-key)` up to the end of the line; one key stays unwrapped.
fn parse_key_list(c: &mut Cursor<'_>) -> PResult<SearchKey> {
    let mut keys = vec![parse_key(c, 0)?];
    while c.eat(b' ') {
        if keys.len() >= c.limits.max_list_items {
            return Err(SyntaxError::TooMany { what: "search keys", limit: c.limits.max_list_items });
        }
        keys.push(parse_key(c, 0)?);
    }
    Ok(and(keys))
}

fn and(mut keys: Vec<SearchKey>) -> SearchKey {
    if keys.len() == 1 { keys.pop().unwrap_or(SearchKey::All) } else { SearchKey::And(keys) }
}

fn parse_key(c: &mut Cursor<'_>, depth: usize) -> PResult<SearchKey> {
    if depth >= c.limits.max_search_depth {
        return Err(SyntaxError::TooDeep(c.limits.max_search_depth));
    }
    match c.peek() {
        Some(b'(') => {
            let keys = c.paren_list(false, |c| parse_key(c, depth + 1))?;
            return Ok(and(keys));
        }
        Some(b'0'..=b'9' | b'*') => return Ok(SearchKey::SequenceSet(c.seq_set()?)),
        _ => {}
    }
    let name = c.atom()?.to_ascii_uppercase();
    let key = match name.as_str() {
        "ALL" => SearchKey::All,
        "ANSWERED" => SearchKey::Flag(Flag::Answered),
        "DELETED" => SearchKey::Flag(Flag::Deleted),
        "DRAFT" => SearchKey::Flag(Flag::Draft),
        "FLAGGED" => SearchKey::Flag(Flag::Flagged),
        "SEEN" => SearchKey::Flag(Flag::Seen),
        "UNANSWERED" => SearchKey::NotFlag(Flag::Answered),
        "UNDELETED" => SearchKey::NotFlag(Flag::Deleted),
        "UNDRAFT" => SearchKey::NotFlag(Flag::Draft),
        "UNFLAGGED" => SearchKey::NotFlag(Flag::Flagged),
        "UNSEEN" => SearchKey::NotFlag(Flag::Seen),
        "NEW" => SearchKey::New,
        "OLD" => SearchKey::Old,
        "RECENT" => SearchKey::Recent,
        "KEYWORD" => SearchKey::Flag(space_keyword(c)?),
        "UNKEYWORD" => SearchKey::NotFlag(space_keyword(c)?),
        "BCC" => SearchKey::Bcc(space_astring(c)?),
        "CC" => SearchKey::Cc(space_astring(c)?),
        "FROM" => SearchKey::From(space_astring(c)?),
        "TO" => SearchKey::To(space_astring(c)?),
        "SUBJECT" => SearchKey::Subject(space_astring(c)?),
        "BODY" => SearchKey::Body(space_astring(c)?),
        "TEXT" => SearchKey::Text(space_astring(c)?),
        "HEADER" => {
            c.sp()?;
            let field = c.astring_utf8()?;
            SearchKey::Header(field, space_astring(c)?)
        }
        "BEFORE" => SearchKey::Before(space_date(c)?),
        "ON" => SearchKey::On(space_date(c)?),
        "SINCE" => SearchKey::Since(space_date(c)?),
        "SENTBEFORE" => SearchKey::SentBefore(space_date(c)?),
        "SENTON" => SearchKey::SentOn(space_date(c)?),
        "SENTSINCE" => SearchKey::SentSince(space_date(c)?),
        "LARGER" => SearchKey::Larger(space_number(c)?),
        "SMALLER" => SearchKey::Smaller(space_number(c)?),
        "UID" => {
            c.sp()?;
            SearchKey::Uid(c.seq_set()?)
        }
        "NOT" => {
            c.sp()?;
            SearchKey::Not(Box::new(parse_key(c, depth + 1)?))
        }
        "OR" => {
            c.sp()?;
            let a = parse_key(c, depth + 1)?;
            c.sp()?;
            let b = parse_key(c, depth + 1)?;
            SearchKey::Or(Box::new(a), Box::new(b))
        }
        "MODSEQ" => parse_modseq(c)?,
        _ => return Err(SyntaxError::Expected { expected: "search key", at: c.pos().saturating_sub(name.len()) }),
    };
    Ok(key)
}

fn space_astring(c: &mut Cursor<'_>) -> PResult<Vec<u8>> {
    c.sp()?;
    Ok(c.astring()?.into_owned())
}

fn space_date(c: &mut Cursor<'_>) -> PResult<crate::datetime::Date> {
    c.sp()?;
    c.date()
}

fn space_number(c: &mut Cursor<'_>) -> PResult<u64> {
    c.sp()?;
    c.number64()
}

fn space_keyword(c: &mut Cursor<'_>) -> PResult<Flag> {
    c.sp()?;
    Ok(Flag::Keyword(c.atom()?.to_owned()))
}

/// `MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer` (RFC 7162 §3.1.5).
fn parse_modseq(c: &mut Cursor<'_>) -> PResult<SearchKey> {
    c.sp()?;
    if c.peek() == Some(b'"') {
        c.quoted()?;
        c.sp()?;
        let entry_type = c.atom()?.to_ascii_lowercase();
        if !matches!(entry_type.as_str(), "priv" | "shared" | "all") {
            return Err(c.err("priv, shared or all"));
        }
        c.sp()?;
    }
    Ok(SearchKey::ModSeq(c.number64()?))
}

/// `SORT [SP RETURN (...)] SP "(" sort-criteria ")" SP charset 1*(SP search-key)`.
pub(crate) fn parse_sort(c: &mut Cursor<'_>, uid: bool) -> PResult<SortCommand> {
    c.sp()?;
    let returns = parse_return_opts(c)?;
    let criteria = c.paren_list(false, parse_sort_criterion)?;
    c.sp()?;
    let charset = c.astring_utf8()?;
    c.sp()?;
    let search = parse_key_list(c)?;
    Ok(SortCommand { uid, returns, criteria, charset, search })
}

fn parse_sort_criterion(c: &mut Cursor<'_>) -> PResult<SortCriterion> {
    let reverse = c.keyword("REVERSE");
    if reverse {
        c.sp()?;
    }
    let name = c.atom()?.to_ascii_uppercase();
    let key = match name.as_str() {
        "ARRIVAL" => SortKey::Arrival,
        "CC" => SortKey::Cc,
        "DATE" => SortKey::Date,
        "FROM" => SortKey::From,
        "SIZE" => SortKey::Size,
        "SUBJECT" => SortKey::Subject,
        "TO" => SortKey::To,
        "DISPLAYFROM" => SortKey::DisplayFrom,
        "DISPLAYTO" => SortKey::DisplayTo,
        _ => return Err(c.err("sort key")),
    };
    Ok(SortCriterion { reverse, key })
}

/// `THREAD SP algorithm SP charset 1*(SP search-key)`.
pub(crate) fn parse_thread(c: &mut Cursor<'_>, uid: bool) -> PResult<ThreadCommand> {
    c.sp()?;
    let name = c.atom()?.to_ascii_uppercase();
    let algorithm = match name.as_str() {
        "ORDEREDSUBJECT" => ThreadAlgorithm::OrderedSubject,
        "REFERENCES" => ThreadAlgorithm::References,
        _ => ThreadAlgorithm::Other(name),
    };
    c.sp()?;
    let charset = c.astring_utf8()?;
    c.sp()?;
    let search = parse_key_list(c)?;
    Ok(ThreadCommand { uid, algorithm, charset, search })
}
