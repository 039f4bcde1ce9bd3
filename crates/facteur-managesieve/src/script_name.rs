//! What a script may be called (RFC 5804 §1.6): the one check, for every command that names a script.

/// RFC 5804 §1.6 does not cap the length; 512 octets is more than any client offers, and keeps names within a
/// quoted string (errata 2655) and a database index.
pub const MAX_NAME_BYTES: usize = 512;

/// Why a name is refused (answered `NO` with this text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BadName {
    #[error("a script name may not be empty")]
    Empty,
    #[error("a script name may hold at most {MAX_NAME_BYTES} octets")]
    TooLong,
    #[error("a script name may not contain control characters or line and paragraph separators")]
    ForbiddenCharacter,
}

/// RFC 5804 §1.6: a non-empty UTF-8 string (the grammar already checked UTF-8) without the control characters
/// U+0000–U+001F and U+007F–U+009F nor U+2028 and U+2029 (line and paragraph separators).
pub fn check(name: &str) -> Result<(), BadName> {
    if name.is_empty() {
        return Err(BadName::Empty);
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(BadName::TooLong);
    }
    if name.chars().any(|c| matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}')) {
        return Err(BadName::ForbiddenCharacter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rfc_5804_section_1_6() {
        assert_eq!(check("vacation"), Ok(()));
        assert_eq!(check("Règles de tri ✉"), Ok(()));
        assert_eq!(check(""), Err(BadName::Empty));
        assert_eq!(check("a\tb"), Err(BadName::ForbiddenCharacter));
        assert_eq!(check("a\u{7f}"), Err(BadName::ForbiddenCharacter));
        assert_eq!(check("a\u{85}"), Err(BadName::ForbiddenCharacter));
        assert_eq!(check("a\u{2028}b"), Err(BadName::ForbiddenCharacter));
        assert_eq!(check("a\u{2029}"), Err(BadName::ForbiddenCharacter));
        assert_eq!(check(&"é".repeat(256)), Ok(()));
        assert_eq!(check(&"é".repeat(257)), Err(BadName::TooLong));
    }
}
