//! Aliases: the list, a new one (its targets checked as the command line checks them), removal.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::AdminState;
use super::accounts::done;
use super::guard::Administrator;
use crate::error::WebError;
use crate::headers::json;
use crate::request::read_json;

#[derive(Serialize, Deserialize)]
struct AliasRow {
    alias: String,
    targets: Vec<String>,
}

pub async fn list(State(state): State<AdminState>, _admin: Administrator) -> Result<Response, WebError> {
    let aliases = state.settings.store.list_aliases().await?;
    let rows: Vec<AliasRow> =
        aliases.into_iter().map(|alias| AliasRow { alias: alias.alias, targets: alias.targets }).collect();
    Ok(json(StatusCode::OK, &rows))
}

pub async fn add(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: AliasRow = read_json(&headers, &body)?;
    let targets: Vec<String> =
        form.targets.iter().map(|target| target.trim().to_owned()).filter(|target| !target.is_empty()).collect();
    facteur_admin::add_alias(state.settings.store.as_ref(), &form.alias, &targets).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "alias add", alias = %form.alias,
        targets = %targets.join(", "), "alias added from the admin page");
    Ok(json(StatusCode::CREATED, &AliasRow { alias: form.alias, targets }))
}

#[derive(Deserialize)]
struct Named {
    alias: String,
}

pub async fn remove(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: Named = read_json(&headers, &body)?;
    state.settings.store.remove_alias(&form.alias).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "alias remove", alias = %form.alias,
        "alias removed from the admin page");
    Ok(done())
}
