//! A `Date:` that says nothing true: missing (RFC 5322 §3.6 requires it), unreadable, in the future, or long
//! past. Bulk senders forge it to sort at the top of a mailbox, or reuse old templates.

use facteur_message::MessageSummary;

use super::score;
use crate::Reason;

/// Clocks disagree and mail waits in queues; beyond a day ahead it is not a clock.
const FUTURE_SLACK: i64 = 24 * 3600;
/// Queues give up after five days (RFC 5321 §4.5.4.1 suggests 4–5); a week old is a template.
const PAST_SLACK: i64 = 7 * 24 * 3600;

pub(super) fn check(summary: &MessageSummary, now: i64) -> Option<Reason> {
    let Some(written) = summary.envelope.date.as_deref() else {
        return Some(Reason::new("MISSING_DATE", score::MISSING_DATE, "no Date: field"));
    };
    let Some(date) = summary.sort.date else {
        return Some(Reason::new("INVALID_DATE", score::INVALID_DATE, format!("unreadable Date: {}", shown(written))));
    };
    if date > now.saturating_add(FUTURE_SLACK) {
        let hours = (date - now) / 3600;
        return Some(Reason::new("DATE_IN_FUTURE", score::DATE_IN_FUTURE, format!("dated {hours} hours ahead")));
    }
    if date < now.saturating_sub(PAST_SLACK) {
        let days = (now - date) / 86_400;
        return Some(Reason::new("DATE_IN_PAST", score::DATE_IN_PAST, format!("dated {days} days ago")));
    }
    None
}

/// A header value as a reason may quote it: short, printable ASCII.
pub(super) fn shown(value: &str) -> String {
    let printable: String = value.chars().filter(|c| c.is_ascii_graphic() || *c == ' ').take(60).collect();
    printable.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(date: Option<&str>) -> MessageSummary {
        let mut raw = String::new();
        if let Some(date) = date {
            raw.push_str(&format!("Date: {date}\r\n"));
        }
        raw.push_str("From: a@example.org\r\n\r\nbody\r\n");
        facteur_message::ingest(raw.as_bytes())
    }

    // Mon, 7 Dec 2026 12:00:00 +0000
    const NOW: i64 = 1_796_644_800;

    #[test]
    fn a_date_near_arrival_is_fine() {
        assert_eq!(check(&summary(Some("Mon, 7 Dec 2026 11:58:00 +0000")), NOW), None);
        assert_eq!(check(&summary(Some("Mon, 7 Dec 2026 15:00:00 +0100")), NOW), None);
    }

    #[test]
    fn missing_unreadable_future_and_old_dates_are_named() {
        let rule = |date| check(&summary(date), NOW).map(|reason| reason.rule);
        assert_eq!(rule(None).as_deref(), Some("MISSING_DATE"));
        assert_eq!(rule(Some("yesterday at noon")).as_deref(), Some("INVALID_DATE"));
        assert_eq!(rule(Some("Thu, 10 Dec 2026 12:00:00 +0000")).as_deref(), Some("DATE_IN_FUTURE"));
        assert_eq!(rule(Some("Sun, 1 Jan 2012 12:00:00 +0000")).as_deref(), Some("DATE_IN_PAST"));
    }
}
