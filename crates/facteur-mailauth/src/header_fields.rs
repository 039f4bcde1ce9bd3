//! A minimal walk over a message's header block (RFC 5322 §2.2): just enough to find, name and cut
//! whole header fields, continuation lines included, without parsing their values.

use std::ops::Range;

/// One header field: its name and the byte range of the whole field in the message, from the first
/// byte of the name to the end of its last line (line ending included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeaderField<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) span: Range<usize>,
}

/// The header fields of `message`, in order, stopping at the empty line that ends the header block.
/// Lines without a colon (not valid header fields) are skipped, never merged into a neighbour.
pub(crate) fn header_fields(message: &[u8]) -> Vec<HeaderField<'_>> {
    let mut fields: Vec<HeaderField<'_>> = Vec::new();
    let mut offset = 0;
    while offset < message.len() {
        let end = line_end(message, offset);
        let line = &message[offset..end];
        if is_blank_line(line) {
            break;
        }
        let continues_previous = matches!(line.first(), Some(b' ' | b'\t'));
        match fields.last_mut() {
            Some(previous) if continues_previous && previous.span.end == offset => previous.span.end = end,
            _ if continues_previous => {}
            _ => {
                if let Some(colon) = line.iter().position(|&b| b == b':') {
                    let name = trim_trailing_space(&line[..colon]);
                    fields.push(HeaderField { name, span: offset..end });
                }
            }
        }
        offset = end;
    }
    fields
}

/// The index just past the next LF (or the end of the message).
fn line_end(message: &[u8], start: usize) -> usize {
    message[start..].iter().position(|&b| b == b'\n').map_or(message.len(), |newline| start + newline + 1)
}

fn is_blank_line(line: &[u8]) -> bool {
    line == b"\r\n" || line == b"\n"
}

fn trim_trailing_space(name: &[u8]) -> &[u8] {
    let end = name.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |last| last + 1);
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_fields_keep_their_continuation_lines() {
        let message = b"Subject: one\r\n two\r\nFrom: a@b.test\r\n\r\nbody: not a header\r\n";
        let fields = header_fields(message);
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].name, b"Subject");
        assert_eq!(&message[fields[0].span.clone()], b"Subject: one\r\n two\r\n");
        assert_eq!(fields[1].name, b"From");
    }

    #[test]
    fn bare_lf_messages_and_junk_lines_are_handled() {
        let message = b"garbage line\nTo: x@y.test\n\tcontinued\nX-A : 1\n\nbody";
        let fields = header_fields(message);
        let names: Vec<&[u8]> = fields.iter().map(|field| field.name).collect();
        assert_eq!(names, vec![&b"To"[..], &b"X-A"[..]]);
        assert_eq!(&message[fields[0].span.clone()], b"To: x@y.test\n\tcontinued\n");
    }
}
