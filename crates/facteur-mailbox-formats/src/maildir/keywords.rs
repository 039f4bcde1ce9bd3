//! Dovecot's `dovecot-keywords` file, one per Maildir folder: lines `N NAME`, where N from 0 to 25 is the
//! keyword written as the letter `a` + N in file names. mbsync does not write keywords; Dovecot does.

/// The most keywords a folder can name: one per lowercase letter.
pub const MAX_KEYWORDS: usize = 26;

/// Which keyword each letter stands for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeywordTable {
    /// Index N is the keyword of letter `a` + N; `None` for a number the file skips.
    names: Vec<Option<String>>,
}

impl KeywordTable {
    /// Reads a `dovecot-keywords` file. Lines that are not `N NAME` with N below 26 are skipped.
    pub fn parse(file: &[u8]) -> KeywordTable {
        let mut table = KeywordTable::default();
        for line in file.split(|&b| b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else { continue };
            let Some((number, name)) = line.trim_end_matches('\r').split_once(' ') else { continue };
            let Ok(index) = number.parse::<usize>() else { continue };
            if index >= MAX_KEYWORDS || name.is_empty() || name.contains(char::is_whitespace) {
                continue;
            }
            if table.names.len() <= index {
                table.names.resize(index + 1, None);
            }
            table.names[index] = Some(name.to_owned());
        }
        table
    }

    /// The keyword a lowercase letter stands for.
    pub fn keyword(&self, letter: char) -> Option<&str> {
        let index = (letter as usize).checked_sub('a' as usize)?;
        if !letter.is_ascii_lowercase() {
            return None;
        }
        self.names.get(index)?.as_deref()
    }

    /// The letter of `keyword`, given the next free one if it has none; `None` once all 26 are taken.
    pub fn letter_for(&mut self, keyword: &str) -> Option<char> {
        let index = match self.names.iter().position(|name| name.as_deref() == Some(keyword)) {
            Some(index) => index,
            None => {
                let free = self.names.iter().position(Option::is_none).unwrap_or(self.names.len());
                if free >= MAX_KEYWORDS {
                    return None;
                }
                if free == self.names.len() {
                    self.names.push(None);
                }
                self.names[free] = Some(keyword.to_owned());
                free
            }
        };
        // index < 26, so the letter is in a..=z.
        char::from_u32('a' as u32 + u32::try_from(index).ok()?)
    }

    pub fn is_empty(&self) -> bool {
        self.names.iter().all(Option::is_none)
    }

    /// The file's text.
    pub fn to_file(&self) -> String {
        let lines =
            self.names.iter().enumerate().filter_map(|(index, name)| Some(format!("{index} {}\n", name.as_ref()?)));
        lines.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dovecot_keyword_file_reads_and_writes_back() {
        let table = KeywordTable::parse(b"0 $Junk\n2 work\nbad line\n30 too-far\n");
        assert_eq!((table.keyword('a'), table.keyword('b'), table.keyword('c')), (Some("$Junk"), None, Some("work")));
        assert_eq!(table.keyword('A'), None);
        assert_eq!(table.to_file(), "0 $Junk\n2 work\n");
        assert_eq!(KeywordTable::parse(table.to_file().as_bytes()), table);
    }

    #[test]
    fn new_keywords_take_free_letters_until_z() {
        let mut table = KeywordTable::parse(b"1 first\n");
        assert_eq!(table.letter_for("first"), Some('b'));
        assert_eq!(table.letter_for("new"), Some('a'));
        for n in 2..26 {
            assert!(table.letter_for(&format!("k{n}")).is_some());
        }
        assert_eq!(table.letter_for("one-too-many"), None);
    }
}
