//! `facteur trace QUEUE-ID | ADDRESS | --domain D [--since AGE]`: "what happened to the mail to bob@…", from
//! the delivery history the server keeps (`facteur_store::history`), after the message has left the queue and
//! for mail refused at the door alike.

use facteur_primitives::unix_now;
use facteur_store::{DeliveryEvent, Direction, HistoryQuery};

use crate::cli::TraceArgs;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, admin_failure};

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
    facteur_admin::trace_query(args.target.as_deref(), args.domain.as_deref(), args.since.as_deref(), now, SHOWN)
        .map_err(admin_failure)
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
