//! rspamd, for those who run it (issue 18): each inbound message is sent to a running rspamd over its HTTP
//! protocol (`POST /checkv2`), and its action and symbols join the verdict in place of, or beside, the
//! built-in score. If rspamd is unreachable or slow, the built-in score applies alone.
//!
//! - [`request`]: the facts of the SMTP dialogue as rspamd's header fields (sans-IO);
//! - [`reply`]: rspamd's JSON reply read into owned, bounded values; its symbols are [`Reason`](crate::Reason)s;
//! - [`client`]: the HTTP/1.1 exchange with rspamd under a deadline.
//!
//! The client is the one part of this crate that does I/O; the request and the reply are sans-IO like the rest.
//! What this module does not do: decide. The verdict weighs rspamd's reply with the rest.

pub mod client;
pub mod reply;
pub mod request;
mod text;

pub use client::{MAX_REPLY_BYTES, RspamdClient, RspamdError};
/// The message body's type in [`RspamdRequest`] (hyper's, re-exported so callers need no `bytes` dependency).
pub use hyper::body::Bytes;
pub use reply::{MAX_SYMBOLS, MilterChanges, ReplyError, RspamdAction, RspamdReply, parse_reply};
pub use request::{RequestError, RspamdRequest};
