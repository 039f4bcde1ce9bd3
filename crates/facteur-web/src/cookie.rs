//! The session cookie: written at login, cleared at logout (facteur-jmap reads it, for both).
//!
//! `HttpOnly` keeps the token away from any script (ours included: the page holds only the CSRF token),
//! `Secure` keeps it off plain HTTP, `SameSite=Strict` keeps other sites from sending it, `Path=/` because
//! the JMAP endpoints accept it too.

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use facteur_jmap::web_session::csrf_matches;
use facteur_jmap::{CSRF_HEADER, SESSION_COOKIE, WebSession};

use crate::error::WebError;

/// The live session of the request's cookie.
pub async fn session(jmap: &facteur_jmap::Jmap, headers: &HeaderMap) -> Result<(String, WebSession), WebError> {
    let (session, _) = jmap.web_session(headers).await.map_err(|refusal| match refusal {
        facteur_jmap::AuthRefusal::Unavailable => WebError::Unavailable,
        _ => WebError::NotLoggedIn,
    })?;
    Ok((session.token.clone(), session))
}

/// Refuses a change that lacks the session's CSRF token (`X-Facteur-CSRF`): only the page the login answered
/// knows it, so a request another site makes the browser send (cookie attached or not) is refused.
pub fn require_csrf(session: &WebSession, headers: &HeaderMap) -> Result<(), WebError> {
    let presented = headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()).unwrap_or_default();
    if csrf_matches(session, presented) { Ok(()) } else { Err(WebError::Csrf) }
}

/// `Set-Cookie` for a new session.
pub fn set(session: &WebSession) -> (axum::http::HeaderName, HeaderValue) {
    let cookie = format!("{SESSION_COOKIE}={}; HttpOnly; Secure; SameSite=Strict; Path=/", session.token);
    // The token is URL-safe base64, always a valid header value; an empty cookie is the safe fallback.
    (SET_COOKIE, HeaderValue::from_str(&cookie).unwrap_or_else(|_| cleared().1))
}

/// `Set-Cookie` that makes the browser forget the session.
pub fn cleared() -> (axum::http::HeaderName, HeaderValue) {
    let cookie = format!("{SESSION_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0");
    (SET_COOKIE, HeaderValue::from_str(&cookie).unwrap_or(HeaderValue::from_static("")))
}
