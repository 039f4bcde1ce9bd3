//! Message flags: the five stored system flags as a bitset, and keywords.
//!
//! `\Recent` is deliberately absent: IMAP4rev2 removed it (RFC 9051 Appendix E) and it is session state, not
//! message state.

use std::collections::BTreeSet;

use crate::error::StoreError;

/// The stored system flags (RFC 9051 §2.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SystemFlags(u8);

impl SystemFlags {
    pub const NONE: SystemFlags = SystemFlags(0);
    pub const SEEN: SystemFlags = SystemFlags(1);
    pub const ANSWERED: SystemFlags = SystemFlags(1 << 1);
    pub const FLAGGED: SystemFlags = SystemFlags(1 << 2);
    pub const DELETED: SystemFlags = SystemFlags(1 << 3);
    pub const DRAFT: SystemFlags = SystemFlags(1 << 4);
    const ALL_BITS: u8 = 0b1_1111;

    /// Every flag with its IMAP spelling, in the order they are usually written.
    pub const NAMES: [(SystemFlags, &'static str); 5] = [
        (SystemFlags::SEEN, "\\Seen"),
        (SystemFlags::ANSWERED, "\\Answered"),
        (SystemFlags::FLAGGED, "\\Flagged"),
        (SystemFlags::DELETED, "\\Deleted"),
        (SystemFlags::DRAFT, "\\Draft"),
    ];

    /// The bits as stored; unknown bits from a future schema are dropped.
    pub fn from_bits(bits: u8) -> SystemFlags {
        SystemFlags(bits & Self::ALL_BITS)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn contains(self, other: SystemFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: SystemFlags) -> SystemFlags {
        SystemFlags(self.0 | other.0)
    }

    pub fn difference(self, other: SystemFlags) -> SystemFlags {
        SystemFlags(self.0 & !other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Parses an IMAP system flag name, case-insensitively (RFC 9051 §9: flag names are case-insensitive).
    pub fn from_name(name: &str) -> Option<SystemFlags> {
        Self::NAMES.iter().find(|(_, spelled)| spelled.eq_ignore_ascii_case(name)).map(|(flag, _)| *flag)
    }

    /// The IMAP names of the flags set, in canonical order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES.into_iter().filter(move |(flag, _)| self.contains(*flag)).map(|(_, name)| name)
    }
}

impl std::ops::BitOr for SystemFlags {
    type Output = SystemFlags;
    fn bitor(self, rhs: SystemFlags) -> SystemFlags {
        self.union(rhs)
    }
}

/// User keywords (RFC 9051 §2.3.2 "keyword"), kept sorted and without duplicates.
pub type Keywords = BTreeSet<String>;

/// Longest keyword we store: keywords are short tags, and a bound keeps rows small.
pub const MAX_KEYWORD_LEN: usize = 128;

/// Most keywords one message may carry.
pub const MAX_KEYWORDS: usize = 64;

/// Refuses keywords that could not be written back as an IMAP atom (RFC 9051 §9 `flag-keyword = atom`), and
/// system-flag spellings (they start with `\`).
pub fn validate_keyword(keyword: &str) -> Result<(), StoreError> {
    let is_atom_char = |c: char| c.is_ascii_graphic() && !matches!(c, '(' | ')' | '{' | '%' | '*' | '"' | '\\' | ']');
    if keyword.is_empty() || keyword.len() > MAX_KEYWORD_LEN || !keyword.chars().all(is_atom_char) {
        return Err(StoreError::InvalidKeyword(keyword.to_owned()));
    }
    Ok(())
}

pub(crate) fn validate_keywords(keywords: &Keywords) -> Result<(), StoreError> {
    if keywords.len() > MAX_KEYWORDS {
        return Err(StoreError::TooManyKeywords(keywords.len()));
    }
    keywords.iter().try_for_each(|k| validate_keyword(k))
}

/// How STORE combines the given flags with the current ones (RFC 9051 §6.4.6: `FLAGS`, `+FLAGS`, `-FLAGS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagOp {
    Set,
    Add,
    Remove,
}

/// One STORE request, applied to every message it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagChange {
    pub op: FlagOp,
    pub flags: SystemFlags,
    pub keywords: Keywords,
}

impl FlagChange {
    /// The flags a message ends with once this change is applied to what it has.
    pub fn apply(&self, flags: SystemFlags, keywords: &Keywords) -> (SystemFlags, Keywords) {
        match self.op {
            FlagOp::Set => (self.flags, self.keywords.clone()),
            FlagOp::Add => (flags.union(self.flags), keywords.union(&self.keywords).cloned().collect()),
            FlagOp::Remove => (flags.difference(self.flags), keywords.difference(&self.keywords).cloned().collect()),
        }
    }
}

/// Keywords are atoms (no spaces), so one space-separated text column holds them, in either backend.
pub(crate) fn keywords_to_text(keywords: &Keywords) -> String {
    keywords.iter().map(String::as_str).collect::<Vec<_>>().join(" ")
}

pub(crate) fn keywords_from_text(text: &str) -> Keywords {
    text.split(' ').filter(|k| !k.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(words: &[&str]) -> Keywords {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn flag_names_parse_case_insensitively_and_print_canonically() {
        let flags = SystemFlags::from_name("\\SEEN").unwrap() | SystemFlags::from_name("\\draft").unwrap();
        assert_eq!(flags.names().collect::<Vec<_>>(), ["\\Seen", "\\Draft"]);
        assert_eq!(SystemFlags::from_name("\\Recent"), None);
    }

    #[test]
    fn add_remove_and_set_combine_as_imap_store_says() {
        let have = (SystemFlags::SEEN, kw(&["a", "b"]));
        let add = FlagChange { op: FlagOp::Add, flags: SystemFlags::FLAGGED, keywords: kw(&["c"]) };
        let remove = FlagChange { op: FlagOp::Remove, flags: SystemFlags::SEEN, keywords: kw(&["a"]) };
        let set = FlagChange { op: FlagOp::Set, flags: SystemFlags::DELETED, keywords: kw(&[]) };
        assert_eq!(add.apply(have.0, &have.1), (SystemFlags::SEEN | SystemFlags::FLAGGED, kw(&["a", "b", "c"])));
        assert_eq!(remove.apply(have.0, &have.1), (SystemFlags::NONE, kw(&["b"])));
        assert_eq!(set.apply(have.0, &have.1), (SystemFlags::DELETED, kw(&[])));
    }

    #[test]
    fn keywords_that_are_not_atoms_are_refused() {
        assert!(validate_keyword("$Forwarded").is_ok());
        for bad in ["", "two words", "\\Seen", "par(en", "\u{e9}t\u{e9}", &"x".repeat(129)] {
            assert!(validate_keyword(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn unknown_stored_bits_are_ignored() {
        assert_eq!(SystemFlags::from_bits(0xff).bits(), 0b1_1111);
    }
}
