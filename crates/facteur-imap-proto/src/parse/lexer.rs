//! Tokens of RFC 9051 §9: atoms, numbers, quoted strings, literals, sequence sets, flags,
//! dates. Every loop consumes input and every list is bounded by [`Limits`].

use std::borrow::Cow;

use crate::datetime::{Date, DateTime};
use crate::error::SyntaxError;
use crate::flag::Flag;
use crate::limits::Limits;
use crate::mailbox::{ListPattern, MailboxName, NameEncoding};
use crate::sequence::{MessageNumber, SeqBound, SeqRange, SeqSet};

pub(crate) type PResult<T> = Result<T, SyntaxError>;

/// RFC 9051 §9 atom-specials: `( ) { SP CTL % * " \ ]`, plus 8-bit octets.
pub(crate) fn is_atom_char(b: u8) -> bool {
    b > 0x20 && b < 0x7f && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// ASTRING-CHAR = ATOM-CHAR / resp-specials (`]`).
pub(crate) fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// list-char = ATOM-CHAR / list-wildcards / resp-specials.
fn is_list_char(b: u8) -> bool {
    is_astring_char(b) || b == b'%' || b == b'*'
}

/// A position in one command's bytes.
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    pub(crate) limits: &'a Limits,
    pub(crate) encoding: NameEncoding,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], limits: &'a Limits, encoding: NameEncoding) -> Self {
        Cursor { buf, pos: 0, limits, encoding }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    pub(crate) fn err(&self, expected: &'static str) -> SyntaxError {
        if self.pos >= self.buf.len() {
            SyntaxError::Incomplete
        } else {
            SyntaxError::Expected { expected, at: self.pos }
        }
    }

    pub(crate) fn byte(&mut self, b: u8, expected: &'static str) -> PResult<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(expected))
        }
    }

    /// Consumes `b` when it is next.
    pub(crate) fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    pub(crate) fn sp(&mut self) -> PResult<()> {
        self.byte(b' ', "space")
    }

    /// End of the command. A bare LF is tolerated, as most servers do.
    pub(crate) fn crlf(&mut self) -> PResult<()> {
        self.eat(b'\r');
        self.byte(b'\n', "end of line")?;
        if self.pos == self.buf.len() { Ok(()) } else { Err(self.err("end of command")) }
    }

    pub(crate) fn at_line_end(&self) -> bool {
        matches!(self.peek(), Some(b'\r' | b'\n'))
    }

    /// Consumes `word` (case-insensitively) when it is next and not followed by more atom text.
    pub(crate) fn keyword(&mut self, word: &str) -> bool {
        let end = self.pos + word.len();
        let matches = self.buf.get(self.pos..end).is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()))
            && !self.buf.get(end).copied().is_some_and(is_atom_char);
        if matches {
            self.pos = end;
        }
        matches
    }

    /// Consumes bytes while `pred` holds; at least one.
    pub(crate) fn take_while(&mut self, pred: impl Fn(u8) -> bool, expected: &'static str) -> PResult<&'a [u8]> {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.err(expected));
        }
        Ok(&self.buf[start..self.pos])
    }

    /// 1*ATOM-CHAR, as text (atom chars are ASCII).
    pub(crate) fn atom(&mut self) -> PResult<&'a str> {
        let bytes = self.take_while(is_atom_char, "atom")?;
        std::str::from_utf8(bytes).map_err(|_| SyntaxError::Utf8 { at: self.pos })
    }

    /// number = 1*DIGIT, fitting in 32 bits.
    pub(crate) fn number(&mut self) -> PResult<u32> {
        let at = self.pos;
        let n = self.number64()?;
        u32::try_from(n).map_err(|_| SyntaxError::Number { at })
    }

    /// number64 (RFC 9051 §9): up to 2^63-1, as MODSEQ and sizes need.
    pub(crate) fn number64(&mut self) -> PResult<u64> {
        let at = self.pos;
        let digits = self.take_while(|b| b.is_ascii_digit(), "number")?;
        let mut n: u64 = 0;
        for d in digits {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
                .filter(|&n| n <= i64::MAX as u64)
                .ok_or(SyntaxError::Number { at })?;
        }
        Ok(n)
    }

    pub(crate) fn nz_number(&mut self) -> PResult<u32> {
        let at = self.pos;
        match self.number()? {
            0 => Err(SyntaxError::Number { at }),
            n => Ok(n),
        }
    }

    /// quoted = DQUOTE *QUOTED-CHAR DQUOTE; 8-bit allowed (RFC 9051 permits UTF-8 here).
    pub(crate) fn quoted(&mut self) -> PResult<Vec<u8>> {
        self.byte(b'"', "quoted string")?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => out.push(c),
                        _ => return Err(self.err("quoted-special after backslash")),
                    }
                }
                Some(b'\r' | b'\n' | 0) | None => return Err(self.err("closing quote")),
                Some(c) => out.push(c),
            }
            self.pos += 1;
        }
    }

    /// `{N}` or `{N+}` CRLF followed by N octets; `binary` also accepts `~{N}` (literal8).
    pub(crate) fn literal(&mut self, binary: bool) -> PResult<&'a [u8]> {
        if binary {
            self.eat(b'~');
        }
        self.byte(b'{', "literal")?;
        let at = self.pos;
        let len = self.number64()?;
        self.eat(b'+');
        self.byte(b'}', "'}'")?;
        self.eat(b'\r');
        self.byte(b'\n', "end of line after literal length")?;
        let len = usize::try_from(len).map_err(|_| SyntaxError::Number { at })?;
        let end = self.pos.checked_add(len).ok_or(SyntaxError::Number { at })?;
        let data = self.buf.get(self.pos..end).ok_or(SyntaxError::Incomplete)?;
        self.pos = end;
        Ok(data)
    }

    /// string = quoted / literal.
    pub(crate) fn string(&mut self) -> PResult<Cow<'a, [u8]>> {
        match self.peek() {
            Some(b'"') => self.quoted().map(Cow::Owned),
            Some(b'{') => self.literal(false).map(Cow::Borrowed),
            _ => Err(self.err("string")),
        }
    }

    /// astring = 1*ASTRING-CHAR / string.
    pub(crate) fn astring(&mut self) -> PResult<Cow<'a, [u8]>> {
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            _ => self.take_while(is_astring_char, "atom or string").map(Cow::Borrowed),
        }
    }

    /// nstring = string / NIL.
    pub(crate) fn nstring(&mut self) -> PResult<Option<Cow<'a, [u8]>>> {
        if self.keyword("NIL") {
            return Ok(None);
        }
        self.string().map(Some)
    }

    /// An astring that must be UTF-8 (user names, ID fields, charsets).
    pub(crate) fn astring_utf8(&mut self) -> PResult<String> {
        let at = self.pos;
        let bytes = self.astring()?;
        String::from_utf8(bytes.into_owned()).map_err(|_| SyntaxError::Utf8 { at })
    }

    pub(crate) fn string_utf8(&mut self) -> PResult<String> {
        let at = self.pos;
        let bytes = self.string()?;
        String::from_utf8(bytes.into_owned()).map_err(|_| SyntaxError::Utf8 { at })
    }

    /// mailbox = "INBOX" / astring, decoded from the connection's name encoding.
    ///
    /// A name that is not valid modified UTF-7 is kept as written: no mailbox can have
    /// it, so the command fails with NO like for any missing mailbox, as clients expect
    /// (Dovecot's imaptest `atoms` script). Only names about to be created are strict.
    pub(crate) fn mailbox(&mut self) -> PResult<MailboxName> {
        let at = self.pos;
        let raw = self.astring()?;
        match self.encoding.decode(&raw) {
            Ok(name) => Ok(MailboxName::new(name)),
            Err(_) => String::from_utf8(raw.into_owned()).map(MailboxName::new).map_err(|_| SyntaxError::Utf8 { at }),
        }
    }

    /// A mailbox name for CREATE or the target of RENAME: must be validly encoded.
    pub(crate) fn new_mailbox(&mut self) -> PResult<MailboxName> {
        let raw = self.astring()?;
        Ok(MailboxName::new(self.encoding.decode(&raw)?))
    }

    /// list-mailbox = 1*list-char / string.
    pub(crate) fn list_pattern(&mut self) -> PResult<ListPattern> {
        let raw = match self.peek() {
            Some(b'"' | b'{') => self.string()?,
            _ => Cow::Borrowed(self.take_while(is_list_char, "mailbox pattern")?),
        };
        let at = self.pos;
        match self.encoding.decode(&raw) {
            Ok(pattern) => Ok(ListPattern(pattern)),
            Err(_) => String::from_utf8(raw.into_owned()).map(ListPattern).map_err(|_| SyntaxError::Utf8 { at }),
        }
    }

    /// "(" [item *(SP item)] ")", at most `max_list_items` items.
    pub(crate) fn paren_list<T>(
        &mut self,
        allow_empty: bool,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.byte(b'(', "'('")?;
        let mut items = Vec::new();
        if allow_empty && self.eat(b')') {
            return Ok(items);
        }
        loop {
            if items.len() >= self.limits.max_list_items {
                return Err(SyntaxError::TooMany { what: "list items", limit: self.limits.max_list_items });
            }
            items.push(item(self)?);
            if self.eat(b')') {
                return Ok(items);
            }
            self.sp()?;
        }
    }

    /// sequence-set: ranges of numbers or `*`, comma separated.
    pub(crate) fn seq_set<K: MessageNumber>(&mut self) -> PResult<SeqSet<K>> {
        let mut ranges = Vec::new();
        loop {
            if ranges.len() >= self.limits.max_set_ranges {
                return Err(SyntaxError::TooMany { what: "sequence set ranges", limit: self.limits.max_set_ranges });
            }
            let start = self.seq_bound()?;
            let end = if self.eat(b':') { self.seq_bound()? } else { start };
            ranges.push(SeqRange { start, end });
            if !self.eat(b',') {
                break;
            }
        }
        SeqSet::from_ranges(ranges).ok_or_else(|| self.err("sequence set"))
    }

    fn seq_bound<K: MessageNumber>(&mut self) -> PResult<SeqBound<K>> {
        if self.eat(b'*') {
            return Ok(SeqBound::Last);
        }
        let at = self.pos;
        let n = self.nz_number()?;
        K::new(n).map(SeqBound::Value).ok_or(SyntaxError::Number { at })
    }

    /// flag = "\" atom / keyword (atom).
    pub(crate) fn flag(&mut self) -> PResult<Flag> {
        let backslash = self.eat(b'\\');
        let name = self.atom()?;
        Ok(if backslash { Flag::from_atom(&format!("\\{name}")) } else { Flag::Keyword(name.to_owned()) })
    }

    pub(crate) fn flag_list(&mut self) -> PResult<Vec<Flag>> {
        self.paren_list(true, Self::flag)
    }

    /// date = date-text / DQUOTE date-text DQUOTE, date-text = day "-" month "-" year.
    pub(crate) fn date(&mut self) -> PResult<Date> {
        let quoted = self.eat(b'"');
        let date = self.date_text(false)?;
        if quoted {
            self.byte(b'"', "closing quote")?;
        }
        Ok(date)
    }

    fn date_text(&mut self, space_padded_day: bool) -> PResult<Date> {
        let at = self.pos;
        if space_padded_day {
            self.eat(b' ');
        }
        let day = self.number()?;
        self.byte(b'-', "'-' in date")?;
        let month = self.take_while(|b| b.is_ascii_alphabetic(), "month")?;
        let month = Date::month_from_name(month).ok_or(SyntaxError::Expected { expected: "month name", at })?;
        self.byte(b'-', "'-' in date")?;
        let year = self.number()?;
        let valid = u8::try_from(day).ok().zip(u16::try_from(year).ok()).and_then(|(d, y)| Date::new(y, month, d));
        valid.ok_or(SyntaxError::Expected { expected: "valid date", at })
    }

    /// date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.
    pub(crate) fn date_time(&mut self) -> PResult<DateTime> {
        let at = self.pos;
        self.byte(b'"', "date-time")?;
        let date = self.date_text(true)?;
        self.sp()?;
        let hour = self.two_digits()?;
        self.byte(b':', "':' in time")?;
        let minute = self.two_digits()?;
        self.byte(b':', "':' in time")?;
        let second = self.two_digits()?;
        self.sp()?;
        let negative = match self.peek() {
            Some(b'+') => false,
            Some(b'-') => true,
            _ => return Err(self.err("zone sign")),
        };
        self.pos += 1;
        let zh = i16::from(self.two_digits()?);
        let zm = i16::from(self.two_digits()?);
        self.byte(b'"', "closing quote of date-time")?;
        let zone = if negative { -(zh * 60 + zm) } else { zh * 60 + zm };
        DateTime::new(date, hour, minute, second, zone).ok_or(SyntaxError::Expected { expected: "valid date-time", at })
    }

    fn two_digits(&mut self) -> PResult<u8> {
        let mut n = 0u8;
        for _ in 0..2 {
            match self.peek() {
                Some(d) if d.is_ascii_digit() => n = n * 10 + (d - b'0'),
                _ => return Err(self.err("two digits")),
            }
            self.pos += 1;
        }
        Ok(n)
    }
}
