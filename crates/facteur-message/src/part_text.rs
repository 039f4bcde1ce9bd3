//! A part's text as people read it: transfer encoding (base64, quoted-printable) undone and the charset
//! converted to UTF-8, by mail-parser's decoders. The preview, Sieve's `body` test, the spam classifier and
//! search all read parts through here, so that they agree on what a part says.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::html::html_to_text;
use mail_parser::parsers::MessageStream;

use crate::body::BodyPart;

/// The decoded text of at most the first `limit` bytes of `part`'s body in `raw` (cut after a line break, so
/// that no base64 or quoted-printable line is split). Damaged encoding leaves the bytes as they are; an unknown
/// charset is read as UTF-8, invalid sequences replaced.
pub fn part_text(raw: &[u8], part: &BodyPart, limit: usize) -> String {
    let body = raw.get(part.body()).unwrap_or_default();
    let bytes = transfer_decode(truncate_at_line(body, limit), &part.encoding);
    match part.param("charset").and_then(|charset| charset_decoder(charset.as_bytes())) {
        Some(decode) => decode(&bytes),
        None => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// What a reader sees of a text part: [`part_text`], with HTML reduced to its text (no tags, attributes nor
/// styles). The preview and the spam classifier read parts so; Sieve's `body :text` too.
pub fn readable_text(raw: &[u8], part: &BodyPart, limit: usize) -> String {
    let text = part_text(raw, part, limit);
    if part.is("text", "html") { html_to_text(&text) } else { text }
}

/// Base64 and quoted-printable decoding; on damaged input, the raw bytes.
fn transfer_decode(body: &[u8], encoding: &str) -> Vec<u8> {
    let mut stream = MessageStream::new(body);
    let (end, decoded) = if encoding.eq_ignore_ascii_case("base64") {
        stream.decode_base64_mime(b"")
    } else if encoding.eq_ignore_ascii_case("quoted-printable") {
        stream.decode_quoted_printable_mime(b"")
    } else {
        return body.to_vec();
    };
    if end == usize::MAX { body.to_vec() } else { decoded.into_owned() }
}

/// At most `limit` bytes, cut after a line break when there is one.
fn truncate_at_line(body: &[u8], limit: usize) -> &[u8] {
    if body.len() <= limit {
        return body;
    }
    let head = &body[..limit];
    match head.iter().rposition(|&b| b == b'\n') {
        Some(lf) => &head[..=lf],
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_lines() {
        assert_eq!(truncate_at_line(b"abc\ndef\nghi", 9), b"abc\ndef\n");
        assert_eq!(truncate_at_line(b"abcdef", 3), b"abc");
    }

    #[test]
    fn damaged_encoding_leaves_the_bytes() {
        assert_eq!(transfer_decode(b"caf=C3=A9", "Quoted-Printable"), "café".as_bytes());
        assert_eq!(transfer_decode(b"Y2Fmw6k=", "base64"), "café".as_bytes());
        assert_eq!(transfer_decode(b"as is", "8bit"), b"as is");
    }
}
