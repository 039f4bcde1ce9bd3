//! The trace search: what happened to mail to or from an address, of a queue id, or to a domain, from the
//! delivery history (`facteur trace`'s query).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use facteur_store::DeliveryEvent;
use serde::Serialize;

use super::AdminState;
use super::guard::Administrator;
use crate::error::WebError;
use crate::headers::json;

/// Events shown at most: the newest.
const SHOWN: usize = 500;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventRow {
    at: i64,
    direction: &'static str,
    fate: &'static str,
    queue_id: Option<i64>,
    sender: String,
    recipient: String,
    remote_host: String,
    remote_ip: String,
    reply: String,
    tls: String,
    tls_verified: bool,
    delay_secs: i64,
}

/// `GET /admin/api/trace?q=ADDRESS|QUEUE-ID&domain=D&since=1d`.
pub async fn search(
    State(state): State<AdminState>,
    _admin: Administrator,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let field = |name: &str| query.get(name).map(String::as_str);
    let now = facteur_primitives::unix_now();
    let history_query = facteur_admin::trace_query(field("q"), field("domain"), field("since"), now, SHOWN)?;
    let events = state.settings.store.history(history_query).await?;
    let rows: Vec<EventRow> = events.into_iter().map(row).collect();
    Ok(json(StatusCode::OK, &rows))
}

fn row(event: DeliveryEvent) -> EventRow {
    EventRow {
        at: event.at,
        direction: event.direction.as_str(),
        fate: event.fate.as_str(),
        queue_id: event.queue_id.map(|id| id.0),
        sender: event.sender,
        recipient: event.recipient,
        remote_host: event.remote_host,
        remote_ip: event.remote_ip,
        reply: event.reply,
        tls: event.tls,
        tls_verified: event.tls_verified,
        delay_secs: event.delay_secs,
    }
}
