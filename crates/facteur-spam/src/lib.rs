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
//! The logic is sans-IO: the callers (the SMTP session, delivery, IMAP/JMAP training) do the lookups and the
//! store reads, and hand the answers in.

mod account;
pub mod bayes;
pub mod content;
pub mod dns_lists;
mod reason;
pub mod training;
mod verdict;

pub use account::{AccountVerdict, Judged, Judgement};
pub use reason::Reason;
pub use verdict::{Action, OUR_FIELDS, Thresholds, Verdict, strip_our_fields};
