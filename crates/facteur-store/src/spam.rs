//! What each account's spam defence remembers (issue 18): the messages its user called spam or not spam and
//! the token counts its classifier learnt from them, and the people the user writes to. Tokens are opaque
//! 64-bit hashes (`facteur-spam` makes them); the store never sees a word of anyone's mail.

/// What the user called a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpamClass {
    Spam,
    Ham,
}

impl SpamClass {
    pub fn as_str(self) -> &'static str {
        match self {
            SpamClass::Spam => "spam",
            SpamClass::Ham => "ham",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "spam" => Some(SpamClass::Spam),
            "ham" => Some(SpamClass::Ham),
            _ => None,
        }
    }
}

/// What one delivery needs to know about an account, in one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpamProfile {
    /// Whether the user has written to the sender.
    pub correspondent: bool,
    /// Messages the classifier learnt as spam and as not spam.
    pub spam_messages: u64,
    pub ham_messages: u64,
}

/// How many messages of each class contain one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCounts {
    pub token: i64,
    pub spam: u64,
    pub ham: u64,
}

/// Greylisting's timing (RFC 6647 §4.2): a first attempt is refused; a retry after `delay` and within
/// `window` of it passes, and the triplet then passes at once for `keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Greylisting {
    pub delay: i64,
    pub window: i64,
    pub keep: i64,
}

impl Greylisting {
    /// Given a triplet's record (first attempt, passing until), whether an attempt at `now` passes, and the
    /// record to keep. One rule for both backends, which only read and write the record.
    pub fn attempt(&self, record: Option<(i64, Option<i64>)>, now: i64) -> (bool, (i64, Option<i64>)) {
        match record {
            Some((first, Some(until))) if until >= now => (true, (first, Some(now.saturating_add(self.keep)))),
            Some((first, _)) if now.saturating_sub(first) > self.window => (false, (now, None)),
            Some((first, _)) if now.saturating_sub(first) >= self.delay => {
                (true, (first, Some(now.saturating_add(self.keep))))
            }
            Some(kept) => (false, kept),
            None => (false, (now, None)),
        }
    }

    /// When a record can be forgotten.
    pub fn expires(&self, (first, until): (i64, Option<i64>)) -> i64 {
        until.unwrap_or(first).max(first.saturating_add(self.window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Greylisting = Greylisting { delay: 300, window: 86_400, keep: 3_000_000 };

    #[test]
    fn a_retry_after_the_delay_passes_and_then_keeps_passing() {
        let (passed, record) = POLICY.attempt(None, 1000);
        assert!(!passed);
        let (passed, record) = POLICY.attempt(Some(record), 1100);
        assert!(!passed, "too soon");
        assert_eq!(record, (1000, None), "a retry too soon does not restart the clock");
        let (passed, record) = POLICY.attempt(Some(record), 1300);
        assert!(passed);
        let (passed, _) = POLICY.attempt(Some(record), 2_000_000);
        assert!(passed, "remembered");
    }

    #[test]
    fn a_retry_after_the_window_starts_again() {
        let (passed, record) = POLICY.attempt(Some((1000, None)), 1000 + 86_401);
        assert!(!passed);
        assert_eq!(record, (87_401, None));
    }
}
