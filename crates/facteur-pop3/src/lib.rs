//! Facteur's POP3 server: RFC 1939 (USER/PASS, STAT, LIST, RETR, DELE, NOOP, RSET, QUIT, TOP, UIDL) with
//! CAPA and extended response codes (RFC 2449, RFC 3206), STLS (RFC 2595) and SASL SCRAM-SHA-256(-PLUS),
//! PLAIN and LOGIN (RFC 5034), over the same store as IMAP: the maildrop is the account's INBOX.
//!
//! The promise to the user is that POP3 never loses mail: the message list is a snapshot taken at login,
//! DELE only marks, and deletions happen at QUIT only, atomically, in one store call; a dropped connection,
//! a timeout or a crash deletes nothing. A second POP3 session on the same maildrop is refused with
//! `[IN-USE]` while IMAP keeps working, whichever node of a shared database each session reached. UIDL
//! values derive from UIDVALIDITY and UID and never change.
//!
//! Deliberately not here: APOP (it needs clear-text passwords on the server, see
//! `commands/authorization.rs`), sockets, TLS and connection limits (`facteur-net`), password hashing and
//! SASL decoding (`facteur-auth`), storage (`facteur-store`).

/// The command grammar: one line in, one typed command out.
pub mod command;
/// Command handlers, one file per session state.
mod commands;
/// Message content on the wire: CRLF, dot-stuffing, chunks; the TOP cut.
pub mod content;
/// The maildrop lock behind `[IN-USE]`: a lease of the store, so it holds across nodes.
mod lock;
/// The snapshot of INBOX a session works on, with its deletion marks and UIDL values.
pub mod maildrop;
/// `+OK`, `-ERR [CODE]` and multi-line listings.
pub mod response;
/// The `Pop3Server` the listener drives.
mod server;
/// The read–dispatch–answer loop of one session, and its limits.
mod session;
/// Listener settings and their defaults.
mod settings;
/// AUTHORIZATION, TRANSACTION, UPDATE.
mod state;

pub use command::{Command, MessageNumber, ParseError};
pub use server::Pop3Server;
pub use settings::{DeleAction, MIN_IDLE_TIMEOUT, Settings};
