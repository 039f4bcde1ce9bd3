//! The verdict: the reasons' sum against the configured thresholds, and the header fields that carry it.

use crate::Reason;

/// Scores at which mail is filed in Junk, refused at the end of DATA, or dropped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub junk: f64,
    /// `None`: never refused for its score.
    pub reject: Option<f64>,
    /// `None`: never dropped. Dropping loses mail the sender thinks delivered; off by default.
    pub discard: Option<f64>,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { junk: 5.0, reject: Some(15.0), discard: None }
    }
}

/// What the score says to do, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Deliver,
    Junk,
    Reject,
    Discard,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Deliver => "deliver",
            Action::Junk => "junk",
            Action::Reject => "reject",
            Action::Discard => "discard",
        }
    }
}

/// The reasons found for one message (for one account, once its own classifier and correspondents have been
/// asked).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    pub reasons: Vec<Reason>,
    /// Set when the sender is someone the account writes to, authenticated: never junked (issue 18).
    pub known_correspondent: Option<String>,
    /// An action decided elsewhere (rspamd's, when it replaces the built-in score): the verdict is at least
    /// that, whatever the score.
    pub decided: Option<Action>,
}

impl Verdict {
    pub fn score(&self) -> f64 {
        // A fold from 0.0: an empty f64 sum is -0.0, which would print as `score=-0.0`.
        self.reasons.iter().fold(0.0, |score, reason| score + reason.score)
    }

    pub fn action(&self, thresholds: &Thresholds) -> Action {
        if self.known_correspondent.is_some() {
            return Action::Deliver;
        }
        let score = self.score();
        let by_score = if thresholds.discard.is_some_and(|discard| score >= discard) {
            Action::Discard
        } else if thresholds.reject.is_some_and(|reject| score >= reject) {
            Action::Reject
        } else if score >= thresholds.junk {
            Action::Junk
        } else {
            Action::Deliver
        };
        self.decided.map_or(by_score, |decided| decided.max(by_score))
    }

    /// `X-Spam-Status:` in SpamAssassin's form, which mail programs and Sieve scripts already test
    /// (`Yes, score=7.5 required=5.0 tests=DNSBL,GTUBE`), then `X-Spam-Reasons:` with each reason as
    /// `rule=score (what it saw)` after our host name, the way `Authentication-Results:` (RFC 8601) lays out
    /// methods. Each field is folded and ends with CRLF.
    pub fn header_fields(&self, thresholds: &Thresholds, hostname: &str) -> String {
        let spam = self.action(thresholds) != Action::Deliver;
        let mut rules: Vec<&str> = self.reasons.iter().map(|reason| reason.rule.as_str()).collect();
        if self.known_correspondent.is_some() {
            rules.push("KNOWN_CORRESPONDENT");
        }
        rules.sort_unstable();
        rules.dedup();
        let tests = if rules.is_empty() { "none".to_owned() } else { rules.join(",") };
        let mut fields = format!(
            "X-Spam-Status: {}, score={:.1} required={:.1}\r\n\ttests={tests}\r\n",
            if spam { "Yes" } else { "No" },
            self.score(),
            thresholds.junk
        );
        fields.push_str(&format!("X-Spam-Reasons: {}", header_safe(hostname)));
        let mut parts: Vec<String> = self
            .reasons
            .iter()
            .map(|reason| format!("{}={:+.1} ({})", reason.rule, reason.score, header_safe(&reason.detail)))
            .collect();
        if let Some(correspondent) = &self.known_correspondent {
            parts.push(format!("KNOWN_CORRESPONDENT ({})", header_safe(correspondent)));
        }
        if parts.is_empty() {
            fields.push_str("; none");
        }
        for part in parts {
            fields.push_str(";\r\n\t");
            fields.push_str(&part);
        }
        fields.push_str("\r\n");
        fields
    }
}

/// Text fit for a header comment: printable ASCII without parentheses or backslashes (RFC 5322 §3.2.2
/// `ctext`), at most 200 characters. Reasons quote what senders wrote (dates, names).
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
        .filter(|c| !matches!(c, '(' | ')' | '\\'))
        .take(200)
        .collect()
}

/// Header fields a sender may have written to look judged already: removed from mail arriving from other
/// servers, so that only ours are read (a script testing `X-Spam-Status` must see our verdict, never the
/// sender's).
pub const OUR_FIELDS: &[&str] = &["X-Spam-Status", "X-Spam-Reasons", "X-Spam-Flag", "X-Spam-Score"];

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(scores: &[(&str, f64)]) -> Verdict {
        let reasons = scores.iter().map(|&(rule, score)| Reason::new(rule, score, "seen (here)\r\nX: y")).collect();
        Verdict { reasons, known_correspondent: None, decided: None }
    }

    #[test]
    fn thresholds_decide() {
        let thresholds = Thresholds { junk: 5.0, reject: Some(15.0), discard: Some(50.0) };
        assert_eq!(verdict(&[("A", 4.9)]).action(&thresholds), Action::Deliver);
        assert_eq!(verdict(&[("A", 3.0), ("B", 2.0)]).action(&thresholds), Action::Junk);
        assert_eq!(verdict(&[("A", 15.0)]).action(&thresholds), Action::Reject);
        assert_eq!(verdict(&[("A", 1000.0)]).action(&thresholds), Action::Discard);
        let mut known = verdict(&[("A", 1000.0)]);
        known.known_correspondent = Some("friend@example.org".into());
        assert_eq!(known.action(&thresholds), Action::Deliver);
        let mut decided = verdict(&[("A", 1.0)]);
        decided.decided = Some(Action::Junk);
        assert_eq!(decided.action(&thresholds), Action::Junk, "rspamd's action holds below the threshold");
        decided.reasons.push(Reason::new("BAYES_99", 20.0, ""));
        assert_eq!(decided.action(&thresholds), Action::Reject, "and the score may still go further");
    }

    #[test]
    fn header_fields_are_safe_and_folded() {
        let fields = verdict(&[("GTUBE", 1000.0), ("MISSING_DATE", 1.0)]).header_fields(&Thresholds::default(), "mx");
        assert!(fields.starts_with("X-Spam-Status: Yes, score=1001.0 required=5.0\r\n\ttests=GTUBE,MISSING_DATE\r\n"));
        assert!(fields.contains("GTUBE=+1000.0 (seen here??X: y)"), "{fields}");
        // Every line but continuations starts a field; nothing a sender wrote starts a line.
        for line in fields.split("\r\n").filter(|line| !line.is_empty()) {
            assert!(line.starts_with("X-Spam-") || line.starts_with('\t'), "{line}");
        }
        let clean = Verdict::default().header_fields(&Thresholds::default(), "mx");
        assert_eq!(clean, "X-Spam-Status: No, score=0.0 required=5.0\r\n\ttests=none\r\nX-Spam-Reasons: mx; none\r\n");
    }
}

/// `raw` without the [`OUR_FIELDS`] a sender wrote into its header; borrowed when there are none.
pub fn strip_our_fields(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    facteur_message::without_fields(raw, |field| OUR_FIELDS.iter().any(|name| field.name_is(name)))
}

#[cfg(test)]
mod stripping {
    use super::*;

    #[test]
    fn a_senders_verdict_is_removed_and_the_rest_kept() {
        let raw = b"X-Spam-Status: No, score=-100\r\n\tfolded\r\nSubject: hi\r\nx-spam-flag: NO\r\n\r\nX-Spam-Status: body\r\n";
        assert_eq!(&*strip_our_fields(raw), b"Subject: hi\r\n\r\nX-Spam-Status: body\r\n");
        let clean = b"Subject: hi\r\n\r\nbody\r\n";
        assert!(matches!(strip_our_fields(clean), std::borrow::Cow::Borrowed(_)));
    }
}
