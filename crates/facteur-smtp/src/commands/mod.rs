//! Command handlers, one file per command family. Each is an `impl Session` block that asks the state
//! machine (`state.rs`) whether the command is allowed, gathers facts from the store, applies the policy
//! functions, and returns the reply.

/// AUTH (RFC 4954) with PLAIN and LOGIN.
mod auth;
/// DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030), and what both do with a complete message.
mod data;
/// EHLO and HELO (RFC 5321 §4.1.1.1), and the capabilities we announce.
mod hello;
/// What an account may send per hour, asked at MAIL and RCPT on submission.
mod limits;
/// MAIL FROM (RFC 5321 §4.1.1.2) and its ESMTP parameters.
mod mail;
/// RCPT TO (RFC 5321 §4.1.1.3): relay control, recipient resolution, DSN parameters.
mod rcpt;
/// RSET, VRFY, HELP (NOOP and QUIT need no handler).
mod simple;
/// STARTTLS (RFC 3207).
mod starttls;
