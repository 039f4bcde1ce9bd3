//! The message identifiers that place a message in a conversation: its own `Message-ID:` and those it
//! answers (`In-Reply-To:`, `References:`, RFC 5322 §3.6.4). The store files a new message in the thread of
//! any message it shares one with, so a reply lands next to what it replies to, whatever the mailbox.

/// Longest message identifier kept: real ones are well under 100 bytes, and a bound keeps the index small.
pub const MAX_ID_LEN: usize = 250;
/// Most referenced identifiers looked at: a long conversation's `References:` grows by one per reply, and
/// the newest ones (the last) are enough to find the thread.
pub const MAX_REFERENCES: usize = 30;

/// A message's own identifier and the ones it refers to, without angle brackets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadKeys {
    pub message_id: Option<String>,
    /// `References:` then `In-Reply-To:`, each identifier once, at most [`MAX_REFERENCES`] (the newest).
    pub references: Vec<String>,
}

impl ThreadKeys {
    /// From the raw (unfolded) header values.
    pub fn from_headers(message_id: Option<&str>, in_reply_to: Option<&str>, references: Option<&str>) -> ThreadKeys {
        let message_id = message_id.and_then(|value| message_ids(value).next());
        let mut referenced: Vec<String> = Vec::new();
        for id in references.into_iter().chain(in_reply_to).flat_map(message_ids) {
            if !referenced.contains(&id) && Some(&id) != message_id.as_ref() {
                referenced.push(id);
            }
        }
        let excess = referenced.len().saturating_sub(MAX_REFERENCES);
        referenced.drain(..excess);
        ThreadKeys { message_id, references: referenced }
    }

    /// Every identifier: the message's own first, then those it refers to.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        self.message_id.iter().chain(&self.references).map(String::as_str)
    }
}

/// The `<…>` identifiers in a header value, brackets removed (RFC 5322 §3.6.4 `msg-id`). Text outside
/// brackets (comments, phrases some old mailers put in In-Reply-To) is skipped.
fn message_ids(value: &str) -> impl Iterator<Item = String> + '_ {
    value.split('<').skip(1).filter_map(|rest| {
        let id = rest.split_once('>')?.0.trim();
        (!id.is_empty() && id.len() <= MAX_ID_LEN && !id.contains(char::is_whitespace)).then(|| id.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_read_without_brackets_and_deduplicated() {
        let keys = ThreadKeys::from_headers(
            Some(" <c@x> "),
            Some("<b@x> (Bob's message of Monday)"),
            Some("<a@x>\t<b@x> <c@x>"),
        );
        assert_eq!(keys.message_id.as_deref(), Some("c@x"));
        assert_eq!(keys.references, ["a@x", "b@x"]);
        assert_eq!(keys.all().collect::<Vec<_>>(), ["c@x", "a@x", "b@x"]);
    }

    #[test]
    fn malformed_and_oversized_identifiers_are_ignored() {
        let long = format!("<{}@x>", "a".repeat(MAX_ID_LEN));
        let keys = ThreadKeys::from_headers(Some("no brackets"), Some("<>"), Some(&format!("{long} <a b@x> <ok@x")));
        assert_eq!(keys, ThreadKeys::default());
    }

    #[test]
    fn only_the_newest_references_are_kept() {
        let references: String = (0..100).map(|n| format!("<{n}@x> ")).collect();
        let keys = ThreadKeys::from_headers(None, None, Some(&references));
        assert_eq!(keys.references.len(), MAX_REFERENCES);
        assert_eq!(keys.references.last().map(String::as_str), Some("99@x"));
    }
}
