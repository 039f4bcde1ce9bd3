//! Facteur's IMAP server: IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC 3501) sessions on top of the store.
//!
//! A session reads bytes into the `facteur-imap-proto` command reader, dispatches each typed command on its
//! state (`NotAuthenticated → Authenticated → Selected → Logout`, see `state.rs`), and writes typed responses.
//! Each selected session keeps its own UID↔sequence-number map and catches up with other sessions (other
//! devices, SMTP delivery, POP3) by reading the store's changes since the MODSEQ it last saw, woken by the
//! store's change bus; it reports them only where RFC 9051 §7 allows.
//!
//! Beyond the base protocol: CONDSTORE/QRESYNC, IDLE, SORT and THREAD (RFC 5256), ESORT, QUOTA (RFC 9208),
//! COMPRESS=DEFLATE (RFC 4978), BINARY, MOVE, SPECIAL-USE; `capability.rs` is the list a client sees.
//!
//! Deliberately not here: the IMAP grammar (the proto crate), TLS, sockets and reading (`facteur-net`), the
//! login flow and SASL decoding (`facteur-auth`), MIME parsing (`facteur-message`, done once at ingest).

/// The base subject of RFC 5256 §2.1, for SORT and THREAD.
mod base_subject;
/// Content-transfer decoding for FETCH BINARY (RFC 3516).
mod binary;
/// The CAPABILITY list for a session's state.
mod capability;
/// The command families, one file each.
mod commands;
/// COMPRESS=DEFLATE (RFC 4978): the two DEFLATE streams, sans-IO.
mod compress;
/// From stored message summaries to ENVELOPE, BODYSTRUCTURE, flags, dates.
mod convert;
/// Which state may run which command: the one visible match.
mod dispatch;
/// The connection side of a session: reading commands, buffering and flushing responses.
mod io;
/// `\Recent` claims: which session a new message is recent for.
mod recent;
/// Body sections `BODY[…]` located in a stored message.
mod sections;
/// The selected mailbox: its sequence-number map and its catching up with other sessions.
mod selected;
/// The engine and its `ConnectionHandler` implementation.
mod server;
/// The connection loop.
mod session;
/// Operator settings.
mod settings;
/// The session states.
mod state;
/// Decoded message summaries, cached per blob.
mod summaries;
/// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256), sans-IO.
mod threading;

pub use server::ImapServer;
pub use settings::Settings;
