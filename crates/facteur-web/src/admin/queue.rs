//! The outbound queue: each message with its sender, subject and recipients (status, attempts, next attempt,
//! last reply and what it means), and the operator's actions: retry now, hold, release, delete, or bounce
//! (expire now and tell the sender).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use facteur_store::{QueueAction, QueueEntry, QueueId};
use serde::{Deserialize, Serialize};
use tracing::info;

use super::AdminState;
use super::guard::Administrator;
use crate::error::WebError;
use crate::headers::json;
use crate::request::read_json;

/// Messages listed at most (the oldest first): the page is for looking, `facteur queue list` for everything.
const LISTED: usize = 500;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueueRow {
    /// The one queue id, the one the client was told (`queued as …`) and `facteur queue` takes.
    id: i64,
    from: String,
    subject: String,
    created_at: i64,
    expires_at: i64,
    recipients: Vec<RecipientRow>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecipientRow {
    address: String,
    status: &'static str,
    attempts: u32,
    next_attempt: i64,
    last_reply: Option<String>,
    /// What the last reply's class means, in plain words.
    explanation: Option<&'static str>,
}

pub async fn list(State(state): State<AdminState>, _admin: Administrator) -> Result<Response, WebError> {
    let store = &state.settings.store;
    let entries = store.queue().await?;
    let total = entries.len();
    let mut rows = Vec::with_capacity(total.min(LISTED));
    for entry in entries.into_iter().take(LISTED) {
        // A message whose content cannot be read is still listed, without a subject.
        let content = store.read_blob(entry.blob).await.unwrap_or_default();
        rows.push(row(entry, &content));
    }
    Ok(json(StatusCode::OK, &serde_json::json!({ "total": total, "messages": rows })))
}

fn row(entry: QueueEntry, content: &[u8]) -> QueueRow {
    let subject = facteur_admin::header_fields(content)
        .into_iter()
        .find_map(|(name, value)| (name == "Subject").then_some(value))
        .unwrap_or_default();
    let recipients = entry
        .recipients
        .into_iter()
        .map(|recipient| RecipientRow {
            address: recipient.address,
            status: recipient.status.as_str(),
            attempts: recipient.attempts,
            next_attempt: recipient.next_attempt,
            explanation: recipient.last_reply.as_deref().map(facteur_delivery::explain_reply),
            last_reply: recipient.last_reply,
        })
        .collect();
    QueueRow {
        id: entry.id.0,
        from: entry.return_path,
        subject,
        created_at: entry.created_at,
        expires_at: entry.expires_at,
        recipients,
    }
}

#[derive(Deserialize)]
struct Action {
    id: i64,
    /// `retry`, `hold`, `release`, `delete` (no report to the sender) or `bounce` (report, then remove).
    action: String,
}

pub async fn act(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: Action = read_json(&headers, &body)?;
    let store = &state.settings.store;
    let (id, now) = (QueueId(form.id), facteur_primitives::unix_now());
    let action = match form.action.as_str() {
        "retry" => Some(QueueAction::RetryNow),
        "hold" => Some(QueueAction::Hold),
        "release" => Some(QueueAction::Release),
        "bounce" => Some(QueueAction::ExpireNow),
        "delete" => None,
        other => return Err(WebError::Refused(format!("no queue action {other:?}"))),
    };
    let changed = match action {
        Some(action) => store.change_queue(Some(id), action, now).await?,
        None => {
            store.dequeue(id).await?;
            0
        }
    };
    info!(target: "facteur::admin", admin = admin.name(), action = %format!("queue {}", form.action),
        queue_id = form.id, recipients = changed, "queue changed from the admin page");
    Ok(json(StatusCode::OK, &serde_json::json!({ "changed": changed })))
}
