//! Body sections (RFC 9051 §6.4.5): which bytes of a stored message `BODY[1.2.HEADER.FIELDS (…)]<0.100>` names,
//! found with the part offsets ingest stored, never by parsing the message again.

use std::ops::Range;

use facteur_imap_proto::{Partial, Section, SectionText};
use facteur_message::{MessageSummary, header_fields};

/// Where a section's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionBytes {
    /// A slice of the raw message.
    Slice(Range<usize>),
    /// Selected header fields of the header block at this range (`HEADER.FIELDS`, `.NOT`).
    Fields { block: Range<usize>, names: Vec<String>, not: bool },
    /// The section does not exist in this message: RFC 9051 §6.4.5 has us answer with an empty string.
    Empty,
}

impl SectionBytes {
    /// Whether only the header block is needed (so a large message need not be read whole).
    pub fn end(&self) -> usize {
        match self {
            SectionBytes::Slice(range) => range.end,
            SectionBytes::Fields { block, .. } => block.end,
            SectionBytes::Empty => 0,
        }
    }

    /// The bytes, cut from `raw` (which must hold at least `self.end()` bytes of the message).
    pub fn extract(&self, raw: &[u8]) -> Vec<u8> {
        match self {
            SectionBytes::Slice(range) => raw.get(range.clone()).unwrap_or_default().to_vec(),
            SectionBytes::Fields { block, names, not } => {
                let block = raw.get(block.clone()).unwrap_or_default();
                let mut out = Vec::new();
                for field in header_fields(block) {
                    let listed = names.iter().any(|name| field.name_is(name));
                    if listed != *not {
                        out.extend_from_slice(field.raw);
                    }
                }
                // The empty line that ends a header is part of HEADER.FIELDS (RFC 9051 §6.4.5 examples).
                out.extend_from_slice(b"\r\n");
                out
            }
            SectionBytes::Empty => Vec::new(),
        }
    }
}

/// Locates `section` in the message `summary` describes.
pub fn locate(summary: &MessageSummary, section: &Section) -> SectionBytes {
    if section.part.is_empty() {
        return match &section.text {
            None => SectionBytes::Slice(0..usize::try_from(summary.size).unwrap_or(usize::MAX)),
            Some(text) => header_or_text(summary.header(), summary.text(), text),
        };
    }
    let Some(part) = summary.part(&section.part) else { return SectionBytes::Empty };
    match &section.text {
        None => SectionBytes::Slice(part.body()),
        Some(SectionText::Mime) => SectionBytes::Slice(part.mime_header()),
        // HEADER and TEXT after a part number apply to an encapsulated message only.
        Some(text) => match &part.message {
            Some(message) => header_or_text(message.header(), message.text(), text),
            None => SectionBytes::Empty,
        },
    }
}

fn header_or_text(header: Range<usize>, text_range: Range<usize>, text: &SectionText) -> SectionBytes {
    match text {
        SectionText::Header => SectionBytes::Slice(header),
        SectionText::Text => SectionBytes::Slice(text_range),
        SectionText::HeaderFields(names) => SectionBytes::Fields { block: header, names: names.clone(), not: false },
        SectionText::HeaderFieldsNot(names) => SectionBytes::Fields { block: header, names: names.clone(), not: true },
        SectionText::Mime => SectionBytes::Empty,
    }
}

/// Applies `<offset.length>`: RFC 9051 §6.4.5, an offset past the end gives an empty string.
pub fn apply_partial(mut data: Vec<u8>, partial: Option<Partial>) -> Vec<u8> {
    let Some(partial) = partial else { return data };
    let start = (partial.offset as usize).min(data.len());
    let end = start.saturating_add(partial.length as usize).min(data.len());
    data.truncate(end);
    data.drain(..start);
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use facteur_message::ingest;

    const MIXED: &[u8] = b"From: a@b.test\r\nSubject: hi\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n\
--X\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--X\r\nContent-Type: message/rfc822\r\n\r\n\
Subject: inner\r\n\r\ninner body\r\n--X--\r\n";

    fn fetch(section: Section) -> Vec<u8> {
        let summary = ingest(MIXED);
        locate(&summary, &section).extract(MIXED)
    }

    #[test]
    fn header_fields_are_selected_case_insensitively_and_end_with_a_blank_line() {
        let section = Section { part: vec![], text: Some(SectionText::HeaderFields(vec!["subject".into()])) };
        assert_eq!(fetch(section), b"Subject: hi\r\n\r\n");
        let not = Section { part: vec![], text: Some(SectionText::HeaderFieldsNot(vec!["Content-Type".into()])) };
        assert_eq!(fetch(not), b"From: a@b.test\r\nSubject: hi\r\n\r\n");
    }

    #[test]
    fn nested_parts_and_their_mime_headers_are_sliced() {
        assert_eq!(fetch(Section { part: vec![1], text: None }), b"first");
        assert_eq!(
            fetch(Section { part: vec![1], text: Some(SectionText::Mime) }),
            b"Content-Type: text/plain\r\n\r\n"
        );
        assert_eq!(fetch(Section { part: vec![2], text: Some(SectionText::Text) }), b"inner body");
        assert_eq!(fetch(Section { part: vec![2], text: Some(SectionText::Header) }), b"Subject: inner\r\n\r\n");
        assert_eq!(fetch(Section { part: vec![7], text: None }), b"");
    }

    #[test]
    fn partial_past_the_end_is_empty() {
        assert_eq!(apply_partial(b"hello".to_vec(), Some(Partial { offset: 1, length: 3 })), b"ell");
        assert_eq!(apply_partial(b"hello".to_vec(), Some(Partial { offset: 9, length: 3 })), b"");
    }
}
