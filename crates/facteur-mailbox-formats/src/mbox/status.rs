//! Flags in an mbox: the `Status:` and `X-Status:` header fields of each message, as Python's
//! `mailbox.mboxMessage` (and mutt, and Dovecot's mbox) keep them. The letters, from either field:
//! R read (`\Seen`), A answered (`\Answered`), F flagged (`\Flagged`), D deleted (`\Deleted`), T draft
//! (`\Draft`, mutt's letter: Python has none), and O "old", which is no IMAP flag (the message was there at
//! the last check) and is kept as it is.
//!
//! The fields stay in the message: exported unchanged, a message comes back byte for byte. When its flags
//! changed meanwhile, the fields are rewritten as `mboxMessage.set_flags` writes them: `Status:` R and O,
//! `X-Status:` D, F, A, then other letters sorted; replaced where they are, added at the end of the header
//! if absent.

use std::borrow::Cow;
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

/// The flags the message's `Status:` and `X-Status:` fields say (the first of each; no fields, no flags).
pub fn header_flags(message: &[u8]) -> Flags {
    let fields = StatusFields::find(message);
    let letters = fields.letters(message);
    let mut flags = Flags::default();
    flags.system.extend(LETTERS.iter().filter(|(letter, _)| letters.contains(*letter)).map(|(_, flag)| *flag));
    flags
}

/// The message with its status fields saying the system flags of `flags` (keywords have no letters).
pub fn with_flags<'a>(message: &'a [u8], flags: &Flags) -> Cow<'a, [u8]> {
    if header_flags(message).system == flags.system {
        return Cow::Borrowed(message);
    }
    let fields = StatusFields::find(message);
    let current = fields.letters(message);
    let mut letters: Vec<char> = current.chars().filter(|c| !LETTERS.iter().any(|(letter, _)| letter == c)).collect();
    letters.extend(LETTERS.iter().filter(|(_, flag)| flags.has(*flag)).map(|(letter, _)| *letter));
    let is_new_field = fields.status.is_none() && fields.x_status.is_none();
    if is_new_field && !letters.contains(&OLD) {
        // It was in a mailbox, so it is old in mbox terms; mutt would show it as new otherwise.
        letters.push(OLD);
    }
    let (status, x_status) = python_order(&letters);
    Cow::Owned(fields.rewrite(message, &status, &x_status))
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

/// Where the header's status fields are, each a whole field with its continuation lines and line ending.
#[derive(Debug, Default)]
struct StatusFields {
    status: Option<Field>,
    x_status: Option<Field>,
    /// Where the header ends (where the blank line starts, or the end of the message without one).
    header_end: usize,
    /// The line ending the header uses, for fields written into it.
    line_ending: &'static [u8],
}

#[derive(Debug, Clone)]
struct Field {
    /// The whole field, from its name to its final line ending.
    span: Range<usize>,
    /// Its name as written (`Status`, `status`…).
    name: Range<usize>,
    value: Range<usize>,
}

impl StatusFields {
    fn find(message: &[u8]) -> StatusFields {
        let mut found = StatusFields { line_ending: b"\n", header_end: message.len(), ..StatusFields::default() };
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

    /// Keeps `field` if it is the first of its name.
    fn close(&mut self, field: Option<Field>) {
        let Some(field) = field else { return };
        // The name was checked to be one of the two when the field was opened.
        let slot = if field.name.len() == "status".len() { &mut self.status } else { &mut self.x_status };
        if slot.is_none() {
            *slot = Some(field);
        }
    }

    /// The letters of both fields (what Python's `get_flags` returns).
    fn letters(&self, message: &[u8]) -> String {
        let value = |field: &Option<Field>| field.as_ref().map(|f| &message[f.value.clone()]).unwrap_or_default();
        [value(&self.status), value(&self.x_status)]
            .iter()
            .flat_map(|v| v.iter())
            .filter(|b| b.is_ascii_alphabetic())
            .map(|&b| char::from(b))
            .collect()
    }

    /// The message with the fields set to these values: replaced in place, or added at the end of the header.
    fn rewrite(&self, message: &[u8], status: &str, x_status: &str) -> Vec<u8> {
        let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
        for (field, default_name, value) in [(&self.status, "Status", status), (&self.x_status, "X-Status", x_status)] {
            let (span, name) = match field {
                Some(field) => (field.span.clone(), &message[field.name.clone()]),
                None => (self.header_end..self.header_end, default_name.as_bytes()),
            };
            let mut text = name.to_vec();
            text.extend_from_slice(b": ");
            text.extend_from_slice(value.as_bytes());
            text.extend_from_slice(self.line_ending);
            edits.push((span, text));
        }
        edits.sort_by_key(|(span, _)| span.start);
        let mut out = Vec::with_capacity(message.len() + 32);
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
    /// The field this header line opens, if it is `Status:` or `X-Status:` (any case).
    fn starting(line: &[u8], at: usize) -> Option<Field> {
        let colon = line.iter().position(|&b| b == b':')?;
        let name = &line[..colon];
        let trimmed = name.trim_ascii_end();
        if !trimmed.eq_ignore_ascii_case(b"status") && !trimmed.eq_ignore_ascii_case(b"x-status") {
            return None;
        }
        Some(Field { span: at..at + line.len(), name: at..at + trimmed.len(), value: at + colon + 1..at + line.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(system: &[SystemFlag]) -> Flags {
        Flags { system: system.iter().copied().collect(), keywords: Default::default() }
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
}
