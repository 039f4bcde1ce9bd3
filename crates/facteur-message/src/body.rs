//! The MIME tree as stored: BODYSTRUCTURE data and byte offsets for every part.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::envelope::Envelope;

/// One MIME entity: the data of one BODYSTRUCTURE node (RFC 9051 §7.5.2) plus
/// where it lives in the raw message.
///
/// Offsets index the raw message passed to [`crate::ingest`]: `header_start..body_start`
/// is the part's MIME header including its empty line (`n.MIME`), and
/// `body_start..body_end` its body (`n`). Following RFC 2046 §5.1.1, the line break
/// before a boundary delimiter belongs to the delimiter, not to the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BodyPart {
    /// Media type as sent (`text`, `Multipart`, ...); compare case-insensitively.
    pub media_type: String,
    /// Media subtype as sent.
    pub media_subtype: String,
    /// `Content-Type` parameters, raw and in order.
    pub params: Vec<Parameter>,
    /// `Content-ID`, raw.
    pub id: Option<String>,
    /// `Content-Description`, raw (encoded-words are not decoded).
    pub description: Option<String>,
    /// `Content-Transfer-Encoding` mechanism as sent; `7BIT` when absent.
    pub encoding: String,
    /// Number of lines of the body, for text/* and message/rfc822 parts only.
    pub lines: Option<u64>,
    /// `Content-MD5`, raw.
    pub md5: Option<String>,
    pub disposition: Option<Disposition>,
    /// `Content-Language` tags.
    pub language: Vec<String>,
    /// `Content-Location`, raw.
    pub location: Option<String>,
    /// Sub-parts of a multipart, in order (section numbers 1, 2, ...).
    pub children: Vec<BodyPart>,
    /// The encapsulated message of a message/rfc822 (or message/global) part.
    pub message: Option<Box<EncapsulatedMessage>>,
    pub header_start: u64,
    pub body_start: u64,
    pub body_end: u64,
}

/// One `name=value` parameter of `Content-Type` or `Content-Disposition`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Parameter {
    pub name: String,
    pub value: String,
}

/// `Content-Disposition` (RFC 2183): `inline`, `attachment`, ... and parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Disposition {
    pub kind: String,
    pub params: Vec<Parameter>,
}

/// The message inside a message/rfc822 part. Its header is at
/// `body.header_start..body.body_start` (`n.HEADER`) and its text at
/// `body.body_start..body.body_end` (`n.TEXT`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncapsulatedMessage {
    pub envelope: Envelope,
    pub body: BodyPart,
}

impl Default for BodyPart {
    /// An empty text/plain part: what RFC 2045 §5.2 assumes when nothing is said.
    fn default() -> Self {
        BodyPart {
            media_type: "text".into(),
            media_subtype: "plain".into(),
            params: vec![Parameter { name: "charset".into(), value: "us-ascii".into() }],
            id: None,
            description: None,
            encoding: "7BIT".into(),
            lines: None,
            md5: None,
            disposition: None,
            language: Vec::new(),
            location: None,
            children: Vec::new(),
            message: None,
            header_start: 0,
            body_start: 0,
            body_end: 0,
        }
    }
}

impl BodyPart {
    /// Range of the MIME header, empty line included (`section.MIME`).
    pub fn mime_header(&self) -> Range<usize> {
        to_range(self.header_start, self.body_start)
    }

    /// Range of the body (`section`, and `TEXT` of the top-level message).
    pub fn body(&self) -> Range<usize> {
        to_range(self.body_start, self.body_end)
    }

    /// Body size in octets, as BODYSTRUCTURE reports it.
    pub fn size(&self) -> u64 {
        self.body_end.saturating_sub(self.body_start)
    }

    pub fn is_multipart(&self) -> bool {
        self.media_type.eq_ignore_ascii_case("multipart")
    }

    /// Whether this is the given type/subtype, case-insensitively.
    pub fn is(&self, media_type: &str, media_subtype: &str) -> bool {
        self.media_type.eq_ignore_ascii_case(media_type) && self.media_subtype.eq_ignore_ascii_case(media_subtype)
    }

    /// A parameter of `Content-Type`, by case-insensitive name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|p| p.name.eq_ignore_ascii_case(name)).map(|p| p.value.as_str())
    }

    /// The sub-part with IMAP number `number` (1-based) inside this entity seen as a
    /// message body: a multipart's child, or the entity itself as part 1 when it is
    /// not a multipart (RFC 9051 §6.4.5).
    pub(crate) fn numbered(&self, number: u32) -> Option<&BodyPart> {
        if self.is_multipart() {
            self.children.get(usize::try_from(number).ok()?.checked_sub(1)?)
        } else {
            (number == 1).then_some(self)
        }
    }
}

impl EncapsulatedMessage {
    /// Range of the encapsulated message's header (`section.HEADER`).
    pub fn header(&self) -> Range<usize> {
        self.body.mime_header()
    }

    /// Range of the encapsulated message's text (`section.TEXT`).
    pub fn text(&self) -> Range<usize> {
        self.body.body()
    }
}

/// Offsets are stored as u64 for a stable format; on a platform where they do not
/// fit, the range is empty rather than wrong.
fn to_range(start: u64, end: u64) -> Range<usize> {
    match (usize::try_from(start), usize::try_from(end)) {
        (Ok(start), Ok(end)) if start <= end => start..end,
        _ => 0..0,
    }
}
