//! [`MessageSummary`]: everything computed at ingest, how it is stored, and how IMAP
//! section numbers find a part in it.

use std::ops::Range;

use facteur_primitives::{SearchText, ThreadKeys};
use serde::{Deserialize, Serialize};

use crate::body::BodyPart;
use crate::envelope::Envelope;
use crate::header::first_value;
use crate::mime::parse_tree;
use crate::preview::preview;
use crate::search_text::Searchable;
use crate::sort_keys::SortKeys;

/// Version of the stored format. Bump it when a field changes meaning (not when
/// one is added: `#[serde(default)]` reads older rows), so that readers can tell
/// a summary that must be recomputed from the blob.
pub const FORMAT_VERSION: u32 = 1;

/// What IMAP needs about one message, computed once by [`ingest`] and stored next
/// to its blob. All offsets index that blob.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageSummary {
    /// [`FORMAT_VERSION`] at the time the summary was computed.
    pub format: u32,
    /// Size of the raw message in octets (RFC822.SIZE).
    pub size: u64,
    /// Octets of the header block, empty line included (`HEADER` is `0..header_len`).
    pub header_len: u64,
    pub envelope: Envelope,
    /// The MIME tree; its root is the message itself.
    pub body: BodyPart,
    /// Whitespace-collapsed start of the first text part, decoded.
    pub preview: Option<String>,
    pub sort: SortKeys,
    /// The header block itself (`0..header_len`), when it is UTF-8 (nearly always): header-first
    /// synchronisation (`BODY.PEEK[HEADER.FIELDS (…)]`, `RFC822.HEADER`) then reads no message content.
    /// Absent from summaries stored before it existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

impl Default for MessageSummary {
    fn default() -> Self {
        MessageSummary {
            format: FORMAT_VERSION,
            size: 0,
            header_len: 0,
            envelope: Envelope::default(),
            body: BodyPart::default(),
            preview: None,
            sort: SortKeys::default(),
            header: None,
        }
    }
}

/// A stored summary could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum SummaryError {
    #[error("message summary: cannot decode stored summary: {0}")]
    Decode(#[from] serde_json::Error),
}

/// Computes the summary of a raw RFC 5322 message.
///
/// Never fails: a mail server stores whatever it accepted, so malformed input
/// gets a best-effort structure (text/plain where nothing better can be said).
pub fn ingest(raw: &[u8]) -> MessageSummary {
    let body = parse_tree(raw);
    let header = &raw[body.mime_header()];
    MessageSummary {
        format: FORMAT_VERSION,
        size: raw.len() as u64,
        header_len: body.body_start,
        envelope: Envelope::from_header_block(header),
        sort: SortKeys::from_header_block(header),
        preview: preview(raw, &body),
        header: std::str::from_utf8(header).ok().map(str::to_owned),
        body,
    }
}

/// What the store keeps about a new message besides its bytes: the serialised summary, the identifiers that
/// thread it and the text its full-text index finds it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    pub summary: Vec<u8>,
    pub thread: ThreadKeys,
    pub text: SearchText,
}

/// [`ingest`] for storing: every writer of messages (SMTP delivery, IMAP APPEND, JMAP, import) calls this one.
pub fn index(raw: &[u8]) -> Indexed {
    let summary = ingest(raw);
    Indexed {
        thread: summary.thread_keys(raw),
        text: Searchable::for_index(raw, &summary.body),
        summary: summary.to_bytes(),
    }
}

impl MessageSummary {
    /// Serialised form for the store.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain strings, numbers and vectors cannot fail; an empty
        // vector would only make `from_bytes` fail later, and visibly.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a summary written by [`MessageSummary::to_bytes`], possibly by an
    /// older version (missing fields take their defaults).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SummaryError> {
        Ok(serde_json::from_slice(bytes)?)
    }

    /// The identifiers that thread this message (`Message-ID:`, `In-Reply-To:`, `References:`), read from
    /// `raw`, the message this summary was made from.
    pub fn thread_keys(&self, raw: &[u8]) -> ThreadKeys {
        let header = raw.get(self.header()).unwrap_or_default();
        let value = |name| first_value(header, name);
        ThreadKeys::from_headers(
            value("Message-ID").as_deref(),
            value("In-Reply-To").as_deref(),
            value("References").as_deref(),
        )
    }

    /// Range of the message header (`HEADER`, `RFC822.HEADER`).
    pub fn header(&self) -> Range<usize> {
        self.body.mime_header()
    }

    /// Range of the message text (`TEXT`, `RFC822.TEXT`).
    pub fn text(&self) -> Range<usize> {
        self.body.body()
    }

    /// The part with IMAP section number `section` (RFC 9051 §6.4.5), e.g.
    /// `&[2, 1]` for `2.1`; `&[]` is the message itself.
    ///
    /// A non-multipart message (or encapsulated message) has one part, `1`, its
    /// body. Numbers after a message/rfc822 part count inside the message it
    /// encapsulates.
    pub fn part(&self, section: &[u32]) -> Option<&BodyPart> {
        let mut container = &self.body;
        let mut found = &self.body;
        for (index, &number) in section.iter().enumerate() {
            if index > 0 {
                container = match &found.message {
                    Some(message) => &message.body,
                    None if found.is_multipart() => found,
                    None => return None,
                };
            }
            found = container.numbered(number)?;
        }
        Some(found)
    }
}
