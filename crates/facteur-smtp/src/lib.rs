//! Facteur's SMTP server: the MX face (port 25, mail from other servers for our domains) and the
//! submission face (587 with STARTTLS, 465 with implicit TLS: mail from our authenticated users to
//! anywhere), one engine behind [`SmtpServer`], which the listener drives through
//! [`facteur_net::ConnectionHandler`].
//!
//! It parses commands with `smtp-proto`, keeps each session's state in an explicit state machine, decides
//! relaying in one pure function, reads DATA in a way SMTP smuggling cannot fool, adds trace headers, and
//! answers `250` only once the store says the message is durable: local recipients get it in their INBOX at
//! once, remote ones through the store's outbound queue.
//!
//! Deliberately not here: sockets, TLS set-up, connection limits and line reading (`facteur-net`), the login
//! flow (`facteur-auth`), address resolution and storage (`facteur-store`), message parsing
//! (`facteur-message`). What happens to an accepted message is `facteur-delivery`'s: its one persist path
//! for MX mail, its submission path (sender ownership, DKIM signing, persist) for our users' mail, and its
//! engine for the outbound queue. SPF, DKIM and DMARC checks are `facteur-mailauth`'s: `sender_auth.rs` only
//! calls them at MAIL FROM and end of DATA and acts on their decision.

/// Envelope addresses split and normalised for routing decisions.
mod address;
/// Message content by DATA lines or BDAT chunks: limits, checks, the smuggling-proof end of data.
/// Public for the fuzz target (`fuzz/`), which feeds it hostile input as the session would.
pub mod body;
/// Command handlers, one file per command family.
mod commands;
/// Sender, recipients and ESMTP parameters of one transaction.
/// Public because [`body::MessageBody::verdict`] takes an [`envelope::Envelope`].
pub mod envelope;
/// Inbound events for the delivery history.
/// Greylisting at RCPT (RFC 6647).
mod greylist;
mod history;
/// THE relay decision.
mod relay;
/// Replies with RFC 3463 enhanced status codes.
mod reply;
/// SPF/DKIM/DMARC checks on the MX face; the signer handed to submission.
mod sender_auth;
/// The `SmtpServer` the listener drives.
mod server;
/// The read–handle–write loop of one session.
mod session;
/// Listener settings and their defaults.
mod settings;
/// The spam verdict at the end of DATA (`facteur-spam`'s checks, DNS lists).
mod spam;
/// The session state machine, without I/O.
mod state;
/// `Received:`, `Return-Path:`, transaction ids.
mod trace;

pub use sender_auth::{InboundChecks, SenderAuth};
pub use server::SmtpServer;
pub use settings::{Face, Settings};
pub use spam::{Rspamd, SpamChecks};
