//! The headers every webmail response carries, and the two Content Security Policies: the app's, which
//! allows nothing but its own files, and a message's, which allows no script at all.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The app: its own scripts, styles and frames only, no inline script anywhere, never framed.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// A message's HTML: no script, no fetch, no font, no frame; its inline styles and `data:` images only;
/// sandboxed (an opaque origin, so not even the webmail's own cookies or DOM are reachable), and framed only
/// by the webmail. Links may open new windows, outside the sandbox.
pub const MESSAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     sandbox allow-popups allow-popups-to-escape-sandbox; frame-ancestors 'self'";

/// The same when the user asked for remote images.
pub const MESSAGE_CSP_REMOTE_IMAGES: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     img-src data: https: http:; sandbox allow-popups allow-popups-to-escape-sandbox; frame-ancestors 'self'";

/// Answers that depend on who is logged in are never stored by a browser or a proxy.
pub const NO_STORE: HeaderValue = HeaderValue::from_static("no-store");

/// On every response: no content sniffing (a JSON answer or an attachment is never run as HTML), no Referer
/// leaving the webmail (it would carry message ids), and the app's CSP unless the response set its own.
pub async fn harden(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(APP_CSP));
    }
    response
}

/// A JSON answer, never cached.
pub fn json(status: StatusCode, body: &impl Serialize) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let headers = [(CONTENT_TYPE, HeaderValue::from_static("application/json")), (CACHE_CONTROL, NO_STORE)];
    (status, headers, bytes).into_response()
}
