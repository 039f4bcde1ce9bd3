//! [`encode_binary_parts`]: a message APPENDed as binary (RFC 3516 literal8) made fit for `BODY[]`.
//!
//! A part with `Content-Transfer-Encoding: binary` may hold NUL octets, which no IMAP string can carry
//! (RFC 9051 §4.3): `BODY[…]` could not return it, only `BINARY[…]` could. RFC 3516 §4.4 lets the server
//! store such a message in another encoding, so each binary leaf part is re-encoded as base64 on the way in:
//! `BODY[1]` then returns base64 text, while `BINARY[1]` decodes it back to the original octets.

use std::ops::Range;

use crate::body::BodyPart;
use crate::header::header_fields;
use crate::summary::ingest;

/// The message with every `binary` leaf part re-encoded as base64, or `None` when it has no such part.
pub fn encode_binary_parts(raw: &[u8]) -> Option<Vec<u8>> {
    let summary = ingest(raw);
    let mut edits = Vec::new();
    collect_edits(raw, &summary.body, &mut edits);
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = Vec::with_capacity(raw.len() * 4 / 3 + 64);
    let mut at = 0;
    for (range, replacement) in edits {
        out.extend_from_slice(raw.get(at..range.start)?);
        out.extend_from_slice(&replacement);
        at = range.end;
    }
    out.extend_from_slice(raw.get(at..)?);
    Some(out)
}

/// For each binary leaf under `part`: its header with the encoding changed, and its body as base64.
fn collect_edits(raw: &[u8], part: &BodyPart, edits: &mut Vec<(Range<usize>, Vec<u8>)>) {
    if part.is_multipart() {
        part.children.iter().for_each(|child| collect_edits(raw, child, edits));
    } else if let Some(message) = &part.message {
        collect_edits(raw, &message.body, edits);
    } else if part.encoding.eq_ignore_ascii_case("binary")
        && let (Some(header), Some(body)) = (raw.get(part.mime_header()), raw.get(part.body()))
    {
        edits.push((part.mime_header(), header_with_base64(header)));
        edits.push((part.body(), base64_lines(body)));
    }
}

/// The header block with its `Content-Transfer-Encoding` field (folded or not) replaced by `base64`.
fn header_with_base64(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len());
    let mut at = 0;
    for field in header_fields(block).filter(|field| field.name_is("Content-Transfer-Encoding")) {
        let start = field.raw.as_ptr().addr() - block.as_ptr().addr();
        out.extend_from_slice(&block[at..start]);
        out.extend_from_slice(b"Content-Transfer-Encoding: base64\r\n");
        at = start + field.raw.len();
    }
    out.extend_from_slice(&block[at..]);
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 in lines of 76 characters (RFC 2045 §6.8), each ended by CRLF.
fn base64_lines(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / 38 + 4);
    for line in data.chunks(57) {
        for group in line.chunks(3) {
            let bytes = [group[0], *group.get(1).unwrap_or(&0), *group.get(2).unwrap_or(&0)];
            let bits = u32::from(bytes[0]) << 16 | u32::from(bytes[1]) << 8 | u32::from(bytes[2]);
            for (index, shift) in [18, 12, 6, 0].into_iter().enumerate() {
                let symbol = ALPHABET[(bits >> shift & 63) as usize];
                out.push(if index <= group.len() { symbol } else { b'=' });
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_and_wraps_at_76_characters() {
        assert_eq!(base64_lines(b"\0-\xe4"), b"AC3k\r\n");
        assert_eq!(base64_lines(b"ab"), b"YWI=\r\n");
        assert_eq!(base64_lines(b"a"), b"YQ==\r\n");
        let wrapped = base64_lines(&[7u8; 58]);
        assert_eq!(wrapped.iter().position(|&b| b == b'\r'), Some(76));
        assert!(wrapped.ends_with(b"Bw==\r\n"));
    }

    #[test]
    fn a_binary_single_part_message_becomes_base64() {
        let raw = b"From: a@b.test\r\nContent-Transfer-Encoding:\r\n binary\r\nSubject: x\r\n\r\n\0\xe4\r\n";
        let converted = encode_binary_parts(raw).unwrap();
        assert_eq!(converted, b"From: a@b.test\r\nContent-Transfer-Encoding: base64\r\nSubject: x\r\n\r\nAOQNCg==\r\n");
        assert_eq!(ingest(&converted).body.encoding, "base64");
    }

    #[test]
    fn only_binary_leaves_of_a_multipart_change() {
        let raw = b"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n\r\nplain\r\n--X\r\n\
Content-Transfer-Encoding: BINARY\r\n\r\n\0\0\0\r\n--X--\r\n";
        let converted = encode_binary_parts(raw).unwrap();
        assert_eq!(
            converted,
            b"Content-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n\r\nplain\r\n--X\r\n\
Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n\r\n--X--\r\n"
        );
        assert_eq!(encode_binary_parts(b"Subject: text\r\n\r\nhello\r\n"), None);
    }
}
