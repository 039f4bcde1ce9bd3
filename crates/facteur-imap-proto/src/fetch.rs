//! FETCH attributes and body sections (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ).

use std::fmt;

/// `<offset.length>` of a partial fetch; the response names only the offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    pub offset: u32,
    pub length: u32,
}

/// The text part of a section specifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionText {
    Header,
    /// Field names as sent (matched case-insensitively by the server).
    HeaderFields(Vec<String>),
    HeaderFieldsNot(Vec<String>),
    Text,
    /// Only after a part number (RFC 9051 §6.4.5).
    Mime,
}

/// `[1.2.HEADER]`: a part path (empty for the whole message) and an optional text part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub part: Vec<u32>,
    pub text: Option<SectionText>,
}

/// One FETCH attribute. The macros ALL, FAST and FULL are expanded by the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAttr {
    Flags,
    InternalDate,
    Rfc822Size,
    Envelope,
    /// Non-extensible BODYSTRUCTURE.
    Body,
    BodyStructure,
    Uid,
    /// RFC 7162 §3.1.4.1.
    ModSeq,
    /// IMAP4rev1 forms: `RFC822` = `BODY[]`, `RFC822.HEADER` = `BODY.PEEK[HEADER]`,
    /// `RFC822.TEXT` = `BODY[TEXT]`.
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    BodySection {
        peek: bool,
        section: Section,
        partial: Option<Partial>,
    },
    /// RFC 3516: decoded content of a leaf part.
    Binary {
        peek: bool,
        part: Vec<u32>,
        partial: Option<Partial>,
    },
    BinarySize {
        part: Vec<u32>,
    },
}

impl FetchAttr {
    /// Whether fetching this sets `\Seen` (RFC 9051 §6.4.5: BODY[...] and BINARY[...] without PEEK, RFC822, RFC822.TEXT).
    pub fn sets_seen(&self) -> bool {
        match self {
            FetchAttr::BodySection { peek, .. } | FetchAttr::Binary { peek, .. } => !peek,
            FetchAttr::Rfc822 | FetchAttr::Rfc822Text => true,
            _ => false,
        }
    }
}

pub(crate) struct PartPath<'a>(pub &'a [u32]);

impl fmt::Display for PartPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, n) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{n}")?;
        }
        Ok(())
    }
}
