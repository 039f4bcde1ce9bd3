//! What both backends' full-text indexes share: they index trigrams, so a needle of fewer than three characters
//! gives them nothing to look up, and a search for it reads every message.

/// Characters a needle needs for a trigram index to narrow a search.
const MIN_NEEDLE_CHARS: usize = 3;

/// Whether a trigram index can name candidates for `needle`.
pub(crate) fn can_narrow(needle: &str) -> bool {
    needle.chars().nth(MIN_NEEDLE_CHARS - 1).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_characters_are_the_least_a_trigram_index_can_use() {
        assert!(!can_narrow("é"));
        assert!(!can_narrow("ab"));
        assert!(can_narrow("été"));
    }
}
