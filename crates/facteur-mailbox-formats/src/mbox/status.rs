//! Flags in an mbox: the `Status:` and `X-Status:` header fields of each message, as Python's
//! `mailbox.mboxMessage` (and mutt, and Dovecot's mbox) keep them, and keywords in `X-Keywords:`, as Dovecot
//! (and mutt) keep them. The letters, from either status field: R read (`\Seen`), A answered (`\Answered`),
//! F flagged (`\Flagged`), D deleted (`\Deleted`), T draft (`\Draft`, mutt's letter: Python has none), and
//! O "old", which is no IMAP flag (the message was there at the last check) and is kept as it is.
//! `X-Keywords:` lists IMAP keywords (`$Forwarded`, a user's tags) separated by spaces (Dovecot) or commas
//! (mutt's `a, b`); both are read, and spaces written.
//!
//! The fields stay in the message: exported unchanged, a message comes back byte for byte. When its system
//! flags changed meanwhile, the status fields are rewritten as `mboxMessage.set_flags` writes them:
//! `Status:` R and O, `X-Status:` D, F, A, then other letters sorted; replaced where they are, added at the
//! end of the header if absent. When its keywords changed, `X-Keywords:` is rewritten the same way; a
//! message without keywords never gets one, so a file without keywords comes back as it was.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::ops::Range;

use crate::flags::{Flags, SystemFlag};

/// The letters that stand for IMAP flags.
const LETTERS: [(char, SystemFlag); 5] = [
    ('R', SystemFlag::Seen),
    ('A', SystemFlag::Answered),
    ('F', SystemFlag::Flagged),
    ('D', SystemFlag::Deleted),
    ('T', SystemFlag::Draft),
];

/// "Old": a message seen in the mailbox before, not new to it.
const OLD: char = 'O';

/// The header fields that carry flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldName {
    Status,
    XStatus,
    XKeywords,
}

impl FieldName {
    const ALL: [FieldName; 3] = [FieldName::Status, FieldName::XStatus, FieldName::XKeywords];

    /// The name as writers spell it, for a field added.
    fn spelling(self) -> &'static str {
        match self {
            FieldName::Status => "Status",
            FieldName::XStatus => "X-Status",
            FieldName::XKeywords => "X-Keywords",
        }
    }

    /// The field a header line's name is, in any case (RFC 5322 §1.2.2).
    fn of(name: &[u8]) -> Option<FieldName> {
        FieldName::ALL.into_iter().find(|field| name.eq_ignore_ascii_case(field.spelling().as_bytes()))
    }
}

/// The flags the message's `Status:`, `X-Status:` and `X-Keywords:` fields say (the first of each; no
/// fields, no flags).
pub fn header_flags(message: &[u8]) -> Flags {
    let fields = HeaderFields::find(message);
    Flags { system: system_flags(&fields.letters(message)), keywords: fields.keywords(message) }
}

/// The message with its fields saying `flags`: the status fields rewritten if the system flags differ,
/// `X-Keywords:` if the keywords do (only those [`writable_keyword`] allows are written).
pub fn with_flags<'a>(message: &'a [u8], flags: &Flags) -> Cow<'a, [u8]> {
    let fields = HeaderFields::find(message);
    let mut edits: Vec<(FieldName, String)> = Vec::new();
    let current = fields.letters(message);
    if system_flags(&current) != flags.system {
        let mut letters: Vec<char> =
            current.chars().filter(|c| !LETTERS.iter().any(|(letter, _)| letter == c)).collect();
        letters.extend(LETTERS.iter().filter(|(_, flag)| flags.has(*flag)).map(|(letter, _)| *letter));
        let is_new_field = fields.status.is_none() && fields.x_status.is_none();
        if is_new_field && !letters.contains(&OLD) {
            // It was in a mailbox, so it is old in mbox terms; mutt would show it as new otherwise.
            letters.push(OLD);
        }
        let (status, x_status) = python_order(&letters);
        edits.extend([(FieldName::Status, status), (FieldName::XStatus, x_status)]);
    }
    let keywords: Vec<&str> = flags.keywords.iter().map(String::as_str).filter(|k| writable_keyword(k)).collect();
    if !keywords.iter().copied().eq(fields.keywords(message).iter().map(String::as_str)) {
        edits.push((FieldName::XKeywords, keywords.join(" ")));
    }
    match edits.is_empty() {
        true => Cow::Borrowed(message),
        false => Cow::Owned(fields.rewrite(message, &edits)),
    }
}

/// Whether `keyword` can be written in `X-Keywords:` and read back as itself: not empty, and without a
/// separator (space, comma) or line ending. IMAP atoms may hold commas (RFC 9051 §9), so a few store
/// keywords cannot be.
pub fn writable_keyword(keyword: &str) -> bool {
    !keyword.is_empty() && !keyword.chars().any(is_keyword_separator)
}

/// What separates keywords in `X-Keywords:`: blanks and line endings (the field may be folded), commas.
fn is_keyword_separator(c: char) -> bool {
    c.is_ascii_whitespace() || c == ','
}

/// The system flags status letters stand for.
fn system_flags(letters: &str) -> BTreeSet<SystemFlag> {
    LETTERS.iter().filter(|(letter, _)| letters.contains(*letter)).map(|(_, flag)| *flag).collect()
}

/// `Status:` and `X-Status:` values as `mboxMessage.set_flags` splits the letters.
fn python_order(letters: &[char]) -> (String, String) {
    let status: String = ['R', OLD].into_iter().filter(|c| letters.contains(c)).collect();
    let mut x_status: String = ['D', 'F', 'A'].into_iter().filter(|c| letters.contains(c)).collect();
    let mut rest: Vec<char> = letters.iter().copied().filter(|c| !"RODFA".contains(*c)).collect();
    rest.sort_unstable();
    rest.dedup();
    x_status.extend(rest);
    (status, x_status)
}

/// Where the header's flag fields are, each a whole field with its continuation lines and line ending.
#[derive(Debug, Default)]
struct HeaderFields {
    status: Option<Field>,
    x_status: Option<Field>,
    x_keywords: Option<Field>,
    /// Where the header ends (where the blank line starts, or the end of the message without one).
    header_end: usize,
    /// The line ending the header uses, for fields written into it.
    line_ending: &'static [u8],
}

#[derive(Debug, Clone)]
struct Field {
    kind: FieldName,
    /// The whole field, from its name to its final line ending.
    span: Range<usize>,
    /// Its name as written (`Status`, `status`…).
    name: Range<usize>,
    value: Range<usize>,
}

impl HeaderFields {
    fn find(message: &[u8]) -> HeaderFields {
        let mut found = HeaderFields { line_ending: b"\n", header_end: message.len(), ..HeaderFields::default() };
        let mut at = 0;
        let mut open: Option<Field> = None;
        while at < message.len() {
            let end = message[at..].iter().position(|&b| b == b'\n').map_or(message.len(), |lf| at + lf + 1);
            let line = &message[at..end];
            if at == 0 && line.ends_with(b"\r\n") {
                found.line_ending = b"\r\n";
            }
            let is_continuation = line.first().is_some_and(|&b| b == b' ' || b == b'\t');
            if let Some(field) = open.as_mut().filter(|_| is_continuation) {
                field.span.end = end;
                field.value.end = end;
            } else {
                found.close(open.take());
                // A lone CR at the very end is a blank line cut short: fields added after it would follow a
                // blank line once their own line ending completes it.
                if line == b"\n" || line == b"\r\n" || line == b"\r" {
                    found.header_end = at;
                    return found;
                }
                open = Field::starting(line, at);
            }
            at = end;
        }
        found.close(open);
        found
    }

    fn slot(&self, kind: FieldName) -> &Option<Field> {
        match kind {
            FieldName::Status => &self.status,
            FieldName::XStatus => &self.x_status,
            FieldName::XKeywords => &self.x_keywords,
        }
    }

    /// Keeps `field` if it is the first of its name.
    fn close(&mut self, field: Option<Field>) {
        let Some(field) = field else { return };
        let slot = match field.kind {
            FieldName::Status => &mut self.status,
            FieldName::XStatus => &mut self.x_status,
            FieldName::XKeywords => &mut self.x_keywords,
        };
        if slot.is_none() {
            *slot = Some(field);
        }
    }

    fn value<'m>(&self, kind: FieldName, message: &'m [u8]) -> &'m [u8] {
        self.slot(kind).as_ref().map(|field| &message[field.value.clone()]).unwrap_or_default()
    }

    /// The letters of both status fields (what Python's `get_flags` returns).
    fn letters(&self, message: &[u8]) -> String {
        [self.value(FieldName::Status, message), self.value(FieldName::XStatus, message)]
            .iter()
            .flat_map(|v| v.iter())
            .filter(|b| b.is_ascii_alphabetic())
            .map(|&b| char::from(b))
            .collect()
    }

    /// The keywords `X-Keywords:` lists.
    fn keywords(&self, message: &[u8]) -> BTreeSet<String> {
        let value = String::from_utf8_lossy(self.value(FieldName::XKeywords, message));
        value.split(is_keyword_separator).filter(|keyword| !keyword.is_empty()).map(str::to_owned).collect()
    }

    /// The message with these fields set to these values: replaced in place, or added at the end of the
    /// header (in the order given).
    fn rewrite(&self, message: &[u8], values: &[(FieldName, String)]) -> Vec<u8> {
        let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
        for (kind, value) in values {
            let (span, name) = match self.slot(*kind) {
                Some(field) => (field.span.clone(), &message[field.name.clone()]),
                None => (self.header_end..self.header_end, kind.spelling().as_bytes()),
            };
            let mut text = name.to_vec();
            text.extend_from_slice(b": ");
            text.extend_from_slice(value.as_bytes());
            text.extend_from_slice(self.line_ending);
            edits.push((span, text));
        }
        // Stable: fields added at the same place keep their order.
        edits.sort_by_key(|(span, _)| span.start);
        let mut out = Vec::with_capacity(message.len() + 64);
        let mut at = 0;
        for (span, text) in edits {
            out.extend_from_slice(&message[at..span.start]);
            if !out.is_empty() && !out.ends_with(b"\n") {
                // A header that ends without a line ending: the field needs a line of its own.
                out.extend_from_slice(self.line_ending);
            }
            out.extend_from_slice(&text);
            at = span.end.max(at);
        }
        out.extend_from_slice(&message[at..]);
        out
    }
}

impl Field {
    /// The field this header line opens, if it is one of [`FieldName`] (any case).
    fn starting(line: &[u8], at: usize) -> Option<Field> {
        let colon = line.iter().position(|&b| b == b':')?;
        let trimmed = line[..colon].trim_ascii_end();
        let kind = FieldName::of(trimmed)?;
        Some(Field {
            kind,
            span: at..at + line.len(),
            name: at..at + trimmed.len(),
            value: at + colon + 1..at + line.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(system: &[SystemFlag]) -> Flags {
        Flags { system: system.iter().copied().collect(), keywords: Default::default() }
    }

    fn with_keywords(system: &[SystemFlag], keywords: &[&str]) -> Flags {
        Flags { keywords: keywords.iter().map(|k| (*k).to_owned()).collect(), ..flags(system) }
    }

    #[test]
    fn both_fields_give_flags_as_python_reads_them() {
        let message = b"Subject: x\nStatus: RO\nX-Status: AF\n\nbody\n";
        assert_eq!(header_flags(message), flags(&[SystemFlag::Seen, SystemFlag::Answered, SystemFlag::Flagged]));
        assert_eq!(header_flags(b"Subject: x\n\nStatus: R\n"), Flags::default());
    }

    #[test]
    fn unchanged_flags_leave_the_message_untouched() {
        let message = b"Subject: x\nstatus:   RO \nX-Status: \n\nbody\n";
        assert!(matches!(with_flags(message, &flags(&[SystemFlag::Seen])), Cow::Borrowed(_)));
        assert!(matches!(with_flags(b"Subject: y\n\nbody\n", &Flags::default()), Cow::Borrowed(_)));
    }

    #[test]
    fn changed_flags_are_written_where_the_fields_are_as_python_writes_them() {
        let message = b"Subject: x\r\nStatus: RO\r\nX-Status: \r\nTo: y\r\n\r\nbody\r\n";
        let changed = with_flags(message, &flags(&[SystemFlag::Flagged, SystemFlag::Deleted, SystemFlag::Draft]));
        assert_eq!(&*changed, b"Subject: x\r\nStatus: O\r\nX-Status: DFT\r\nTo: y\r\n\r\nbody\r\n");
    }

    #[test]
    fn absent_fields_are_added_at_the_end_of_the_header() {
        let changed = with_flags(b"Subject: x\n\nbody\n", &flags(&[SystemFlag::Seen]));
        assert_eq!(&*changed, b"Subject: x\nStatus: RO\nX-Status: \n\nbody\n");
        let no_body = with_flags(b"Subject: x", &flags(&[SystemFlag::Answered]));
        assert_eq!(&*no_body, b"Subject: x\nStatus: O\nX-Status: A\n");
        assert_eq!(header_flags(&no_body), flags(&[SystemFlag::Answered]));
    }

    #[test]
    fn fields_added_to_a_header_cut_short_stay_in_the_header() {
        let changed = with_flags(b"A\n\r", &flags(&[SystemFlag::Seen]));
        assert_eq!(&*changed, b"A\nStatus: RO\nX-Status: \n\r");
        let changed = with_flags(b"Status: RO\r*X", &flags(&[SystemFlag::Flagged]));
        assert_eq!(&*changed, b"Status: O\nX-Status: FX\n");
    }

    #[test]
    fn folded_fields_are_replaced_whole() {
        let message = b"Status: R\n O\nSubject: x\n\n";
        let changed = with_flags(message, &Flags::default());
        assert_eq!(&*changed, b"Status: O\nSubject: x\nX-Status: \n\n");
    }

    #[test]
    fn keywords_are_read_separated_by_spaces_as_dovecot_writes_them_or_by_commas() {
        let dovecot = b"Subject: x\nStatus: RO\nX-Keywords: $Forwarded  work\nX-UID: 3\n\nbody\n";
        assert_eq!(header_flags(dovecot), with_keywords(&[SystemFlag::Seen], &["$Forwarded", "work"]));
        let commas = b"x-keywords: a, b,c\r\n\td\r\nX-Keywords: ignored\r\n\r\n";
        assert_eq!(header_flags(commas).keywords, with_keywords(&[], &["a", "b", "c", "d"]).keywords);
        assert_eq!(header_flags(b"X-Keywords: \n\nX-Keywords: body\n"), Flags::default());
    }

    #[test]
    fn unchanged_keywords_leave_the_message_untouched() {
        let message = b"Subject: x\nX-Keywords: b,  a\n\nbody\n";
        assert!(matches!(with_flags(message, &with_keywords(&[], &["a", "b"])), Cow::Borrowed(_)));
        // Keywords that cannot be written are not compared: there is nothing else to write.
        assert!(matches!(with_flags(message, &with_keywords(&[], &["a", "b", "c,d"])), Cow::Borrowed(_)));
    }

    #[test]
    fn changed_keywords_are_written_where_the_field_is_with_spaces() {
        let message = b"Subject: x\r\nX-Keywords: a,b\r\nTo: y\r\n\r\nbody\r\n";
        let changed = with_flags(message, &with_keywords(&[], &["$Forwarded", "b", "two words"]));
        assert_eq!(&*changed, b"Subject: x\r\nX-Keywords: $Forwarded b\r\nTo: y\r\n\r\nbody\r\n");
        let emptied = with_flags(message, &Flags::default());
        assert_eq!(&*emptied, b"Subject: x\r\nX-Keywords: \r\nTo: y\r\n\r\nbody\r\n");
    }

    #[test]
    fn an_absent_keywords_field_is_added_after_the_status_fields_only_for_keywords() {
        let changed = with_flags(b"Subject: x\n\nbody\n", &with_keywords(&[SystemFlag::Seen], &["$Junk"]));
        assert_eq!(&*changed, b"Subject: x\nStatus: RO\nX-Status: \nX-Keywords: $Junk\n\nbody\n");
        assert_eq!(header_flags(&changed), with_keywords(&[SystemFlag::Seen], &["$Junk"]));
        let only_keywords = with_flags(b"Status: RO\n\n", &with_keywords(&[SystemFlag::Seen], &["x"]));
        assert_eq!(&*only_keywords, b"Status: RO\nX-Keywords: x\n\n");
        let no_keywords = with_flags(b"Subject: x\n\nbody\n", &flags(&[SystemFlag::Seen]));
        assert!(!no_keywords.windows(10).any(|w| w.eq_ignore_ascii_case(b"x-keywords")));
    }

    #[test]
    fn changed_system_flags_leave_the_keywords_field_as_it_is() {
        let message = b"X-Keywords: b, a\nStatus: RO\n\n";
        let changed = with_flags(message, &with_keywords(&[SystemFlag::Flagged], &["a", "b"]));
        assert_eq!(&*changed, b"X-Keywords: b, a\nStatus: O\nX-Status: F\n\n");
    }

    #[test]
    fn only_keywords_that_read_back_are_writable() {
        assert!(writable_keyword("$Forwarded") && writable_keyword("Étiquette"));
        for unwritable in ["", "a b", "a,b", "a\r\nStatus: D", "tab\t"] {
            assert!(!writable_keyword(unwritable), "{unwritable:?}");
        }
    }
}
