//! Domains: the list, a new one (with its DKIM keys, and the records to publish), removal, and the DNS check
//! of `facteur dns-records --check`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use facteur_mailauth::RecordVerdict;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::AdminState;
use super::accounts::done;
use super::guard::Administrator;
use crate::error::WebError;
use crate::headers::json;
use crate::request::read_json;

pub async fn list(State(state): State<AdminState>, _admin: Administrator) -> Result<Response, WebError> {
    let domains = state.settings.store.list_domains().await?;
    Ok(json(StatusCode::OK, &domains))
}

#[derive(Deserialize)]
struct Named {
    domain: String,
}

pub async fn add(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: Named = read_json(&headers, &body)?;
    let records = state.settings.domains.add_domain(&form.domain).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "domain add", domain = %form.domain,
        "domain added from the admin page");
    Ok(json(StatusCode::CREATED, &serde_json::json!({ "domain": form.domain, "records": records })))
}

pub async fn remove(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: Named = read_json(&headers, &body)?;
    state.settings.store.remove_domain(&form.domain).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "domain remove", domain = %form.domain,
        "domain removed from the admin page");
    Ok(done())
}

#[derive(Serialize)]
struct CheckedRow {
    /// `NAME TYPE VALUE`.
    record: String,
    /// `right`, `missing`, `wrong` or `unknown`.
    verdict: &'static str,
    /// What was found instead (wrong), or why the lookup failed (unknown).
    detail: String,
}

/// `GET /admin/api/dns?domain=D`.
pub async fn check(
    State(state): State<AdminState>,
    _admin: Administrator,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let domain = query.get("domain").ok_or(WebError::BadRequest)?;
    let checked = state.settings.domains.check_dns(domain).await?;
    let rows: Vec<CheckedRow> = checked
        .into_iter()
        .map(|checked| {
            let (verdict, detail) = match checked.verdict {
                RecordVerdict::Right => ("right", String::new()),
                RecordVerdict::Missing => ("missing", String::new()),
                RecordVerdict::Wrong { found } => ("wrong", found.join(" | ")),
                RecordVerdict::Unknown { reason } => ("unknown", reason),
            };
            CheckedRow { record: checked.expected, verdict, detail }
        })
        .collect();
    Ok(json(StatusCode::OK, &rows))
}
