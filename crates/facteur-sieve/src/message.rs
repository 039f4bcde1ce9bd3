//! The message a script looks at: raw bytes and the MIME index `facteur-message` computed at ingest.

use std::borrow::Cow;

use facteur_message::{MessageSummary, header_fields};
use mail_parser::HeaderValue;
use mail_parser::parsers::MessageStream;

/// A message as delivery has it: its raw RFC 5322 bytes and their parse-once summary.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    raw: &'a [u8],
    summary: Cow<'a, MessageSummary>,
}

impl<'a> Message<'a> {
    /// Parses `raw` (never fails: a message that is not well formed is seen as best it can be).
    pub fn parse(raw: &'a [u8]) -> Message<'a> {
        Message { raw, summary: Cow::Owned(facteur_message::ingest(raw)) }
    }

    /// A message whose summary was already computed by `facteur_message::ingest(raw)`.
    pub fn with_summary(raw: &'a [u8], summary: &'a MessageSummary) -> Message<'a> {
        Message { raw, summary: Cow::Borrowed(summary) }
    }

    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    pub fn summary(&self) -> &MessageSummary {
        &self.summary
    }

    /// RFC 5228 §5.9: the size is the message's octets.
    pub fn size(&self) -> u64 {
        self.raw.len() as u64
    }

    /// The top-level header fields in order, as (name, raw value with its folding) pairs.
    pub(crate) fn header_fields(&self) -> Vec<(String, String)> {
        let block = self.raw.get(self.summary.header()).unwrap_or_default();
        header_fields(block)
            .map(|field| {
                (String::from_utf8_lossy(field.name).into_owned(), String::from_utf8_lossy(field.value).into_owned())
            })
            .collect()
    }

    /// The body: everything after the header's empty line.
    pub(crate) fn body(&self) -> &'a [u8] {
        self.raw.get(self.summary.text()).unwrap_or_default()
    }
}

/// RFC 5228 §2.7.2: header values are compared decoded, RFC 2047 encoded words included, unfolded and with
/// leading and trailing blanks removed.
pub(crate) fn decoded_value(raw_value: &str) -> String {
    let mut bytes = raw_value.as_bytes().to_vec();
    if !bytes.ends_with(b"\n") {
        bytes.extend_from_slice(b"\r\n");
    }
    let decoded = match MessageStream::new(&bytes).parse_unstructured() {
        HeaderValue::Text(text) => text.into_owned(),
        _ => String::new(),
    };
    decoded.trim_matches([' ', '\t']).to_owned()
}

/// The value unfolded but not decoded: what address parsing and dates read.
pub(crate) fn unfolded_value(raw_value: &str) -> String {
    let mut out = String::with_capacity(raw_value.len());
    for c in raw_value.chars() {
        if c != '\r' && c != '\n' {
            out.push(c);
        }
    }
    out.trim_matches([' ', '\t']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_decoded_and_unfolded() {
        assert_eq!(decoded_value(" =?utf-8?q?caf=C3=A9?=\r\n au lait\r\n"), "café au lait");
        assert_eq!(decoded_value(" plain"), "plain");
        assert_eq!(unfolded_value(" a\r\n b\r\n"), "a b");
    }

    #[test]
    fn fields_and_body_come_from_the_index() {
        let raw = b"Subject: x\r\nTo: a@b.c\r\n\r\nbody\r\n";
        let message = Message::parse(raw);
        assert_eq!(message.header_fields().len(), 2);
        assert_eq!(message.body(), b"body\r\n");
        assert_eq!(message.size(), raw.len() as u64);
    }
}
