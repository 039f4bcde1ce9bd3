//! Whether a message is wanted (issue 18). SPF, DKIM and DMARC say who sent a message; this crate says
//! whether anyone asked for it, from parts an administrator and a user can read back:
//!
//! - [`content`]: the cheap tricks seen in the message itself (the GTUBE test string, a forged date or
//!   Message-ID, a From that imitates our own domain, executable attachments, URL shorteners);
//! - each part gives [`Reason`]s, scored; their sum and the configured thresholds make the verdict.
//!
//! The logic is sans-IO: the callers (the SMTP session, delivery, IMAP/JMAP training) do the lookups and the
//! store reads, and hand the answers in.

pub mod content;
mod reason;
/// rspamd's verdict over its HTTP protocol, for those who run it.
pub mod rspamd;

pub use reason::Reason;
