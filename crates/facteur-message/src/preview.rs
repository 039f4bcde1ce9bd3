//! A short plain-text preview of the message (in the spirit of RFC 8970 PREVIEW).
//!
//! Unlike ENVELOPE, the preview is decoded text for people: transfer encoding and
//! charset are undone (mail-parser's decoders do that part) and HTML is reduced to
//! text. Only the first [`SCAN_LIMIT`] bytes of the chosen part are decoded, so a
//! huge text part costs no more than a small one.

use crate::body::BodyPart;
use crate::part_text::readable_text;

/// Characters kept; RFC 8970 §3 allows at most 256.
pub const PREVIEW_CHARS: usize = 200;

/// Bytes of encoded body looked at. HTML needs more than plain text because markup
/// and style sheets come before the words.
const SCAN_LIMIT: usize = 64 * 1024;

/// The preview of the message whose MIME tree is `root`: the first inline
/// text/plain part, else the first inline text/html part, outside attachments and
/// encapsulated messages. `None` when there is no such part or it holds no text.
pub(crate) fn preview(raw: &[u8], root: &BodyPart) -> Option<String> {
    let part = first_inline(root, "plain").or_else(|| first_inline(root, "html"))?;
    let text = readable_text(raw, part, SCAN_LIMIT);
    let collapsed = collapse_whitespace(&text, PREVIEW_CHARS);
    (!collapsed.is_empty()).then_some(collapsed)
}

/// Depth-first search, not entering message/rfc822 parts (their text is another
/// message's). Iterative so that the tree's depth does not matter.
fn first_inline<'a>(root: &'a BodyPart, subtype: &str) -> Option<&'a BodyPart> {
    let mut stack = vec![root];
    while let Some(part) = stack.pop() {
        if part.is_multipart() {
            stack.extend(part.children.iter().rev());
        } else if part.is("text", subtype) && !is_attachment(part) {
            return Some(part);
        }
    }
    None
}

fn is_attachment(part: &BodyPart) -> bool {
    part.disposition.as_ref().is_some_and(|d| d.kind.eq_ignore_ascii_case("attachment"))
}

/// Runs of whitespace become one space, ends are trimmed, at most `max` chars.
fn collapse_whitespace(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (count, word) in text.split_whitespace().enumerate() {
        if count > 0 {
            out.push(' ');
        }
        out.push_str(word);
        if out.chars().count() >= max {
            break;
        }
    }
    out.chars().take(max).collect::<String>().trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_collapses_and_length_is_bounded() {
        assert_eq!(collapse_whitespace("  a \r\n\t b  ", 10), "a b");
        let long = "word ".repeat(100);
        assert_eq!(collapse_whitespace(&long, 12), "word word wo");
    }
}
