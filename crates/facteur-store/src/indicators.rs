//! Delivery indicators from the history: of the recipients the server tried to deliver to in a window of time,
//! how many were delivered, are still deferred, or bounced, per destination domain and per sender, and the
//! most common bounce reasons. What `facteur stats` prints and the admin page charts.
//!
//! Each recipient of each queued message counts once, by its latest event in the window: a message deferred
//! twice and then delivered is one delivery, not three events.

use std::collections::BTreeMap;

use crate::history::{DeliveryEvent, Direction, Fate};

/// Counts of recipients by their latest outbound fate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FateCounts {
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
}

/// The indicators of one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indicators {
    pub outbound: FateCounts,
    pub by_domain: BTreeMap<String, FateCounts>,
    pub by_sender: BTreeMap<String, FateCounts>,
    /// Bounce reasons (the reply's code and enhanced status, e.g. "550 5.1.1") with their counts, most first.
    pub bounce_reasons: Vec<(String, u64)>,
    pub inbound_accepted: u64,
    pub inbound_refused: u64,
}

impl FateCounts {
    pub fn total(&self) -> u64 {
        self.delivered + self.deferred + self.bounced
    }

    /// `part` of the total, in percent (0 when there is nothing).
    pub fn rate(&self, part: u64) -> f64 {
        match self.total() {
            0 => 0.0,
            total => part as f64 * 100.0 / total as f64,
        }
    }

    fn count(&mut self, fate: Fate) {
        match fate {
            Fate::Delivered => self.delivered += 1,
            Fate::Deferred => self.deferred += 1,
            Fate::Bounced => self.bounced += 1,
            Fate::Accepted | Fate::Refused => {}
        }
    }
}

/// The indicators of `events` at or after `since` (events in any order).
pub fn indicators(events: &[DeliveryEvent], since: i64) -> Indicators {
    let mut result = Indicators::default();
    for event in events.iter().filter(|event| event.at >= since && event.direction == Direction::Inbound) {
        match event.fate {
            Fate::Accepted => result.inbound_accepted += 1,
            _ => result.inbound_refused += 1,
        }
    }
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    for event in latest_outbound(events, since) {
        result.outbound.count(event.fate);
        result.by_domain.entry(event.recipient_domain()).or_default().count(event.fate);
        result.by_sender.entry(event.sender.to_lowercase()).or_default().count(event.fate);
        if event.fate == Fate::Bounced {
            *reasons.entry(reason_of(&event.reply)).or_default() += 1;
        }
    }
    let mut reasons: Vec<(String, u64)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    result.bounce_reasons = reasons;
    result
}

/// The outbound counts of `buckets` consecutive spans of `bucket_secs` seconds from `since`, for a chart:
/// each recipient counts once, by its latest event, in the span that event falls in.
pub fn timeline(events: &[DeliveryEvent], since: i64, bucket_secs: i64, buckets: usize) -> Vec<FateCounts> {
    let mut counts = vec![FateCounts::default(); buckets];
    for event in latest_outbound(events, since) {
        let index = usize::try_from((event.at - since) / bucket_secs.max(1)).unwrap_or(usize::MAX);
        if let Some(slot) = counts.get_mut(index) {
            slot.count(event.fate);
        }
    }
    counts
}

/// The latest outbound event of each recipient of each queued message, from `since` on: the one rule by
/// which a recipient deferred twice and then delivered counts as one delivery.
fn latest_outbound(events: &[DeliveryEvent], since: i64) -> impl Iterator<Item = &DeliveryEvent> {
    let mut latest: BTreeMap<(i64, &str), &DeliveryEvent> = BTreeMap::new();
    for event in events.iter().filter(|event| event.at >= since && event.direction == Direction::Outbound) {
        let Some(queue) = event.queue_id else { continue };
        let slot = latest.entry((queue.0, event.recipient.as_str())).or_insert(event);
        if event.at >= slot.at {
            *slot = event;
        }
    }
    latest.into_values()
}

/// A bounce's reason class: its reply code and enhanced status ("550 5.1.1"), or the status alone when no
/// server answered ("5.4.7"), or the start of the text.
fn reason_of(reply: &str) -> String {
    let words: Vec<&str> = reply.split_whitespace().take(2).collect();
    let is_code = |word: &str| word.len() == 3 && word.bytes().all(|b| b.is_ascii_digit());
    let is_status = |word: &str| word.split('.').count() == 3 && word.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    match words.as_slice() {
        [code, status] if is_code(code) && is_status(status) => format!("{code} {status}"),
        [code, ..] if is_code(code) || is_status(code) => (*code).to_owned(),
        _ => reply.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::QueueId;

    fn out(at: i64, queue: i64, to: &str, fate: Fate, reply: &str) -> DeliveryEvent {
        DeliveryEvent {
            at,
            direction: Direction::Outbound,
            fate,
            queue_id: Some(QueueId(queue)),
            sender: "alice@example.test".into(),
            recipient: to.into(),
            account: String::new(),
            remote_host: String::new(),
            remote_ip: String::new(),
            reply: reply.into(),
            tls: String::new(),
            tls_verified: false,
            delay_secs: 0,
        }
    }

    #[test]
    fn each_recipient_counts_once_by_its_latest_event() {
        let events = [
            out(10, 1, "bob@b.test", Fate::Deferred, "451 4.3.0 later"),
            out(20, 1, "bob@b.test", Fate::Delivered, "250 2.0.0 OK"),
            out(15, 1, "carol@c.test", Fate::Deferred, "421 4.4.2 timeout"),
            out(30, 2, "bob@b.test", Fate::Bounced, "550 5.1.1 no such user"),
            out(31, 3, "dan@b.test", Fate::Bounced, "550 5.1.1 no such user"),
            out(32, 4, "eve@c.test", Fate::Bounced, "5.4.7 gave up after 5.0 days"),
        ];
        let all = indicators(&events, 0);
        assert_eq!(all.outbound, FateCounts { delivered: 1, deferred: 1, bounced: 3 });
        assert_eq!(all.by_domain["b.test"], FateCounts { delivered: 1, deferred: 0, bounced: 2 });
        assert_eq!(all.bounce_reasons, [("550 5.1.1".to_owned(), 2), ("5.4.7".to_owned(), 1)]);
        assert!((all.outbound.rate(all.outbound.bounced) - 60.0).abs() < 1e-9);

        let recent = indicators(&events, 16);
        assert_eq!(recent.outbound, FateCounts { delivered: 1, deferred: 0, bounced: 3 }, "carol's deferral is older");
    }

    #[test]
    fn the_timeline_puts_each_recipient_in_the_span_of_its_latest_event() {
        let events = [
            out(10, 1, "bob@b.test", Fate::Deferred, "451 4.3.0 later"),
            out(25, 1, "bob@b.test", Fate::Delivered, "250 2.0.0 OK"),
            out(15, 1, "carol@c.test", Fate::Deferred, "421 4.4.2 timeout"),
            out(31, 2, "bob@b.test", Fate::Bounced, "550 5.1.1 no such user"),
            out(99, 3, "dan@b.test", Fate::Bounced, "550 5.1.1 beyond the last span"),
        ];
        let spans = timeline(&events, 10, 10, 3);
        assert_eq!(spans[0], FateCounts { delivered: 0, deferred: 1, bounced: 0 }, "carol, still deferred");
        assert_eq!(spans[1], FateCounts { delivered: 1, deferred: 0, bounced: 0 }, "bob, delivered at 25");
        assert_eq!(spans[2], FateCounts { delivered: 0, deferred: 0, bounced: 1 });
    }
}
