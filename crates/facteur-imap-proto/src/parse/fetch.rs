//! FETCH (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 CHANGEDSINCE/VANISHED) and STORE
//! (RFC 9051 §6.4.6, RFC 7162 UNCHANGEDSINCE).

use super::command::parse_message_set;
use super::lexer::{Cursor, PResult, is_atom_char};
use crate::command::{FetchCommand, StoreCommand, StoreMode};
use crate::error::SyntaxError;
use crate::fetch::{FetchAttr, Partial, Section, SectionText};

/// `FETCH SP sequence-set SP (macro / fetch-att / "(" fetch-att *(SP fetch-att) ")") [modifiers]`.
pub(crate) fn parse_fetch(c: &mut Cursor<'_>, uid: bool) -> PResult<FetchCommand> {
    c.sp()?;
    let set = parse_message_set(c, uid)?;
    c.sp()?;
    let attrs = if c.peek() == Some(b'(') {
        c.paren_list(false, parse_fetch_att)?
    } else if let Some(expanded) = parse_macro(c) {
        expanded
    } else {
        vec![parse_fetch_att(c)?]
    };
    let mut command = FetchCommand { set, attrs, changed_since: None, vanished: false };
    if c.eat(b' ') {
        c.paren_list(false, |c| parse_fetch_modifier(c, &mut command))?;
    }
    Ok(command)
}

/// RFC 9051 §6.4.5: ALL, FAST and FULL stand for fixed attribute lists.
fn parse_macro(c: &mut Cursor<'_>) -> Option<Vec<FetchAttr>> {
    let fast = [FetchAttr::Flags, FetchAttr::InternalDate, FetchAttr::Rfc822Size];
    if c.keyword("FAST") {
        Some(fast.to_vec())
    } else if c.keyword("ALL") {
        Some([fast.as_slice(), &[FetchAttr::Envelope]].concat())
    } else if c.keyword("FULL") {
        Some([fast.as_slice(), &[FetchAttr::Envelope, FetchAttr::Body]].concat())
    } else {
        None
    }
}

fn parse_fetch_modifier(c: &mut Cursor<'_>, command: &mut FetchCommand) -> PResult<()> {
    if c.keyword("CHANGEDSINCE") {
        c.sp()?;
        command.changed_since = Some(c.number64()?);
    } else if c.keyword("VANISHED") {
        command.vanished = true;
    } else {
        return Err(c.err("CHANGEDSINCE or VANISHED"));
    }
    Ok(())
}

fn parse_fetch_att(c: &mut Cursor<'_>) -> PResult<FetchAttr> {
    let at = c.pos();
    let name = c.take_while(|b| is_atom_char(b) && b != b'[' && b != b'<', "fetch attribute")?;
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    let attr = match name.as_str() {
        "FLAGS" => FetchAttr::Flags,
        "INTERNALDATE" => FetchAttr::InternalDate,
        "RFC822.SIZE" => FetchAttr::Rfc822Size,
        "ENVELOPE" => FetchAttr::Envelope,
        "BODYSTRUCTURE" => FetchAttr::BodyStructure,
        "UID" => FetchAttr::Uid,
        "MODSEQ" => FetchAttr::ModSeq,
        "RFC822" => FetchAttr::Rfc822,
        "RFC822.HEADER" => FetchAttr::Rfc822Header,
        "RFC822.TEXT" => FetchAttr::Rfc822Text,
        "BODY" if c.peek() != Some(b'[') => FetchAttr::Body,
        "BODY" | "BODY.PEEK" => {
            let section = parse_section(c)?;
            FetchAttr::BodySection { peek: name == "BODY.PEEK", section, partial: parse_partial(c)? }
        }
        "BINARY" | "BINARY.PEEK" => {
            let part = parse_binary_section(c)?;
            FetchAttr::Binary { peek: name == "BINARY.PEEK", part, partial: parse_partial(c)? }
        }
        "BINARY.SIZE" => FetchAttr::BinarySize { part: parse_binary_section(c)? },
        _ => {
            return Err(SyntaxError::Expected { expected: "fetch attribute", at });
        }
    };
    Ok(attr)
}

/// `"[" [section-spec] "]"`.
fn parse_section(c: &mut Cursor<'_>) -> PResult<Section> {
    c.byte(b'[', "'['")?;
    let mut section = Section::default();
    if c.eat(b']') {
        return Ok(section);
    }
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        section.part = parse_part_path(c)?;
        if c.eat(b'.') {
            section.text = Some(parse_section_text(c, true)?);
        }
    } else {
        section.text = Some(parse_section_text(c, false)?);
    }
    c.byte(b']', "']'")?;
    Ok(section)
}

/// section-part = nz-number *("." nz-number); stops before a "." that starts text.
fn parse_part_path(c: &mut Cursor<'_>) -> PResult<Vec<u32>> {
    let mut part = vec![c.nz_number()?];
    while c.peek() == Some(b'.') && c.rest().get(1).is_some_and(u8::is_ascii_digit) {
        if part.len() >= c.limits.max_list_items {
            return Err(SyntaxError::TooMany { what: "section parts", limit: c.limits.max_list_items });
        }
        c.eat(b'.');
        part.push(c.nz_number()?);
    }
    Ok(part)
}

fn parse_section_text(c: &mut Cursor<'_>, after_part: bool) -> PResult<SectionText> {
    let at = c.pos();
    let word = c.take_while(|b| b.is_ascii_alphabetic() || b == b'.', "section text")?;
    let word = String::from_utf8_lossy(word).to_ascii_uppercase();
    Ok(match word.as_str() {
        "HEADER" => SectionText::Header,
        "TEXT" => SectionText::Text,
        "MIME" if after_part => SectionText::Mime,
        "HEADER.FIELDS" => SectionText::HeaderFields(parse_header_list(c)?),
        "HEADER.FIELDS.NOT" => SectionText::HeaderFieldsNot(parse_header_list(c)?),
        _ => {
            return Err(SyntaxError::Expected { expected: "HEADER, HEADER.FIELDS, TEXT or MIME", at });
        }
    })
}

/// `SP "(" header-fld-name *(SP header-fld-name) ")"`.
fn parse_header_list(c: &mut Cursor<'_>) -> PResult<Vec<String>> {
    c.sp()?;
    c.paren_list(false, Cursor::astring_utf8)
}

/// section-binary = `"[" [section-part] "]"`.
fn parse_binary_section(c: &mut Cursor<'_>) -> PResult<Vec<u32>> {
    c.byte(b'[', "'['")?;
    if c.eat(b']') {
        return Ok(Vec::new());
    }
    let part = parse_part_path(c)?;
    c.byte(b']', "']'")?;
    Ok(part)
}

/// partial = `"<" number "." nz-number ">"`.
fn parse_partial(c: &mut Cursor<'_>) -> PResult<Option<Partial>> {
    if !c.eat(b'<') {
        return Ok(None);
    }
    let offset = c.number()?;
    c.byte(b'.', "'.' in partial")?;
    let length = c.nz_number()?;
    c.byte(b'>', "'>'")?;
    Ok(Some(Partial { offset, length }))
}

/// `STORE SP set [SP "(" UNCHANGEDSINCE SP modseq ")"] SP ["+"/"-"] "FLAGS" [".SILENT"] SP flags`.
pub(crate) fn parse_store(c: &mut Cursor<'_>, uid: bool) -> PResult<StoreCommand> {
    c.sp()?;
    let set = parse_message_set(c, uid)?;
    c.sp()?;
    let mut unchanged_since = None;
    if c.peek() == Some(b'(') {
        c.paren_list(false, |c| {
            if !c.keyword("UNCHANGEDSINCE") {
                return Err(c.err("UNCHANGEDSINCE"));
            }
            c.sp()?;
            unchanged_since = Some(c.number64()?);
            Ok(())
        })?;
        c.sp()?;
    }
    let mode = if c.eat(b'+') {
        StoreMode::Add
    } else if c.eat(b'-') {
        StoreMode::Remove
    } else {
        StoreMode::Replace
    };
    let silent = if c.keyword("FLAGS") {
        false
    } else if c.keyword("FLAGS.SILENT") {
        true
    } else {
        return Err(c.err("FLAGS or FLAGS.SILENT"));
    };
    c.sp()?;
    let flags = if c.peek() == Some(b'(') { c.flag_list()? } else { parse_flag_sequence(c)? };
    Ok(StoreCommand { set, unchanged_since, mode, silent, flags })
}

/// `flag *(SP flag)` without parentheses, as RFC 9051 §9 store-att-flags allows.
fn parse_flag_sequence(c: &mut Cursor<'_>) -> PResult<Vec<crate::flag::Flag>> {
    let mut flags = vec![c.flag()?];
    while c.eat(b' ') {
        if flags.len() >= c.limits.max_list_items {
            return Err(SyntaxError::TooMany { what: "flags", limit: c.limits.max_list_items });
        }
        flags.push(c.flag()?);
    }
    Ok(flags)
}
