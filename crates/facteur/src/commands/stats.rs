//! `facteur stats`: the delivery indicators of the last 24 hours and 7 days (`facteur_store::indicators`):
//! how much of the mail sent was delivered, is still deferred, or bounced, per destination domain and per
//! sender, the most common bounce reasons, and inbound mail accepted and refused.

use facteur_primitives::unix_now;
use facteur_store::{FateCounts, HistoryQuery, Indicators, indicators};

use crate::cli::StatsArgs;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::Outcome;

const DAY: i64 = 86_400;
/// Most events read: a week of a busy server's history; beyond it, the oldest are left out (and said so).
const MOST_EVENTS: usize = 2_000_000;
/// Rows per table: the largest domains and senders.
const ROWS: usize = 15;

pub async fn run(data_dir: &DataDir, args: &StatsArgs) -> Outcome {
    let now = args.now.unwrap_or_else(unix_now);
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let query = HistoryQuery { since: now - 7 * DAY, limit: MOST_EVENTS, ..HistoryQuery::default() };
    let events = store.history(query).await;
    let closed = store.close().await;
    let events = events.map_err(store_failure)?;
    closed.map_err(store_failure)?;
    if events.len() == MOST_EVENTS {
        println!("(the newest {MOST_EVENTS} events only)");
    }
    let day = indicators(&events, now - DAY);
    let week = indicators(&events, now - 7 * DAY);
    println!("Outbound recipients, by their latest attempt:");
    println!("  last 24 hours  {}", summary(&day.outbound));
    println!("  last 7 days    {}", summary(&week.outbound));
    println!("Inbound recipients:");
    println!("  last 24 hours  {} accepted, {} refused", day.inbound_accepted, day.inbound_refused);
    println!("  last 7 days    {} accepted, {} refused", week.inbound_accepted, week.inbound_refused);
    table("By destination domain, last 7 days", &week.by_domain);
    table("By sender, last 7 days", &week.by_sender);
    reasons(&week);
    Ok(())
}

fn summary(counts: &FateCounts) -> String {
    format!(
        "{} in all: {} delivered ({:.1}%), {} deferred ({:.1}%), {} bounced ({:.1}%)",
        counts.total(),
        counts.delivered,
        counts.rate(counts.delivered),
        counts.deferred,
        counts.rate(counts.deferred),
        counts.bounced,
        counts.rate(counts.bounced)
    )
}

/// The rows with the most recipients first.
fn table(title: &str, rows: &std::collections::BTreeMap<String, FateCounts>) {
    if rows.is_empty() {
        return;
    }
    println!("{title}:");
    println!("  {:<40} {:>8} {:>9} {:>8} {:>7} {:>7}", "", "sent", "delivered", "deferred", "bounced", "bounce%");
    let mut rows: Vec<_> = rows.iter().collect();
    rows.sort_by(|a, b| b.1.total().cmp(&a.1.total()).then_with(|| a.0.cmp(b.0)));
    for (name, counts) in rows.iter().take(ROWS) {
        let name = if name.is_empty() { "<>" } else { name.as_str() };
        println!(
            "  {name:<40} {:>8} {:>9} {:>8} {:>7} {:>6.1}%",
            counts.total(),
            counts.delivered,
            counts.deferred,
            counts.bounced,
            counts.rate(counts.bounced)
        );
    }
    if rows.len() > ROWS {
        println!("  … and {} more", rows.len() - ROWS);
    }
}

fn reasons(week: &Indicators) {
    if week.bounce_reasons.is_empty() {
        return;
    }
    println!("Most common bounce reasons, last 7 days:");
    for (reason, count) in week.bounce_reasons.iter().take(ROWS) {
        println!("  {count:>8}  {reason}  ({})", facteur_delivery::explain_reply(reason));
    }
}
