//! Maildir file names: `UNIQUE:2,LETTERS`. The letters are flags in ASCII order; the standard ones are D
//! (draft), F (flagged), P (passed), R (replied), S (seen), T (trashed), and Dovecot adds `a`–`z` for keywords.
//!
//! How they map to IMAP: D `\Draft`, F `\Flagged`, R `\Answered`, S `\Seen`, T `\Deleted` (Dovecot and mbsync
//! agree), P the `$Forwarded` keyword (as mbsync maps it).
//! Some systems cannot put `:` in a file name; mbsync then writes `;` (its `InfoDelimiter`), read here too.

use crate::flags::{FORWARDED, Flags, SystemFlag};
use crate::maildir::keywords::KeywordTable;

/// The standard letters, in the ASCII order they are written in, with what each stands for.
const LETTERS: [(char, Letter); 6] = [
    ('D', Letter::System(SystemFlag::Draft)),
    ('F', Letter::System(SystemFlag::Flagged)),
    ('P', Letter::Keyword(FORWARDED)),
    ('R', Letter::System(SystemFlag::Answered)),
    ('S', Letter::System(SystemFlag::Seen)),
    ('T', Letter::System(SystemFlag::Deleted)),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Letter {
    System(SystemFlag),
    Keyword(&'static str),
}

/// A file name of a Maildir's `cur/` or `new/`, cut in two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaildirName<'a> {
    /// What makes the name unique; starts with the delivery time in unix seconds by convention.
    pub unique: &'a str,
    /// The flag letters after `:2,`, if the name has an info part of that version.
    pub letters: Option<&'a str>,
}

impl<'a> MaildirName<'a> {
    /// Reads a file name. Anything is a name: a file without an info part has no flags.
    pub fn parse(name: &'a str) -> MaildirName<'a> {
        for delimiter in [":2,", ";2,"] {
            if let Some((unique, letters)) = name.rsplit_once(delimiter) {
                return MaildirName { unique, letters: Some(letters) };
            }
        }
        let unique = name.split_once([':', ';']).map_or(name, |(unique, _)| unique);
        MaildirName { unique, letters: None }
    }

    /// The delivery time the name starts with (the unix seconds before the first `.`), if it does.
    pub fn delivery_time(&self) -> Option<i64> {
        let digits = self.unique.split('.').next()?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    }

    /// The flags the letters stand for; keyword letters are looked up in `keywords`, and unknown letters are
    /// ignored (as Dovecot ignores them).
    pub fn flags(&self, keywords: &KeywordTable) -> Flags {
        let mut flags = Flags::default();
        for letter in self.letters.unwrap_or_default().chars() {
            match LETTERS.iter().find(|(known, _)| *known == letter) {
                Some((_, Letter::System(flag))) => {
                    flags.system.insert(*flag);
                }
                Some((_, Letter::Keyword(keyword))) => {
                    flags.keywords.insert((*keyword).to_owned());
                }
                None => {
                    if let Some(keyword) = keywords.keyword(letter) {
                        flags.keywords.insert(keyword.to_owned());
                    }
                }
            }
        }
        flags
    }
}

/// The letters for `flags`, in ASCII order, giving keywords letters from `keywords` (which grows as needed).
/// Also returns the keywords left out: the table has room for 26.
pub fn letters(flags: &Flags, keywords: &mut KeywordTable) -> (String, Vec<String>) {
    let mut letters: Vec<char> = Vec::new();
    for (letter, meaning) in LETTERS {
        let set = match meaning {
            Letter::System(flag) => flags.has(flag),
            Letter::Keyword(keyword) => flags.keywords.contains(keyword),
        };
        if set {
            letters.push(letter);
        }
    }
    let mut left_out = Vec::new();
    for keyword in flags.keywords.iter().filter(|keyword| keyword.as_str() != FORWARDED) {
        match keywords.letter_for(keyword) {
            Some(letter) => letters.push(letter),
            None => left_out.push(keyword.clone()),
        }
    }
    letters.sort_unstable();
    (letters.into_iter().collect(), left_out)
}

/// A file name for `cur/`: `UNIQUE:2,LETTERS`.
pub fn file_name(unique: &str, letters: &str) -> String {
    format!("{unique}:2,{letters}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system(flags: &[SystemFlag]) -> Flags {
        Flags { system: flags.iter().copied().collect(), keywords: Default::default() }
    }

    #[test]
    fn mbsync_and_dovecot_names_are_read() {
        let mbsync = MaildirName::parse("1700000000.12345_3.host,U=7:2,FS");
        assert_eq!(mbsync.unique, "1700000000.12345_3.host,U=7");
        assert_eq!(mbsync.delivery_time(), Some(1_700_000_000));
        assert_eq!(mbsync.flags(&KeywordTable::default()), system(&[SystemFlag::Flagged, SystemFlag::Seen]));
        let dovecot = MaildirName::parse("1700000001.M20P30.mail,S=120,W=124:2,RT");
        assert_eq!(dovecot.flags(&KeywordTable::default()), system(&[SystemFlag::Answered, SystemFlag::Deleted]));
        let windows = MaildirName::parse("1700000002.x;2,D");
        assert_eq!(windows.flags(&KeywordTable::default()), system(&[SystemFlag::Draft]));
    }

    #[test]
    fn a_name_in_new_has_no_flags_and_may_have_no_time() {
        let name = MaildirName::parse("delivered-by-hand");
        assert_eq!((name.unique, name.letters, name.delivery_time()), ("delivered-by-hand", None, None));
    }

    #[test]
    fn keyword_letters_come_from_the_table_and_p_is_forwarded() {
        let table = KeywordTable::parse(b"0 $Junk\n1 project-x\n");
        let flags = MaildirName::parse("1.a.b:2,PSb").flags(&table);
        assert_eq!(flags.keywords.iter().map(String::as_str).collect::<Vec<_>>(), ["$Forwarded", "project-x"]);
    }

    #[test]
    fn letters_are_written_in_ascii_order_and_read_back() {
        let mut flags = system(&[SystemFlag::Seen, SystemFlag::Draft, SystemFlag::Deleted, SystemFlag::Answered]);
        flags.keywords.extend(["zeta".to_owned(), "$Forwarded".to_owned(), "alpha".to_owned()]);
        let mut table = KeywordTable::default();
        let (letters, left_out) = letters(&flags, &mut table);
        assert_eq!(letters, "DPRSTab");
        assert!(left_out.is_empty());
        assert_eq!(MaildirName::parse(&file_name("1.2.h", &letters)).flags(&table), flags);
    }
}
