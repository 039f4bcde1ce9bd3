//! The flags a message carries in a mailbox file, in IMAP's terms (RFC 9051 §2.3.2). Each format spells them
//! its own way (Maildir letters, mbox `Status:` letters); this is what both are read into and written from.
//!
//! `\Recent` is absent: it is IMAP session state (and gone from IMAP4rev2), not something a file keeps.

use std::collections::BTreeSet;

/// An IMAP system flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SystemFlag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
}

/// System flags and keywords (`$Forwarded`, `$Junk`, a user's tags), each set kept sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub system: BTreeSet<SystemFlag>,
    pub keywords: BTreeSet<String>,
}

impl Flags {
    pub fn has(&self, flag: SystemFlag) -> bool {
        self.system.contains(&flag)
    }
}

/// The keyword mbsync writes as the Maildir letter `P` (passed), and mail clients set on a forwarded message
/// (IANA IMAP keywords registry, RFC 5788).
pub const FORWARDED: &str = "$Forwarded";
