//! Splits a raw message into its MIME tree (RFC 2045, RFC 2046) with exact offsets.
//!
//! We split ourselves rather than through mail-parser's part list because IMAP
//! sections are byte ranges of the stored blob: the body of a part must end exactly
//! before the line break that precedes the next boundary (RFC 2046 §5.1.1), a
//! message/rfc822 part's sub-parts must index the same blob, and nothing needs to
//! be decoded to compute them (a 30 MB attachment costs one scan, not a base64
//! decode). Limits keep hostile input cheap: nesting deeper than [`MAX_DEPTH`] and
//! parts beyond [`MAX_PARTS`] are not split further.

use std::ops::Range;

use crate::body::{BodyPart, EncapsulatedMessage, Parameter};
use crate::content::{parse_disposition, parse_languages, parse_media_type, parse_transfer_encoding};
use crate::envelope::Envelope;
use crate::header::{first_value, header_end, header_fields, is_wsp};

/// Nesting levels (multiparts and encapsulated messages together) that are split;
/// a container deeper than this is reported as an opaque application/octet-stream.
pub const MAX_DEPTH: usize = 32;

/// MIME parts a message may have in its tree; once reached, remaining parts of a
/// multipart are ignored like an epilogue. Keeps the stored summary small for
/// messages made of thousands of empty parts.
pub const MAX_PARTS: usize = 10_000;

/// What a part without `Content-Type` is (RFC 2046 §5.1.5: message/rfc822 in a
/// multipart/digest, text/plain elsewhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DefaultType {
    TextPlain,
    MessageRfc822,
}

/// Builds the MIME tree of `raw`, the whole message being the root entity.
pub(crate) fn parse_tree(raw: &[u8]) -> BodyPart {
    let mut splitter = Splitter { raw, parts_left: MAX_PARTS };
    splitter.entity(0..raw.len(), 0, DefaultType::TextPlain)
}

struct Splitter<'a> {
    raw: &'a [u8],
    parts_left: usize,
}

impl Splitter<'_> {
    /// One entity: its header fields, then its body according to its type.
    fn entity(&mut self, range: Range<usize>, depth: usize, default: DefaultType) -> BodyPart {
        self.parts_left = self.parts_left.saturating_sub(1);
        let body_start = header_end(self.raw, range.clone());
        let mut part = describe(&self.raw[range.start..body_start], default);
        part.header_start = range.start as u64;
        part.body_start = body_start as u64;
        part.body_end = range.end as u64;
        let body = body_start..range.end;

        if part.is_multipart() {
            self.fill_multipart(&mut part, body, depth);
        } else if is_message(&part) {
            self.fill_message(&mut part, body, depth);
        }
        if part.media_type.eq_ignore_ascii_case("text") || part.message.is_some() {
            part.lines = Some(count_lines(&self.raw[part.body()]));
        }
        part
    }

    fn fill_multipart(&mut self, part: &mut BodyPart, body: Range<usize>, depth: usize) {
        if depth >= MAX_DEPTH || self.parts_left == 0 {
            make_opaque(part);
            return;
        }
        let boundary = part.param("boundary").unwrap_or_default().as_bytes().to_vec();
        let child_default = if part.media_subtype.eq_ignore_ascii_case("digest") {
            DefaultType::MessageRfc822
        } else {
            DefaultType::TextPlain
        };
        for range in part_ranges(self.raw, body, &boundary) {
            if self.parts_left == 0 {
                break;
            }
            let child = self.entity(range, depth + 1, child_default);
            part.children.push(child);
        }
        if part.children.is_empty() {
            // No boundary, or no delimiter line: RFC 2046 gives no structure to
            // report, and IMAP cannot express a multipart without parts.
            make_plain_text(part);
        }
    }

    fn fill_message(&mut self, part: &mut BodyPart, body: Range<usize>, depth: usize) {
        // RFC 2046 §5.2.1: message/rfc822 is only 7bit, 8bit or binary. An encoded
        // one cannot be sliced into sections of the blob, so it stays opaque.
        if depth >= MAX_DEPTH || self.parts_left == 0 || !is_identity(&part.encoding) {
            make_opaque(part);
            return;
        }
        let inner = self.entity(body, depth + 1, DefaultType::TextPlain);
        let header = &self.raw[inner.mime_header()];
        part.message =
            Some(Box::new(EncapsulatedMessage { envelope: Envelope::from_header_block(header), body: inner }));
    }
}

/// The BODYSTRUCTURE fields that come from the entity's own header.
fn describe(header: &[u8], default: DefaultType) -> BodyPart {
    let mut part = BodyPart::default();
    if default == DefaultType::MessageRfc822 {
        part.media_type = "message".into();
        part.media_subtype = "rfc822".into();
        part.params.clear();
    }
    if let Some(media) = raw_value(header, "Content-Type").and_then(|v| parse_media_type(&v)) {
        part.media_type = media.kind;
        part.media_subtype = media.subtype;
        part.params = media.params;
    }
    if let Some(encoding) = raw_value(header, "Content-Transfer-Encoding").and_then(|v| parse_transfer_encoding(&v)) {
        part.encoding = encoding;
    }
    part.disposition = raw_value(header, "Content-Disposition").and_then(|v| parse_disposition(&v));
    part.language = raw_value(header, "Content-Language").map(|v| parse_languages(&v)).unwrap_or_default();
    part.id = first_value(header, "Content-ID");
    part.description = first_value(header, "Content-Description");
    part.md5 = first_value(header, "Content-MD5");
    part.location = first_value(header, "Content-Location");
    part
}

fn raw_value(header: &[u8], name: &str) -> Option<Vec<u8>> {
    header_fields(header).find(|field| field.name_is(name)).map(|field| crate::header::unfold(field.value))
}

/// Ranges of the body parts between boundary delimiter lines (RFC 2046 §5.1.1).
/// The prologue before the first delimiter and the epilogue after the closing
/// one are not parts; a missing closing delimiter ends the last part at the end
/// of the body.
fn part_ranges(raw: &[u8], body: Range<usize>, boundary: &[u8]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    if boundary.is_empty() {
        return ranges;
    }
    let mut current: Option<usize> = None;
    let mut pos = body.start;
    while pos < body.end {
        let line_end = raw[pos..body.end].iter().position(|&b| b == b'\n').map_or(body.end, |lf| pos + lf + 1);
        if let Some(closing) = delimiter(&raw[pos..line_end], boundary) {
            if let Some(start) = current {
                ranges.push(start..before_line_break(raw, start, pos));
            }
            if closing {
                return ranges;
            }
            current = Some(line_end);
        }
        pos = line_end;
    }
    if let Some(start) = current {
        ranges.push(start..body.end);
    }
    ranges
}

/// `Some(is_closing)` when `line` is `--boundary` or `--boundary--`, followed only
/// by transport padding (blanks) and the line break.
fn delimiter(line: &[u8], boundary: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"--")?.strip_prefix(boundary)?;
    let (closing, rest) = match rest.strip_prefix(b"--") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    rest.iter().all(|&b| is_wsp(b) || b == b'\r' || b == b'\n').then_some(closing)
}

/// The line break just before a delimiter line belongs to the delimiter.
fn before_line_break(raw: &[u8], start: usize, delimiter: usize) -> usize {
    let mut end = delimiter;
    if end > start && raw[end - 1] == b'\n' {
        end -= 1;
        if end > start && raw[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

/// Line count as BODYSTRUCTURE reports it: line breaks, plus a final line that
/// lacks one.
fn count_lines(body: &[u8]) -> u64 {
    let breaks = body.iter().filter(|&&b| b == b'\n').count() as u64;
    let unterminated = u64::from(body.last().is_some_and(|&b| b != b'\n'));
    breaks + unterminated
}

fn is_message(part: &BodyPart) -> bool {
    part.is("message", "rfc822") || part.is("message", "global")
}

fn is_identity(encoding: &str) -> bool {
    ["7bit", "8bit", "binary"].iter().any(|e| encoding.eq_ignore_ascii_case(e))
}

fn make_opaque(part: &mut BodyPart) {
    part.media_type = "application".into();
    part.media_subtype = "octet-stream".into();
    part.params.clear();
    part.children.clear();
    part.message = None;
}

fn make_plain_text(part: &mut BodyPart) {
    part.media_type = "text".into();
    part.media_subtype = "plain".into();
    part.params = vec![Parameter { name: "charset".into(), value: "us-ascii".into() }];
    part.children.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_lines_allow_padding_but_not_text() {
        assert_eq!(delimiter(b"--foo\r\n", b"foo"), Some(false));
        assert_eq!(delimiter(b"--foo-- \t\r\n", b"foo"), Some(true));
        assert_eq!(delimiter(b"--foo ", b"foo"), Some(false));
        assert_eq!(delimiter(b"--foobar\r\n", b"foo"), None);
        assert_eq!(delimiter(b"-foo\r\n", b"foo"), None);
    }

    #[test]
    fn part_bodies_end_before_the_line_break_of_the_delimiter() {
        let raw = b"pre\r\n--b\r\n\r\none\r\n--b\nX: y\n\ntwo\n--b--\r\nepilogue";
        let ranges = part_ranges(raw, 0..raw.len(), b"b");
        let slices: Vec<&[u8]> = ranges.iter().map(|r| &raw[r.clone()]).collect();
        assert_eq!(slices, vec![&b"\r\none"[..], &b"X: y\n\ntwo"[..]]);
    }

    #[test]
    fn unclosed_multipart_runs_to_the_end() {
        let raw = b"--b\r\n\r\nlast\r\n";
        let ranges = part_ranges(raw, 0..raw.len(), b"b");
        assert_eq!(ranges, vec![5..raw.len()]);
    }

    #[test]
    fn lines_count_a_final_unterminated_line() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"hello\r\n"), 1);
        assert_eq!(count_lines(b"a\nb"), 2);
    }
}
