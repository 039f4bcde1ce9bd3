//! Logging in and out of the webmail: a password exchanged for a session cookie and a CSRF token (see
//! `facteur_jmap::web_session` for why both), the session read back after a page reload, and a logout that
//! ends the session on the server, not just in this browser.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use facteur_jmap::{Jmap, LoginRefused, WebSession};
use serde::{Deserialize, Serialize};
use tracing::debug;

use crate::cookie;
use crate::error::WebError;
use crate::headers::json;
use crate::request::read_json;

/// The login form's JSON. No `Debug`: it holds a password.
#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

/// What the page learns about its session: who, the CSRF token to send back, and the JMAP account.
#[derive(Debug, Serialize)]
struct SessionInfo<'a> {
    username: &'a str,
    csrf: &'a str,
    /// The JMAP account id, the same string the JMAP session resource lists.
    #[serde(rename = "accountId")]
    account_id: String,
}

fn session_info(session: &WebSession) -> Response {
    let info = SessionInfo {
        username: &session.username,
        csrf: &session.csrf,
        account_id: facteur_jmap::account_id(session.account),
    };
    json(StatusCode::OK, &info)
}

/// `POST /webmail/login`: the password goes through the one login flow (throttled, logged, counted), with
/// the client's address for the throttle.
///
/// Only JSON is read (`request.rs`): no page elsewhere can log a visitor in to an account of its choosing.
pub async fn login(
    State(jmap): State<Jmap>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let form: LoginForm = read_json(&headers, &body)?;
    let session =
        jmap.web_sessions().open(&form.username, &form.password, peer.ip()).await.map_err(|refused| match refused {
            LoginRefused::Credentials => WebError::Credentials,
            LoginRefused::Unavailable => WebError::Unavailable,
        })?;
    let mut response = session_info(&session);
    let (name, value) = cookie::set(&session);
    response.headers_mut().insert(name, value);
    Ok(response)
}

/// `GET /webmail/session`: the session of the cookie, so that a reloaded page carries on.
pub async fn current(State(jmap): State<Jmap>, headers: HeaderMap) -> Result<Response, WebError> {
    let (_, session) = cookie::session(&jmap, &headers).await?;
    Ok(session_info(&session))
}

/// `POST /webmail/logout`, with the CSRF token: the session ends on the server (a copied cookie is
/// worthless from then on) and the browser is told to forget the cookie.
pub async fn logout(State(jmap): State<Jmap>, headers: HeaderMap) -> Result<Response, WebError> {
    let (token, session) = cookie::session(&jmap, &headers).await?;
    cookie::require_csrf(&session, &headers)?;
    jmap.web_sessions().close(&token);
    debug!(account = session.account.0, "webmail session closed");
    Ok((StatusCode::NO_CONTENT, [cookie::cleared()]).into_response())
}
