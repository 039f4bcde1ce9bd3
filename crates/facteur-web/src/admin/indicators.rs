//! The delivery indicators for the charts: outbound recipients by their latest fate (delivered, deferred,
//! bounced) per hour over the last 24 hours and per day over the last 7 days, the totals and rates of both
//! windows, the largest destination domains and senders, the most common bounce reasons, and inbound
//! acceptances and refusals. The same rules as `facteur stats` (`facteur_store::indicators`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use facteur_store::{FateCounts, HistoryQuery, Indicators, indicators, timeline};
use serde::Serialize;

use super::AdminState;
use super::guard::Administrator;
use crate::error::WebError;
use crate::headers::json;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
/// Events read at most: a week of a busy server.
const MOST_EVENTS: usize = 2_000_000;
/// Rows per table.
const ROWS: usize = 15;

#[derive(Serialize, Clone, Copy)]
struct Counts {
    delivered: u64,
    deferred: u64,
    bounced: u64,
    /// Percent of the total.
    bounce_rate: f64,
}

impl From<FateCounts> for Counts {
    fn from(counts: FateCounts) -> Self {
        Counts {
            delivered: counts.delivered,
            deferred: counts.deferred,
            bounced: counts.bounced,
            bounce_rate: counts.rate(counts.bounced),
        }
    }
}

#[derive(Serialize)]
struct Span {
    /// Unix seconds.
    start: i64,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize)]
struct Named {
    name: String,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize)]
struct Reason {
    reason: String,
    count: u64,
    explanation: &'static str,
}

#[derive(Serialize)]
struct Window {
    outbound: Counts,
    inbound_accepted: u64,
    inbound_refused: u64,
}

#[derive(Serialize)]
struct Answer {
    now: i64,
    day: Window,
    week: Window,
    hourly: Vec<Span>,
    daily: Vec<Span>,
    by_domain: Vec<Named>,
    by_sender: Vec<Named>,
    bounce_reasons: Vec<Reason>,
    /// Whether the newest MOST_EVENTS events only were read.
    truncated: bool,
}

pub async fn get(State(state): State<AdminState>, _admin: Administrator) -> Result<Response, WebError> {
    let now = facteur_primitives::unix_now();
    let query = HistoryQuery { since: now - 7 * DAY, limit: MOST_EVENTS, ..HistoryQuery::default() };
    let events = state.settings.store.history(query).await?;
    let (day, week) = (indicators(&events, now - DAY), indicators(&events, now - 7 * DAY));
    // Spans end with this second: the last one is the current hour (or day) so far, this second included.
    let spans = |span: i64, count: usize| {
        let since = now + 1 - span * i64::try_from(count).unwrap_or(0);
        let counts = timeline(&events, since, span, count);
        let spans = counts.into_iter().zip(0..);
        spans
            .map(move |(counts, index)| Span { start: since + index * span, counts: counts.into() })
            .collect::<Vec<_>>()
    };
    let answer = Answer {
        now,
        hourly: spans(HOUR, 24),
        daily: spans(DAY, 7),
        by_domain: largest(&week.by_domain),
        by_sender: largest(&week.by_sender),
        bounce_reasons: week
            .bounce_reasons
            .iter()
            .take(ROWS)
            .map(|(reason, count)| Reason {
                reason: reason.clone(),
                count: *count,
                explanation: facteur_delivery::explain_reply(reason),
            })
            .collect(),
        truncated: events.len() == MOST_EVENTS,
        day: window(&day),
        week: window(&week),
    };
    Ok(json(StatusCode::OK, &answer))
}

fn window(indicators: &Indicators) -> Window {
    Window {
        outbound: indicators.outbound.into(),
        inbound_accepted: indicators.inbound_accepted,
        inbound_refused: indicators.inbound_refused,
    }
}

/// The rows with the most recipients first.
fn largest(rows: &std::collections::BTreeMap<String, FateCounts>) -> Vec<Named> {
    let mut rows: Vec<_> = rows.iter().collect();
    rows.sort_by(|a, b| b.1.total().cmp(&a.1.total()).then_with(|| a.0.cmp(b.0)));
    rows.into_iter().take(ROWS).map(|(name, counts)| Named { name: name.clone(), counts: (*counts).into() }).collect()
}
