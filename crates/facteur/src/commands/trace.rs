//! `facteur trace QUEUE-ID | ADDRESS | --domain D [--since AGE]`: "what happened to the mail to bob@…", from
//! the delivery history the server keeps (`facteur_store::history`), after the message has left the queue and
//! for mail refused at the door alike.

use facteur_primitives::unix_now;
use facteur_store::{DeliveryEvent, Direction, HistoryQuery, QueueId};

use crate::cli::TraceArgs;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};

/// Most events printed: the newest ones.
const SHOWN: usize = 1_000;

pub async fn run(data_dir: &DataDir, args: &TraceArgs) -> Outcome {
    let now = args.now.unwrap_or_else(unix_now);
    let query = query(args, now)?;
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let events = store.history(query).await;
    let closed = store.close().await;
    let events = events.map_err(store_failure)?;
    closed.map_err(store_failure)?;
    if events.is_empty() {
        println!("nothing in the delivery history (kept {} days) matches", config.log.history_days);
        return Ok(());
    }
    for event in &events {
        println!("{}", line(event, now));
    }
    Ok(())
}

fn query(args: &TraceArgs, now: i64) -> Outcome<HistoryQuery> {
    let since = match &args.since {
        Some(age) => now.saturating_sub(parse_age(age).ok_or_else(|| {
            usage!("--since {age:?}: expected a number of minutes, hours, days or weeks (30m, 12h, 1d, 2w)")
        })?),
        None => 0,
    };
    let mut query = HistoryQuery { since, limit: SHOWN, domain: args.domain.clone(), ..HistoryQuery::default() };
    match args.target.as_deref() {
        Some(target) if target.contains('@') => query.address = Some(target.to_owned()),
        Some(target) => {
            let id =
                target.parse().map_err(|_| usage!("{target:?} is neither a queue id (a number) nor an address"))?;
            query.queue_id = Some(QueueId(id));
        }
        None => {}
    }
    Ok(query)
}

/// `30m`, `12h`, `1d`, `2w` in seconds.
fn parse_age(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = match text.chars().last()? {
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    let count: i64 = text[..text.len() - 1].parse().ok()?;
    (count >= 0).then(|| count.saturating_mul(unit))
}

/// One event as a line a person reads: when, which way, what happened, to whom, via what, and the reply.
fn line(event: &DeliveryEvent, now: i64) -> String {
    let when = facteur_primitives::rfc3339_utc(event.at);
    let ago = human_age(now.saturating_sub(event.at));
    let (arrow, peer) = match event.direction {
        Direction::Inbound => ("in ", format!("from {} [{}]", or_unknown(&event.remote_host), event.remote_ip)),
        Direction::Outbound if event.remote_host.is_empty() => ("out", "no server reached".to_owned()),
        Direction::Outbound => ("out", format!("via {} [{}]", event.remote_host, event.remote_ip)),
    };
    let queue = event.queue_id.map(|id| format!(" queue {}", id.0)).unwrap_or_default();
    let tls = match (event.tls.as_str(), event.tls_verified) {
        ("", _) => ", no TLS".to_owned(),
        (version, true) => format!(", {version} verified"),
        (version, false) => format!(", {version}"),
    };
    let delay = match event.direction {
        Direction::Outbound => format!(", after {}", human_age(event.delay_secs)),
        Direction::Inbound => String::new(),
    };
    format!(
        "{when} ({ago} ago) {arrow} {:<9} <{}> -> <{}>{queue}\n    {peer}{tls}{delay}: {}",
        event.fate.as_str(),
        event.sender,
        event.recipient,
        event.reply
    )
}

fn or_unknown(text: &str) -> &str {
    if text.is_empty() { "unknown" } else { text }
}

/// `45s`, `12m`, `3h`, `2d`.
fn human_age(secs: i64) -> String {
    match secs.max(0) {
        secs if secs < 120 => format!("{secs}s"),
        secs if secs < 2 * 3_600 => format!("{}m", secs / 60),
        secs if secs < 2 * 86_400 => format!("{}h", secs / 3_600),
        secs => format!("{}d", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_minutes_hours_days_or_weeks() {
        assert_eq!(parse_age("30m"), Some(1_800));
        assert_eq!(parse_age("1d"), Some(86_400));
        assert_eq!(parse_age("2w"), Some(14 * 86_400));
        assert_eq!(parse_age("1y"), None);
        assert_eq!(parse_age("d"), None);
        assert_eq!(parse_age("-1h"), None);
    }
}
