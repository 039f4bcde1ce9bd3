//! Raw header fields: where a header block ends, how it splits into fields, and
//! how a field's value is unfolded.
//!
//! Everything here works on the bytes as received. IMAP hands header text to clients
//! exactly as sent (RFC 9051 §6.4.5 `HEADER.FIELDS`, §7.5.2 ENVELOPE strings are not
//! decoded), so no charset or RFC 2047 decoding happens in this module.

use std::borrow::Cow;
use std::ops::Range;

/// One header field of a header block, as raw slices of the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderField<'a> {
    /// The field name as sent, without the colon (trailing blanks before the colon,
    /// allowed by RFC 5322 §4.5 obs-syntax, are removed).
    pub name: &'a [u8],
    /// Everything after the colon up to and including the final line ending: folded,
    /// undecoded.
    pub value: &'a [u8],
    /// The whole field, name to final line ending, ready to be copied into a
    /// `HEADER.FIELDS` response.
    pub raw: &'a [u8],
}

impl HeaderField<'_> {
    /// Field names are case-insensitive (RFC 5322 §1.2.2).
    pub fn name_is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name.as_bytes())
    }

    /// The value unfolded (RFC 5322 §2.2.3) and trimmed, as text. Bytes that are not
    /// UTF-8 become U+FFFD: stored summaries are text, the blob keeps the original.
    pub fn unfolded_value(&self) -> String {
        String::from_utf8_lossy(&unfold(self.value)).into_owned()
    }
}

/// Iterator over the fields of a header block; see [`header_fields`].
#[derive(Debug, Clone)]
pub struct HeaderFields<'a> {
    block: &'a [u8],
    pos: usize,
}

/// Splits a header block (as sliced by [`crate::BodyPart::mime_header`] or
/// [`crate::MessageSummary::header`]) into its fields, in order.
///
/// Iteration stops at the empty line that ends the block. Lines that are not a
/// field (no colon, or a continuation line with no field before it) are skipped
/// rather than reported: a FETCH of `HEADER.FIELDS` must still answer for a
/// message with a damaged header.
pub fn header_fields(header_block: &[u8]) -> HeaderFields<'_> {
    HeaderFields { block: header_block, pos: 0 }
}

impl<'a> Iterator for HeaderFields<'a> {
    type Item = HeaderField<'a>;

    fn next(&mut self) -> Option<HeaderField<'a>> {
        loop {
            let start = self.pos;
            let first_line_end = line_end(self.block, start)?;
            if is_blank_line(&self.block[start..first_line_end]) {
                return None;
            }
            let end = field_end(self.block, first_line_end);
            self.pos = end;
            if let Some(field) = split_field(&self.block[start..end], first_line_end - start) {
                return Some(field);
            }
        }
    }
}

/// Splits one field into name and value; `None` if its first line has no colon
/// or starts with whitespace (a continuation with nothing to continue).
fn split_field(raw: &[u8], first_line_len: usize) -> Option<HeaderField<'_>> {
    if raw.first().is_some_and(|&b| is_wsp(b)) {
        return None;
    }
    let colon = raw[..first_line_len].iter().position(|&b| b == b':')?;
    let name = trim_end_wsp(&raw[..colon]);
    if name.is_empty() {
        return None;
    }
    Some(HeaderField { name, value: &raw[colon + 1..], raw })
}

/// End (exclusive) of the line starting at `start`, including its LF; `None` at
/// the end of input.
fn line_end(bytes: &[u8], start: usize) -> Option<usize> {
    if start >= bytes.len() {
        return None;
    }
    Some(match bytes[start..].iter().position(|&b| b == b'\n') {
        Some(lf) => start + lf + 1,
        None => bytes.len(),
    })
}

/// A field continues over following lines that start with a blank (RFC 5322 §2.2.3).
fn field_end(bytes: &[u8], mut end: usize) -> usize {
    while bytes.get(end).is_some_and(|&b| is_wsp(b)) {
        match line_end(bytes, end) {
            Some(next) => end = next,
            None => break,
        }
    }
    end
}

/// Where the header block starting at `range.start` ends, i.e. where its body
/// starts: just after the first empty line. A header with no empty line after it
/// takes the whole range and leaves an empty body (RFC 5322 §2.1 makes the body
/// optional; some senders omit the separator too).
pub(crate) fn header_end(bytes: &[u8], range: Range<usize>) -> usize {
    let slice = &bytes[range.clone()];
    let mut pos = 0;
    while let Some(end) = line_end(slice, pos) {
        if is_blank_line(&slice[pos..end]) {
            return range.start + end;
        }
        pos = end;
    }
    range.end
}

/// `message` without the fields of its header that `drop` picks, each removed whole (its continuation lines
/// too); the message itself, borrowed, when it picks none. How a receiver removes fields a sender may have forged
/// (`Authentication-Results` with our authserv-id, our `X-Spam-*` verdict).
pub fn without_fields<'m>(message: &'m [u8], drop: impl Fn(&HeaderField<'_>) -> bool) -> Cow<'m, [u8]> {
    let header = &message[..header_length(message)];
    let dropped: Vec<Range<usize>> = header_fields(header)
        .filter(|field| drop(field))
        .map(|field| {
            // Each field is a slice of `header`, which starts the message: its offset is where it starts.
            let offset = field.raw.as_ptr() as usize - header.as_ptr() as usize;
            offset..offset + field.raw.len()
        })
        .collect();
    if dropped.is_empty() {
        return Cow::Borrowed(message);
    }
    let mut kept = Vec::with_capacity(message.len());
    let mut offset = 0;
    for span in dropped {
        kept.extend_from_slice(&message[offset..span.start]);
        offset = span.end;
    }
    kept.extend_from_slice(&message[offset..]);
    Cow::Owned(kept)
}

/// The length of a message's header block, its empty line included: where its body starts.
pub fn header_length(message: &[u8]) -> usize {
    header_end(message, 0..message.len())
}

/// The value of the first field called `name`, unfolded and trimmed.
pub(crate) fn first_value(header_block: &[u8], name: &str) -> Option<String> {
    header_fields(header_block).find(|field| field.name_is(name)).map(|field| field.unfolded_value())
}

/// RFC 5322 §2.2.3 unfolding: a line break followed by a blank is removed (the
/// blank stays). The final line ending and surrounding blanks are trimmed.
pub(crate) fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while i < value.len() {
        match value[i] {
            b'\r' if value.get(i + 1) == Some(&b'\n') => i += 2,
            b'\n' => i += 1,
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    let trimmed = trim_end_wsp(trim_start_wsp(&out));
    trimmed.to_vec()
}

fn is_blank_line(line: &[u8]) -> bool {
    line == b"\n" || line == b"\r\n"
}

pub(crate) fn is_wsp(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

fn trim_start_wsp(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| !is_wsp(b)).unwrap_or(bytes.len());
    &bytes[start..]
}

fn trim_end_wsp(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| !is_wsp(b)).map_or(0, |p| p + 1);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_folding_and_line_endings() {
        let block = b"Subject: a\r\n b\r\nFrom: x\r\n\r\n";
        let fields: Vec<_> = header_fields(block).collect();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].name, b"Subject");
        assert_eq!(fields[0].value, b" a\r\n b\r\n");
        assert_eq!(fields[0].raw, b"Subject: a\r\n b\r\n");
        assert_eq!(fields[0].unfolded_value(), "a b");
        assert_eq!(fields[1].raw, b"From: x\r\n");
    }

    #[test]
    fn lines_without_colon_are_skipped() {
        let block = b" orphan\r\ngarbage line\nTo: y\n\n";
        let fields: Vec<_> = header_fields(block).collect();
        assert_eq!(fields.len(), 1);
        assert!(fields[0].name_is("to"));
    }

    #[test]
    fn obsolete_blank_before_colon_is_not_part_of_the_name() {
        let field = header_fields(b"Subject  : hi\r\n").next();
        assert_eq!(field.map(|f| f.name), Some(&b"Subject"[..]));
    }

    #[test]
    fn header_end_is_after_the_first_empty_line() {
        let raw = b"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\n";
        assert_eq!(header_end(raw, 0..raw.len()), 14);
        let lf = b"A: 1\n\nbody";
        assert_eq!(header_end(lf, 0..lf.len()), 6);
    }

    #[test]
    fn header_without_empty_line_takes_everything() {
        let raw = b"A: 1\r\nB: 2";
        assert_eq!(header_end(raw, 0..raw.len()), raw.len());
    }
}
