//! Whether a message is wanted (issue 18). SPF, DKIM and DMARC say who sent a message; this crate says
//! whether anyone asked for it, from parts an administrator and a user can read back:
//!
//! - [`content`]: the cheap tricks seen in the message itself (the GTUBE test string, a forged date or
//!   Message-ID, a From that imitates our own domain, executable attachments, URL shorteners);
//! - [`dns_lists`]: what DNS blocklists, allowlists and URI lists say about the client and the links;
//! - [`bayes`]: each account's own classifier, taught by [`training`] when its user moves mail into or out
//!   of Junk;
//! - each part gives [`Reason`]s, scored; their sum and the configured thresholds make the verdict.
//!
//! The rules are sans-IO: the SMTP session does the DNS lookups and hands the answers in. What touches the store
//! (an account's verdict, training) and rspamd's HTTP client are thin layers over them.

mod account;
pub mod bayes;
pub mod content;
pub mod dns_lists;
mod reason;
/// rspamd's verdict over its HTTP protocol, for those who run it.
pub mod rspamd;
pub mod training;
mod verdict;

pub use account::{AccountVerdict, Judged, Judgement};
pub use reason::Reason;
pub use verdict::{Action, OUR_FIELDS, Thresholds, Verdict, strip_our_fields};
