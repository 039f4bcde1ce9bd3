//! Parse-once ingest of RFC 5322 messages.
//!
//! When a message arrives (SMTP delivery, IMAP APPEND), [`ingest`] computes once
//! everything IMAP later needs and returns it as a [`MessageSummary`] to be stored
//! next to the message's blob: ENVELOPE data, the MIME tree with BODYSTRUCTURE data,
//! byte offsets of every part's header and body, sizes, line counts, a preview and
//! SORT/SEARCH keys. FETCH of `ENVELOPE`, `BODYSTRUCTURE`, `BODY[1.2.MIME]`,
//! `RFC822.SIZE`, ... then slices the stored bytes at these offsets instead of
//! parsing the message again.
//!
//! What this crate deliberately does not do: no I/O, and no IMAP syntax. It produces
//! typed values; quoting them as IMAP strings, NIL and parenthesised lists is the
//! IMAP response writer's job. Values meant for IMAP are raw (encoded-words stay
//! encoded, as RFC 9051 §7.5.2 requires); only [`SortKeys`] and the preview are
//! decoded.
//!
//! Hostile input is safe: [`ingest`] never panics and never fails, nesting is
//! bounded by [`MAX_DEPTH`], the number of parts by [`MAX_PARTS`], and every pass
//! is linear in the input per nesting level.

/// ENVELOPE address lists: the RFC 5322 address parser and [`Address`].
mod address;
/// [`encode_binary_parts`]: binary parts re-encoded as base64 for IMAP strings.
mod binary;
/// [`BodyPart`]: the BODYSTRUCTURE data and offsets of one MIME part.
mod body;
/// `Content-Type`, `Content-Disposition` and friends, parsed raw.
mod content;
/// [`Envelope`]: ENVELOPE data from raw header fields.
mod envelope;
/// Header blocks split into raw fields; [`header_fields`].
mod header;
/// Tokenizer shared by the address and MIME field parsers.
mod lexer;
/// The MIME splitter that builds the part tree with exact offsets.
mod mime;
/// [`part_text`]: a part's decoded text.
mod part_text;
/// The decoded text preview.
mod preview;
/// [`Searchable`]: the text SEARCH compares, and what the full-text index keeps.
mod search_text;
/// [`SortKeys`]: decoded values for SORT and SEARCH.
mod sort_keys;
/// [`MessageSummary`], [`ingest`], storage form and section lookup.
mod summary;

pub use address::{Address, parse_address_list};
pub use binary::encode_binary_parts;
pub use body::{BodyPart, Disposition, EncapsulatedMessage, Parameter};
pub use envelope::Envelope;
pub use header::{HeaderField, HeaderFields, header_fields, header_length, without_fields};
pub use mime::{MAX_DEPTH, MAX_PARTS};
pub use part_text::{part_text, readable_text};
pub use preview::PREVIEW_CHARS;
pub use search_text::{INDEX_TEXT_LIMIT, Searchable, fold};
pub use sort_keys::{SortAddress, SortKeys};
pub use summary::{FORMAT_VERSION, Indexed, MessageSummary, SummaryError, index, ingest};
