//! What the webmail's and the admin page's own endpoints read: JSON only, and nothing else.
//!
//! Another site can make a browser send a form or a `text/plain` body without asking, but not JSON: reading
//! JSON only means no page elsewhere can make a visitor's browser act here (on top of `SameSite=Strict` and
//! the CSRF token).

use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::WebError;

/// The body as `T`, if it is declared and parses as JSON.
pub fn read_json<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, WebError> {
    if !is_json(headers) {
        return Err(WebError::NotJson);
    }
    serde_json::from_slice(body).map_err(|_| WebError::BadRequest)
}

fn is_json(headers: &HeaderMap) -> bool {
    let content_type = headers.get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    content_type.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}
