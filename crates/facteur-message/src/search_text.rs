//! The text SEARCH compares, one definition for the scan and for the store's full-text index, so that the index
//! can only narrow what the scan would find.
//!
//! RFC 9051 §6.4.4: the server decodes transfer encodings and charsets before comparing. Here that means:
//! - header fields (for TEXT) with their RFC 2047 encoded-words decoded;
//! - the body (for BODY and TEXT) as the text of its text parts, base64 and quoted-printable undone, charsets
//!   converted, HTML reduced to what a reader sees ([`crate::readable_text`]); the header fields of an attached
//!   message count as its body's text. Parts that are not text (images, archives) say nothing searchable.
//!
//! Comparison is a substring match after [`fold`]: lower case and accents removed, so that `ete`, `ÉTÉ` and `été`
//! all find `Été`, as the French-speaking users this server was first meant for expect.

use facteur_primitives::SearchText;
use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::body::BodyPart;
use crate::header::header_fields;
use crate::part_text::readable_text;

/// Folded characters of a message the full-text index keeps at most; a message with more is indexed up to here
/// and marked incomplete (every search then reads it).
pub const INDEX_TEXT_LIMIT: usize = 1 << 20;

/// A message's searchable text, folded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Searchable {
    header: String,
    body: String,
}

impl Searchable {
    /// The searchable text of `raw`, whose MIME tree is `root`.
    pub fn of(raw: &[u8], root: &BodyPart) -> Searchable {
        let header = header_text(raw.get(root.mime_header()).unwrap_or_default());
        let (body, _) = body_text(raw, root, usize::MAX);
        Searchable { header: fold(&header), body: fold(&body) }
    }

    /// What the full-text index keeps of `raw`: header then body, at most [`INDEX_TEXT_LIMIT`] bytes, reading no
    /// more of the message than that needs (an 11 MiB text part is not decoded whole to be cut).
    pub fn for_index(raw: &[u8], root: &BodyPart) -> SearchText {
        let header = fold(&header_text(raw.get(root.mime_header()).unwrap_or_default()));
        let (body, whole) = body_text(raw, root, INDEX_TEXT_LIMIT.saturating_sub(header.len()));
        let text = Searchable { header, body: fold(&body) }.into_search_text();
        SearchText { complete: text.complete && whole, ..text }
    }

    /// SEARCH BODY: `needle` (already [`fold`]ed) is in the body's text.
    pub fn body_contains(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }

    /// SEARCH TEXT: `needle` (already [`fold`]ed) is in a header field or in the body's text.
    pub fn text_contains(&self, needle: &str) -> bool {
        self.header.contains(needle) || self.body.contains(needle)
    }

    /// Header then body, cut at [`INDEX_TEXT_LIMIT`] bytes.
    fn into_search_text(self) -> SearchText {
        let mut text = self.header;
        text.push('\n');
        text.push_str(&self.body);
        let complete = text.len() <= INDEX_TEXT_LIMIT;
        if !complete {
            let mut cut = INDEX_TEXT_LIMIT;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        SearchText { text, complete }
    }
}

/// How search compares text: compatibility-decomposed, lower case, combining marks (accents) removed. Decomposed
/// first, so that folding twice changes nothing (`ℌ` decomposes to `H`, which must then be lowered).
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            folded.push(c.to_ascii_lowercase());
        } else {
            let decomposed = std::iter::once(c).nfkd().flat_map(char::to_lowercase);
            folded.extend(decomposed.filter(|c| !is_combining_mark(*c)));
        }
    }
    folded
}

/// Each field as `name: value`, one per line, encoded-words decoded.
fn header_text(block: &[u8]) -> String {
    let mut text = String::new();
    for field in header_fields(block) {
        text.push_str(&String::from_utf8_lossy(field.name));
        text.push_str(": ");
        text.push_str(&decoded_value(field.value));
        text.push('\n');
    }
    text
}

/// A field value unfolded, with its RFC 2047 encoded-words decoded.
fn decoded_value(value: &[u8]) -> String {
    match MessageStream::new(value).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    }
}

/// The text of every text part, in order, and the header fields of attached messages, as far as about `limit`
/// bytes (each part read no further than what is left of it); `false` when something was left out. Iterative,
/// so that the tree's depth does not matter.
fn body_text(raw: &[u8], root: &BodyPart, limit: usize) -> (String, bool) {
    let mut text = String::new();
    let mut stack = vec![root];
    while let Some(part) = stack.pop() {
        let left = limit.saturating_sub(text.len());
        if left == 0 {
            return (text, false);
        }
        if let Some(message) = &part.message {
            text.push_str(&header_text(raw.get(message.body.mime_header()).unwrap_or_default()));
            stack.push(&message.body);
        } else if part.is_multipart() {
            stack.extend(part.children.iter().rev());
        } else if part.media_type.eq_ignore_ascii_case("text") {
            let size = usize::try_from(part.size()).unwrap_or(usize::MAX);
            if size > left {
                text.push_str(&readable_text(raw, part, left));
                return (text, false);
            }
            text.push_str(&readable_text(raw, part, size));
            text.push('\n');
        }
    }
    (text, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest;

    fn searchable(raw: &str) -> Searchable {
        searchable_bytes(raw.replace('\n', "\r\n").as_bytes())
    }

    fn searchable_bytes(raw: &[u8]) -> Searchable {
        Searchable::of(raw, &ingest(raw).body)
    }

    #[test]
    fn folding_removes_case_and_accents() {
        assert_eq!(fold("Été À L'ÎLE, Straße"), "ete a l'ile, straße");
        assert_eq!(fold("ﬁn"), "fin", "compatibility ligatures are split");
        for tricky in ["ℌ", "İ", "ǅ", "Ω", "ẞ"] {
            assert_eq!(fold(&fold(tricky)), fold(tricky), "{tricky}");
        }
    }

    #[test]
    fn transfer_encodings_and_charsets_are_undone() {
        let qp = searchable(
            "Subject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n\
             Un caf=C3=A9 cr=C3=A8me\n",
        );
        assert!(qp.body_contains(&fold("café crème")));
        assert!(!qp.body_contains("caf=c3=a9"), "the encoded form is not the text");
        let latin1 =
            searchable_bytes(b"Subject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nd\xe9j\xe0 vu\r\n");
        assert!(latin1.body_contains("deja vu"));
        let base64 = searchable(
            "Subject: x\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nVW4gY2Fmw6kgbm9pcg==\n",
        );
        assert!(base64.body_contains("cafe noir"));
        let utf7 = searchable("Subject: x\nContent-Type: text/plain; charset=utf-7\n\nUn caf+AOk-\n");
        assert!(utf7.body_contains("un cafe"));
    }

    #[test]
    fn headers_are_decoded_and_only_text_searches_them() {
        let message = searchable("Subject: =?utf-8?q?R=C3=A9union?= lundi\nX-Note: secret\n\nbody\n");
        assert!(message.text_contains("reunion lundi"));
        assert!(message.text_contains("x-note: secret"));
        assert!(!message.body_contains("secret"));
    }

    #[test]
    fn html_is_read_as_text_and_binaries_are_skipped() {
        let message = searchable(
            "Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n\
             <p>Bonjour <b>tout</b> le monde</p>\n--b\nContent-Type: application/octet-stream\n\
             Content-Transfer-Encoding: base64\n\naGlkZGVu\n--b--\n",
        );
        assert!(message.body_contains("bonjour tout le monde"));
        assert!(!message.body_contains("<b>"));
        assert!(!message.body_contains("hidden"), "a binary part says nothing");
    }

    #[test]
    fn a_long_text_part_is_indexed_in_part_and_marked_so() {
        let long = format!("Subject: x\r\n\r\n{}", "mot ".repeat(INDEX_TEXT_LIMIT));
        let text = Searchable::for_index(long.as_bytes(), &ingest(long.as_bytes()).body);
        assert!(!text.complete);
        assert!(text.text.len() <= INDEX_TEXT_LIMIT);
        let short = "Subject: Été\r\n\r\nBonjour\r\n";
        let text = Searchable::for_index(short.as_bytes(), &ingest(short.as_bytes()).body);
        assert!(text.complete);
        assert_eq!(text.text, "subject: ete\n\nbonjour\r\n\n");
    }

    #[test]
    fn index_text_is_cut_at_the_limit_on_a_character() {
        let long = "é".repeat(INDEX_TEXT_LIMIT);
        let text = Searchable { header: String::new(), body: long }.into_search_text();
        assert!(!text.complete);
        assert!(text.text.len() <= INDEX_TEXT_LIMIT);
        let short = Searchable { header: "subject: a\n".into(), body: "b".into() }.into_search_text();
        assert!(short.complete);
        assert_eq!(short.text, "subject: a\n\nb");
    }
}
