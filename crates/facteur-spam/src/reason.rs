//! One explainable part of a verdict.

/// A rule that matched, its score (positive: spammy; negative: wanted) and what it saw, in words an
/// administrator reads in `X-Spam-Reasons:`, `facteur spam explain` and the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// A stable name, upper case with underscores (`GTUBE`, `DNSBL`), as SpamAssassin and rspamd name theirs.
    pub rule: String,
    pub score: f64,
    /// What was seen: a zone and its answer, a domain, a file name. Never message text.
    pub detail: String,
}

impl Reason {
    pub fn new(rule: &str, score: f64, detail: impl Into<String>) -> Self {
        Reason { rule: rule.to_owned(), score, detail: detail.into() }
    }
}
