//! What an operator does to a running server, with each rule in one place: the command line
//! (`facteur account|alias|trace|queue …`) and the admin page (`facteur-web`) both call these, so a password
//! too short, an alias that loops or a quota that does not parse is refused with the same words on both.
//!
//! Deliberately not here: printing (the CLI's) and HTTP (the web's); DKIM keys and DNS checks, which need the
//! data directory and the configuration, are the binary's, offered to the admin page through [`DomainSetup`].

/// Adding accounts, their passwords and quotas, and their summary.
mod accounts;
/// Aliases whose targets exist and lead nowhere back.
mod aliases;
/// What the operations refuse.
mod error;
/// The queue as an operator reads it.
mod queue;
/// Domains: the binary's part.
mod site;
/// The delivery history's queries.
mod trace;

pub use accounts::{AccountSummary, MAX_PASSWORD_LEN, account_summaries, add_account, change_password, parse_quota};
pub use aliases::add_alias;
pub use error::AdminError;
pub use queue::{SHOWN_FIELDS, header_fields, is_waiting};
pub use site::DomainSetup;
pub use trace::{parse_age, trace_query};
