//! Push over EventSource (RFC 8620 §7.3): the store's change bus, filtered to the account, becomes `state`
//! events carrying the account's new state for every type (one counter serves all), so a client fetches
//! `/changes` at once instead of polling.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use facteur_store::{AccountId, ModSeq};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Authenticated;
use crate::{Jmap, ids};

/// Pings more often than this are not honoured (RFC 8620 §7.3 lets the server raise the interval).
const MIN_PING: u64 = 10;
/// Changes closer together than this are announced once (a burst of deliveries, one `/changes`).
const COALESCE: Duration = Duration::from_millis(100);

#[derive(Debug, Deserialize)]
pub(crate) struct EventSourceQuery {
    #[serde(default)]
    types: Option<String>,
    #[serde(default)]
    closeafter: Option<String>,
    #[serde(default)]
    ping: Option<u64>,
}

/// The data types a state change is announced for.
const TYPES: [&str; 4] = ["Email", "Mailbox", "Thread", "EmailDelivery"];

pub(crate) async fn event_source(
    State(jmap): State<Jmap>,
    Query(query): Query<EventSourceQuery>,
    who: Authenticated,
) -> Response {
    let wanted: Vec<&'static str> = match query.types.as_deref() {
        None | Some("*") => TYPES.to_vec(),
        Some(list) => TYPES.iter().copied().filter(|kind| list.split(',').any(|wanted| wanted == *kind)).collect(),
    };
    let close_after_state = query.closeafter.as_deref() == Some("state");
    let ping = query.ping.filter(|&seconds| seconds > 0).map(|seconds| Duration::from_secs(seconds.max(MIN_PING)));
    let stream = state_changes(jmap, who.account.id, wanted, close_after_state);
    let sse = Sse::new(stream);
    match ping {
        Some(interval) => {
            sse.keep_alive(KeepAlive::new().interval(interval).event(ping_event(interval))).into_response()
        }
        None => sse.into_response(),
    }
}

fn ping_event(interval: Duration) -> Event {
    Event::default().event("ping").data(json!({ "@type": "Ping", "interval": interval.as_secs() }).to_string())
}

/// One `state` event now (so a client that reconnects catches up), then one per change of the account.
fn state_changes(
    jmap: Jmap,
    account: AccountId,
    types: Vec<&'static str>,
    close_after_state: bool,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let bus = jmap.inner.store.subscribe();
    let start = Step { jmap, account, types, bus, first: true, done: false, close_after_state };
    stream::unfold(start, |mut step| async move {
        if step.done {
            return None;
        }
        let state = step.next_state().await?;
        step.first = false;
        step.done = step.close_after_state;
        let event = state_event(step.account, &step.types, state);
        Some((Ok(event), step))
    })
}

struct Step {
    jmap: Jmap,
    account: AccountId,
    types: Vec<&'static str>,
    bus: tokio::sync::broadcast::Receiver<facteur_store::Change>,
    first: bool,
    done: bool,
    close_after_state: bool,
}

impl Step {
    /// The account's state after its next change (or now, the first time); `None` ends the stream.
    async fn next_state(&mut self) -> Option<ModSeq> {
        if !self.first {
            self.wait_for_change().await?;
            // Let a burst finish, then read the state once.
            tokio::time::sleep(COALESCE).await;
            while self.bus.try_recv().is_ok() {}
        }
        self.jmap.inner.store.account_state(self.account).await.ok()
    }

    async fn wait_for_change(&mut self) -> Option<()> {
        loop {
            match self.bus.recv().await {
                Ok(change) if change.account == self.account => return Some(()),
                Ok(_) => {}
                // Missed notifications: something may have changed for us; say so.
                Err(RecvError::Lagged(_)) => return Some(()),
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

fn state_event(account: AccountId, types: &[&str], state: ModSeq) -> Event {
    let state = ids::state(state);
    let changed: serde_json::Map<String, serde_json::Value> =
        types.iter().map(|kind| ((*kind).to_owned(), json!(state))).collect();
    let data = json!({ "@type": "StateChange", "changed": { ids::account(account): changed } });
    Event::default().event("state").data(data.to_string())
}
