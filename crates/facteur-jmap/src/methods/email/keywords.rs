//! Keywords are IMAP flags (RFC 8621 §4.1.1): `$seen` is `\Seen`, `$flagged` `\Flagged`, `$answered`
//! `\Answered`, `$draft` `\Draft`; other keywords are IMAP keywords, compared case-insensitively and given in
//! lowercase. `\Deleted` has no JMAP keyword: a message awaiting EXPUNGE is still there for JMAP.

use std::collections::BTreeMap;

use facteur_store::flags::validate_keyword;
use facteur_store::{Keywords, SystemFlags};

const SYSTEM: [(SystemFlags, &str); 4] = [
    (SystemFlags::SEEN, "$seen"),
    (SystemFlags::FLAGGED, "$flagged"),
    (SystemFlags::ANSWERED, "$answered"),
    (SystemFlags::DRAFT, "$draft"),
];

/// The keywords of a message as JMAP shows them.
pub(crate) fn to_jmap(flags: SystemFlags, keywords: &Keywords) -> BTreeMap<String, bool> {
    let system = SYSTEM.iter().filter(|(flag, _)| flags.contains(*flag)).map(|(_, name)| (*name).to_owned());
    system.chain(keywords.iter().map(|keyword| keyword.to_lowercase())).map(|keyword| (keyword, true)).collect()
}

/// Splits JMAP keywords into flags and IMAP keywords; `\Deleted`, which JMAP cannot see, is kept as it was.
pub(crate) fn from_jmap<'a>(
    jmap: impl IntoIterator<Item = &'a str>,
    deleted: bool,
) -> Result<(SystemFlags, Keywords), String> {
    let mut flags = if deleted { SystemFlags::DELETED } else { SystemFlags::NONE };
    let mut keywords = Keywords::new();
    for keyword in jmap {
        let keyword = keyword.to_lowercase();
        match SYSTEM.iter().find(|(_, name)| *name == keyword) {
            Some((flag, _)) => flags = flags.union(*flag),
            None => {
                validate_keyword(&keyword).map_err(|_| format!("{keyword} is not a valid keyword"))?;
                keywords.insert(keyword);
            }
        }
    }
    Ok((flags, keywords))
}

/// Whether a message has `keyword` (JMAP spelling).
pub(crate) fn has(flags: SystemFlags, keywords: &Keywords, keyword: &str) -> bool {
    let keyword = keyword.to_lowercase();
    match SYSTEM.iter().find(|(_, name)| *name == keyword) {
        Some((flag, _)) => flags.contains(*flag),
        None => keywords.iter().any(|have| have.eq_ignore_ascii_case(&keyword)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_keywords_and_back() {
        let keywords: Keywords = ["$Forwarded".to_owned()].into();
        let jmap = to_jmap(SystemFlags::SEEN | SystemFlags::DELETED, &keywords);
        assert_eq!(jmap.keys().collect::<Vec<_>>(), ["$forwarded", "$seen"]);
        let (flags, keywords) = from_jmap(["$SEEN", "$forwarded"], true).unwrap();
        assert_eq!(flags, SystemFlags::SEEN | SystemFlags::DELETED, "\\Deleted survives a JMAP update");
        assert_eq!(keywords.into_iter().collect::<Vec<_>>(), ["$forwarded"]);
        assert!(from_jmap(["two words"], false).is_err());
        assert!(has(SystemFlags::FLAGGED, &Keywords::new(), "$Flagged"));
    }
}
