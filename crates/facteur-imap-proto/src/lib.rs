//! The IMAP grammar for Facteur: IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC 3501) with the
//! extensions the server advertises (CONDSTORE/QRESYNC, ESEARCH, LIST-EXTENDED,
//! LIST-STATUS, SPECIAL-USE, CREATE-SPECIAL-USE, MOVE, UIDPLUS, ENABLE, ID, NAMESPACE,
//! QUOTA, SORT/THREAD, BINARY, LITERAL+/LITERAL-, UTF8=ACCEPT, COMPRESS, IDLE, SASL-IR,
//! STATUS=SIZE, APPENDLIMIT).
//!
//! Bytes in, typed commands out ([`CommandReader`]); typed responses in, bytes out
//! ([`ResponseWriter`]). The reader is incremental: it asks for continuation requests
//! when a synchronising literal is announced and streams APPEND message data instead of
//! holding it, and every size it accepts is bounded by [`Limits`].
//!
//! A session drives the reader like this (the answers are the session's business):
//!
//! ```
//! use facteur_imap_proto::*;
//!
//! let mut reader = CommandReader::new(Limits::default());
//! let writer = ResponseWriter::default();
//! let mut out = Vec::new();
//! reader.push(b"A1 LOGIN {4}\r\n");
//! loop {
//!     match reader.next_event() {
//!         Ok(Event::NeedMore) => break, // read more from the socket, push, repeat
//!         Ok(Event::Continue { .. }) => {
//!             let go_ahead = ContinueRequest::Text("Ready for literal data".into());
//!             writer.write(&Response::Continue(go_ahead), &mut out);
//!         }
//!         Ok(Event::Command(command)) => { /* dispatch on command.body */ }
//!         Ok(Event::AppendStart(_) | Event::AppendData(_) | Event::AppendEnd(_)) => {
//!             /* stream the message to a temporary blob, then store it */
//!         }
//!         Err(error) => {
//!             let mut bad = StatusResponse::bad(error.tag.clone(), error.to_string());
//!             if error.is_too_big() {
//!                 bad = bad.with_code(ResponseCode::TooBig);
//!             }
//!             writer.write(&Response::Status(bad), &mut out);
//!         }
//!     }
//! }
//! assert_eq!(out, b"+ Ready for literal data\r\n");
//! ```
//!
//! Deliberately absent: sockets, TLS, compression, the store, configuration and every
//! decision about what a command *means* (state checks, permissions, which extensions
//! are enabled). Those belong to the server crate; a parser bug and a policy bug then
//! live in different rooms.

/// Commands as typed values.
pub mod command;
/// Calendar dates and date-times.
pub mod datetime;
/// Parse and reader errors.
pub mod error;
/// FETCH attributes and body sections.
pub mod fetch;
/// Message flags.
pub mod flag;
/// Limits the reader enforces.
pub mod limits;
/// Mailbox names and their wire encodings.
pub mod mailbox;
/// Modified UTF-7 (RFC 3501 §5.1.3).
pub mod mutf7;
/// The grammar productions.
mod parse;
/// The incremental command reader.
pub mod reader;
/// Responses as typed values.
pub mod response;
/// SEARCH, SORT and THREAD vocabulary.
pub mod search;
/// UIDs, sequence numbers and sequence sets.
pub mod sequence;
/// Serialising responses.
pub mod writer;

pub use command::{
    Command, CommandBody, FetchCommand, InitialResponse, ListCommand, ListReturn, ListSelection, MailboxAttr, Password,
    QresyncParams, SearchCommand, SelectParams, SortCommand, StatusItem, StoreCommand, StoreMode, Tag, ThreadCommand,
};
pub use datetime::{Date, DateTime};
pub use error::{CommandError, CommandErrorKind, SyntaxError};
pub use fetch::{FetchAttr, Partial, Section, SectionText};
pub use flag::{Flag, PermanentFlag};
pub use limits::{Limits, NonSyncLiterals};
pub use mailbox::{ListPattern, MailboxName, NameEncoding};
pub use parse::AppendStart;
pub use reader::{CommandReader, Event};
pub use response::*;
pub use search::{SearchKey, SearchReturn, SortCriterion, SortKey, ThreadAlgorithm};
pub use sequence::{MessageNumber, MessageSet, SeqBound, SeqNum, SeqRange, SeqSet, Uid};
pub use writer::ResponseWriter;
