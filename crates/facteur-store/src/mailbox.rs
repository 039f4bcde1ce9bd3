//! Mailboxes: their IMAP state, special-use roles (RFC 6154) and name rules.

use std::fmt;
use std::str::FromStr;

use crate::error::StoreError;
use crate::ids::{MailboxId, ModSeq, Uid, UidValidity};

/// The hierarchy separator of mailbox names.
pub const SEPARATOR: char = '/';

/// The name of the one mailbox every account has, which is matched case-insensitively (RFC 9051 §5.1).
pub const INBOX: &str = "INBOX";

/// Longest mailbox name, in bytes: generous for deep hierarchies, small enough to keep rows bounded.
pub const MAX_NAME_LEN: usize = 1000;

/// A special-use role (RFC 6154 §2). At most one mailbox per account holds each role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpecialUse {
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
}

impl SpecialUse {
    const ALL: [(SpecialUse, &'static str); 7] = [
        (SpecialUse::All, "\\All"),
        (SpecialUse::Archive, "\\Archive"),
        (SpecialUse::Drafts, "\\Drafts"),
        (SpecialUse::Flagged, "\\Flagged"),
        (SpecialUse::Junk, "\\Junk"),
        (SpecialUse::Sent, "\\Sent"),
        (SpecialUse::Trash, "\\Trash"),
    ];

    /// The attribute as IMAP LIST writes it, e.g. `\Sent`.
    pub fn as_str(self) -> &'static str {
        Self::ALL.iter().find(|(role, _)| *role == self).map_or("", |(_, name)| name)
    }
}

impl fmt::Display for SpecialUse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SpecialUse {
    type Err = ();

    /// Case-insensitive, as IMAP attributes are.
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.iter().find(|(_, name)| name.eq_ignore_ascii_case(s)).map(|(role, _)| *role).ok_or(())
    }
}

/// The mailboxes every new account gets, all subscribed.
pub const DEFAULT_MAILBOXES: [(&str, Option<SpecialUse>); 6] = [
    (INBOX, None),
    ("Drafts", Some(SpecialUse::Drafts)),
    ("Sent", Some(SpecialUse::Sent)),
    ("Archive", Some(SpecialUse::Archive)),
    ("Junk", Some(SpecialUse::Junk)),
    ("Trash", Some(SpecialUse::Trash)),
];

/// A mailbox with the state IMAP SELECT/STATUS/LIST report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub id: MailboxId,
    pub name: String,
    pub special_use: Option<SpecialUse>,
    pub uidvalidity: UidValidity,
    /// The UID the next message will get.
    pub uidnext: Uid,
    pub highestmodseq: ModSeq,
    pub subscribed: bool,
    /// Number of messages.
    pub exists: u32,
    /// Number of messages without `\Seen`.
    pub unseen: u32,
    /// Sum of the message sizes, in bytes (RFC 9051 STATUS SIZE).
    pub size: u64,
}

/// Validates a mailbox name and spells INBOX canonically, including as the first level of a hierarchy
/// (`inbox/lists` → `INBOX/lists`), because RFC 9051 §5.1 makes INBOX case-insensitive.
pub fn normalize_mailbox_name(name: &str) -> Result<String, StoreError> {
    let invalid = |why| StoreError::InvalidMailboxName(name.to_owned(), why);
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(invalid("it is empty or longer than 1000 bytes"));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(invalid("it contains control characters"));
    }
    // RFC 9051 §5.1: `%` and `*` are LIST wildcards and cannot be told apart from names containing them.
    if name.contains(['%', '*']) {
        return Err(invalid("it contains a LIST wildcard (% or *)"));
    }
    if name.split(SEPARATOR).any(str::is_empty) {
        return Err(invalid("it has an empty hierarchy level (leading, trailing or doubled /)"));
    }
    let (first, rest) = match name.split_once(SEPARATOR) {
        Some((first, rest)) => (first, Some(rest)),
        None => (name, None),
    };
    if !first.eq_ignore_ascii_case(INBOX) {
        return Ok(name.to_owned());
    }
    Ok(match rest {
        Some(rest) => format!("{INBOX}{SEPARATOR}{rest}"),
        None => INBOX.to_owned(),
    })
}

/// The names of the levels above `name`, outermost first: `a/b/c` → `a`, `a/b`.
pub(crate) fn ancestors(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices(SEPARATOR).map(|(at, _)| &name[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_is_case_insensitive_also_as_a_parent() {
        assert_eq!(normalize_mailbox_name("inbox").unwrap(), "INBOX");
        assert_eq!(normalize_mailbox_name("InBox/Lists").unwrap(), "INBOX/Lists");
        assert_eq!(normalize_mailbox_name("Inboxes").unwrap(), "Inboxes");
    }

    #[test]
    fn malformed_names_are_refused() {
        for bad in ["", "/a", "a/", "a//b", "a*", "50%", "a\u{0}b", &"x".repeat(1001)] {
            assert!(normalize_mailbox_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(normalize_mailbox_name("Projets/été 2025").is_ok());
    }

    #[test]
    fn ancestors_are_listed_outermost_first() {
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(ancestors("a").count(), 0);
    }

    #[test]
    fn special_use_round_trips_through_its_attribute() {
        for (role, name) in SpecialUse::ALL {
            assert_eq!(name.to_lowercase().parse::<SpecialUse>(), Ok(role));
            assert_eq!(role.to_string(), name);
        }
    }
}
