//! Accounts: the list, a new one, a new password, a quota, the admin mark, removal. An administrator cannot
//! remove their own account or their own mark: the page would lock them out mid-session.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tracing::info;

use super::AdminState;
use super::guard::Administrator;
use crate::error::WebError;
use crate::headers::json;
use crate::request::read_json;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountRow {
    address: String,
    messages: u64,
    used_bytes: u64,
    /// `null`: unlimited.
    quota_bytes: Option<u64>,
    admin: bool,
}

pub async fn list(State(state): State<AdminState>, _admin: Administrator) -> Result<Response, WebError> {
    let rows: Vec<AccountRow> = facteur_admin::account_summaries(state.settings.store.as_ref())
        .await?
        .into_iter()
        .map(|account| AccountRow {
            address: account.address,
            messages: account.messages,
            used_bytes: account.used_bytes,
            quota_bytes: account.quota_bytes,
            admin: account.admin,
        })
        .collect();
    Ok(json(StatusCode::OK, &rows))
}

/// No `Debug`: it holds a password.
#[derive(Deserialize)]
struct NewAccount {
    address: String,
    password: String,
    #[serde(default)]
    admin: bool,
}

pub async fn add(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: NewAccount = read_json(&headers, &body)?;
    let settings = &state.settings;
    let store = settings.store.as_ref();
    facteur_admin::add_account(store, &form.address, &form.password, settings.min_password_length, form.admin).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "account add", account = %form.address,
        administrator = form.admin, "account added from the admin page");
    Ok(json(StatusCode::CREATED, &serde_json::json!({ "address": form.address })))
}

/// No `Debug`: it holds a password.
#[derive(Deserialize)]
struct NewPassword {
    address: String,
    password: String,
}

pub async fn password(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: NewPassword = read_json(&headers, &body)?;
    let settings = &state.settings;
    facteur_admin::change_password(
        settings.store.as_ref(),
        &form.address,
        &form.password,
        settings.min_password_length,
    )
    .await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "account passwd", account = %form.address,
        "password changed from the admin page");
    Ok(done())
}

#[derive(Deserialize)]
struct Quota {
    address: String,
    /// `unlimited`, or a size (`500M`, `2G`).
    quota: String,
}

pub async fn quota(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: Quota = read_json(&headers, &body)?;
    let limit = facteur_admin::parse_quota(&form.quota)?;
    state.settings.store.set_quota(&form.address, limit).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "account quota", account = %form.address,
        quota = %form.quota, "quota changed from the admin page");
    Ok(done())
}

#[derive(Deserialize)]
struct AdminMark {
    address: String,
    admin: bool,
}

pub async fn admin_mark(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: AdminMark = read_json(&headers, &body)?;
    if !form.admin && is_self(&state, &admin, &form.address).await? {
        return Err(WebError::Refused("you cannot remove your own administrator mark here".to_owned()));
    }
    state.settings.store.set_admin(&form.address, form.admin).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "account admin", account = %form.address,
        administrator = form.admin, "admin mark changed from the admin page");
    Ok(done())
}

#[derive(Deserialize)]
struct Named {
    address: String,
}

pub async fn remove(
    State(state): State<AdminState>,
    admin: Administrator,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: Named = read_json(&headers, &body)?;
    if is_self(&state, &admin, &form.address).await? {
        return Err(WebError::Refused("you cannot remove the account you are logged in with".to_owned()));
    }
    state.settings.store.remove_account(&form.address).await?;
    info!(target: "facteur::admin", admin = admin.name(), action = "account remove", account = %form.address,
        "account and its mail removed from the admin page");
    Ok(done())
}

/// Whether `address` is the administrator's own account.
async fn is_self(state: &AdminState, admin: &Administrator, address: &str) -> Result<bool, WebError> {
    let account = state.settings.store.account_by_address(address).await?;
    Ok(account.is_some_and(|account| account.id == admin.session.account))
}

/// The answer to a change that has nothing to say.
pub(super) fn done() -> Response {
    json(StatusCode::OK, &serde_json::json!({ "done": true }))
}
