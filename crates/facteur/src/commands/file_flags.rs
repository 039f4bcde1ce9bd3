//! What Maildir and mbox files say about flags (`facteur_mailbox_formats::Flags`) as the store keeps it, and
//! back: the same five system flags, and keywords the store can keep (IMAP atoms, at most 64 a message).

use facteur_mailbox_formats::{Flags, SystemFlag};
use facteur_store::flags::{MAX_KEYWORDS, validate_keyword};
use facteur_store::{Keywords, SystemFlags};

const SYSTEM_FLAGS: [(SystemFlag, SystemFlags); 5] = [
    (SystemFlag::Seen, SystemFlags::SEEN),
    (SystemFlag::Answered, SystemFlags::ANSWERED),
    (SystemFlag::Flagged, SystemFlags::FLAGGED),
    (SystemFlag::Deleted, SystemFlags::DELETED),
    (SystemFlag::Draft, SystemFlags::DRAFT),
];

/// The flags the store keeps for `flags`, and the keywords it cannot keep (to be reported, not lost quietly).
pub fn to_store(flags: &Flags) -> (SystemFlags, Keywords, Vec<String>) {
    let system = SYSTEM_FLAGS
        .iter()
        .filter(|(flag, _)| flags.has(*flag))
        .fold(SystemFlags::NONE, |all, (_, stored)| all.union(*stored));
    let (mut keywords, mut left_out) = (Keywords::new(), Vec::new());
    for keyword in &flags.keywords {
        if validate_keyword(keyword).is_ok() && keywords.len() < MAX_KEYWORDS {
            keywords.insert(keyword.clone());
        } else {
            left_out.push(keyword.clone());
        }
    }
    (system, keywords, left_out)
}

/// The store's flags as the files write them.
pub fn from_store(system: SystemFlags, keywords: &Keywords) -> Flags {
    Flags {
        system: SYSTEM_FLAGS.iter().filter(|(_, stored)| system.contains(*stored)).map(|(flag, _)| *flag).collect(),
        keywords: keywords.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_go_to_the_store_and_back_and_odd_keywords_are_reported() {
        let mut flags = Flags::default();
        flags.system.extend([SystemFlag::Seen, SystemFlag::Draft]);
        flags.keywords.extend(["$Forwarded".to_owned(), "two words".to_owned()]);
        let (system, keywords, left_out) = to_store(&flags);
        assert_eq!(system, SystemFlags::SEEN | SystemFlags::DRAFT);
        assert_eq!(left_out, ["two words"]);
        flags.keywords.remove("two words");
        assert_eq!(from_store(system, &keywords), flags);
    }
}
