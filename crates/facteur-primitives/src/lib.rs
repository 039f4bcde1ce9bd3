//! The mail primitives every other Facteur crate agrees on, each written once:
//!
//! - what a domain name and an address look like (one syntax rule for the SMTP envelope, the store and the
//!   web faces, so a name one accepts is never refused by another);
//! - the calendar: unix seconds to civil dates and RFC 5322 date-times, and back;
//! - the clock, in unix seconds;
//! - the names of every exported metric, so each protocol records with the same ones;
//! - the message identifiers that place a message in a conversation (threads for JMAP and the webmail).
//!
//! Deliberately not here: anything with I/O, a store, a socket or a configuration. This crate sits at the
//! bottom of the graph and depends on no other Facteur crate.

/// Domain names and `local@domain` addresses: the one syntax rule.
pub mod address;
/// Unix seconds, civil dates and RFC 5322 date-times.
pub mod calendar;
/// Every metric Facteur exports, with its label names.
pub mod metrics;
/// [`client_network`]: what one client is.
pub mod network;
/// [`SearchText`]: a message's searchable text, for the full-text index.
pub mod search;
/// Sizes as people write and read them (`500M`, `1.5 GiB`).
pub mod size;
/// The message identifiers that thread a conversation.
pub mod thread;

pub use address::{Address, AddressError, Domain, DomainName, domain_of};
pub use calendar::{
    CivilDate, asctime, days_from_civil, parse_rfc3339, parse_trailing_asctime, rfc3339_utc, rfc5322_date, unix_now,
};
pub use network::client_network;
pub use search::SearchText;
pub use size::{SizeError, human_size, parse_size};
pub use thread::ThreadKeys;
