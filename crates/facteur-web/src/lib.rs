//! Facteur's webmail: a JMAP client (RFC 8620, RFC 8621) written in plain JavaScript, served by Facteur itself
//! on its https listeners, talking to the JMAP server of `facteur-jmap` like any other client.
//!
//! This crate serves the app's files, exchanges a password for a session cookie (and logs out), turns a
//! message's HTML into a document safe to show, and reads and saves the Filters page's rules and out-of-office
//! reply (`facteur-filters`' generated Sieve script, which JMAP has no object for but VacationResponse).
//! Everything else (mailboxes, messages, sending) is JMAP, called by the page.
//!
//! It also serves the admin page (`/admin`, [`admin_router`]) on the same stack, for accounts marked admin:
//! its endpoints call `facteur-admin`'s operations, the command line's own.
//!
//! Deliberately not here: any JMAP method (the page calls `facteur-jmap`'s endpoints), any build step for
//! the front end (no Node, nothing compiled: see README.md), any inline script (the app's CSP forbids it).

/// The admin page's endpoints.
mod admin;
/// The app's embedded files.
mod assets;
/// A second, independent reading of sanitised HTML; public for the fuzz target.
pub mod audit;
/// The session cookie.
mod cookie;
/// The `style` attribute filter.
mod css;
/// Refusals and their statuses.
mod error;
/// The Filters page's rules and out-of-office reply.
mod filters;
/// Security headers and the two CSPs.
mod headers;
/// A message's HTML as a sandboxed document.
mod message;
/// What the endpoints read: JSON only.
mod request;
/// Paths, limits, headers.
mod routes;
/// The HTML sanitiser, a pure function.
pub mod sanitize;
/// Login, session, logout.
mod session;

pub use admin::{AdminSettings, admin_router};
pub use error::WebError;
pub use headers::{APP_CSP, MESSAGE_CSP, MESSAGE_CSP_REMOTE_IMAGES};
pub use routes::{MAX_REQUEST_BODY, router};
pub use sanitize::{InlineImages, RemoteImages, sanitize_html};
