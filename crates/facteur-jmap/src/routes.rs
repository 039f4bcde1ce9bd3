//! The HTTP face of JMAP (RFC 8620 §2, §3.1, §6, §7.3): which path does what, authentication first, and the
//! limits each endpoint enforces with the RFC's errors.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{AuthRefusal, Authenticated};
use crate::protocol::{Request, RequestError};
use crate::web_session::CSRF_HEADER;
use crate::{Jmap, api, blobs, ids, push, session};

pub(crate) fn router(jmap: Jmap) -> Router {
    let limits = jmap.inner.limits;
    let upload_limit = usize::try_from(limits.max_size_upload).unwrap_or(usize::MAX);
    let upload = post(upload).layer(DefaultBodyLimit::max(upload_limit));
    Router::new()
        .route("/.well-known/jmap", get(session_resource))
        .route("/jmap/session", get(session_resource))
        .route("/jmap/api", post(api_request).layer(DefaultBodyLimit::max(limits.max_size_request)))
        .route("/jmap/upload/{account}", upload.clone())
        .route("/jmap/upload/{account}/", upload)
        .route("/jmap/download/{account}/{blob}/{name}", get(download))
        .route("/jmap/eventsource", get(push::event_source))
        .with_state(jmap)
}

/// The client's address, which facteur-http's server puts on every request as axum's `ConnectInfo`
/// (unspecified if a router is served some other way, as in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Peer, Infallible> {
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip());
        Ok(Peer(address.unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    }
}

/// Authenticates, or answers 401 / 403 / 503.
/// A handler that takes [`Authenticated`] runs only for an authenticated request; the others get 401, 403
/// or 503 (see [`refused`]).
impl FromRequestParts<Jmap> for Authenticated {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, jmap: &Jmap) -> Result<Authenticated, Response> {
        let Ok(Peer(peer)) = Peer::from_request_parts(parts, jmap).await;
        jmap.authenticate(&parts.method, &parts.headers, peer)
            .await
            .map_err(|refusal| refused(&refusal, &parts.headers))
    }
}

fn refused(refusal: &AuthRefusal, headers: &HeaderMap) -> Response {
    let status = match refusal {
        AuthRefusal::Missing | AuthRefusal::Credentials => StatusCode::UNAUTHORIZED,
        AuthRefusal::Csrf => StatusCode::FORBIDDEN,
        AuthRefusal::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    };
    let mut response =
        problem(status, json!({ "type": "about:blank", "status": status.as_u16(), "detail": refusal.to_string() }));
    // A Basic challenge makes browsers show their own password dialog: not for the webmail's requests.
    let from_webmail = headers.contains_key(CSRF_HEADER) || crate::auth::session_token(headers).is_some();
    if status == StatusCode::UNAUTHORIZED && !from_webmail {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Facteur\", charset=\"UTF-8\""));
    }
    response
}

fn problem(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

fn json_response(body: &impl serde::Serialize) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => {
            let mut response = (StatusCode::OK, text).into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `https://host[:port]` from the request's Host, which must look like a host name (it is echoed into URLs).
fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or("localhost");
    let safe = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    format!("https://{}", if safe { host } else { "localhost" })
}

async fn session_resource(State(jmap): State<Jmap>, who: Authenticated, headers: HeaderMap) -> Response {
    json_response(&session::resource(&jmap.inner, &who.account, &origin(&headers)))
}

async fn api_request(
    State(jmap): State<Jmap>,
    who: Authenticated,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let Some(_slot) = jmap.inner.request_slot(who.account.id) else {
        return request_error(&RequestError::Limit("maxConcurrentRequests"));
    };
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return request_error(&RequestError::Limit("maxSizeRequest"));
        }
        Err(rejection) => return rejection.into_response(),
    };
    // RFC 8620 §3.3 and §3.6.1: application/json only. It also means a page on another site cannot post a
    // request with a browser's cached Basic credentials: a cross-site form cannot send this type.
    if !is_json(&headers) {
        return request_error(&RequestError::NotJson("the request must be application/json".to_owned()));
    }
    let request = match parse_request(&body) {
        Ok(request) => request,
        Err(error) => return request_error(&error),
    };
    match api::run(&jmap.inner, &who.account, peer.0, request).await {
        Ok(response) => json_response(&response),
        Err(error) => request_error(&error),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let value = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
    value.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

/// Not JSON at all is `notJSON`; JSON of the wrong shape is `notRequest` (RFC 8620 §3.6.1).
fn parse_request(body: &[u8]) -> Result<Request, RequestError> {
    let value: Value = serde_json::from_slice(body).map_err(|error| RequestError::NotJson(error.to_string()))?;
    serde_json::from_value(value).map_err(|error| RequestError::NotRequest(error.to_string()))
}

fn request_error(error: &RequestError) -> Response {
    problem(StatusCode::BAD_REQUEST, error.to_problem())
}

async fn upload(
    State(jmap): State<Jmap>,
    Path(account): Path<String>,
    who: Authenticated,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    if ids::parse_account(&account) != Some(who.account.id) {
        return problem(
            StatusCode::NOT_FOUND,
            json!({ "type": "about:blank", "status": 404, "detail": "no such account" }),
        );
    }
    let Some(_slot) = jmap.inner.upload_slot(who.account.id) else {
        return request_error(&RequestError::Limit("maxConcurrentUpload"));
    };
    let body = match body {
        Ok(body) => body,
        // RFC 8620 §6.1: past maxSizeUpload, a limit error; axum's body limit is what says so.
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let mut response = request_error(&RequestError::Limit("maxSizeUpload"));
            *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return response;
        }
        Err(rejection) => return rejection.into_response(),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_owned();
    let size = body.len();
    let blob_store = jmap.inner.store.blobs().clone();
    let stored = tokio::task::spawn_blocking(move || blob_store.put(&body)).await;
    match stored {
        Ok(Ok(blob)) => {
            jmap.inner.uploads.remember(who.account.id, blob);
            json_response(&json!({
                "accountId": ids::account(who.account.id),
                "blobId": ids::blob(ids::Blob::Upload(blob)),
                "type": content_type,
                "size": size,
            }))
        }
        _ => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct DownloadQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

async fn download(
    State(jmap): State<Jmap>,
    Path((account, blob, name)): Path<(String, String, String)>,
    Query(query): Query<DownloadQuery>,
    who: Authenticated,
) -> Response {
    let not_found = || StatusCode::NOT_FOUND.into_response();
    if ids::parse_account(&account) != Some(who.account.id) {
        return not_found();
    }
    let bytes = match blobs::read(&jmap.inner, &who.account, &blob).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return not_found(),
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type(query.kind.as_deref()));
    if let Ok(disposition) = HeaderValue::from_str(&content_disposition(&name)) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    // Whatever the bytes are (HTML from a stranger included), they never run as a page of our origin.
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, immutable, max-age=31536000"));
    response
}

/// The `type` the client asked for, if it is a plain media type, else `application/octet-stream`.
fn content_type(kind: Option<&str>) -> HeaderValue {
    let plain = kind.filter(|kind| {
        kind.len() < 128
            && kind.split_once('/').is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
            && kind.bytes().all(|b| b.is_ascii_alphanumeric() || b"/.+-_".contains(&b))
    });
    plain
        .and_then(|kind| HeaderValue::from_str(kind).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): always an attachment, so a browser saves the
/// file rather than rendering it.
fn content_disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_are_attachments_with_safe_names_and_types() {
        assert_eq!(
            content_disposition("devis été.pdf"),
            "attachment; filename=\"devis _t_.pdf\"; filename*=UTF-8''devis%20%C3%A9t%C3%A9.pdf"
        );
        assert_eq!(
            content_disposition("a\"b\r\n.txt"),
            "attachment; filename=\"a_b__.txt\"; filename*=UTF-8''a%22b%0D%0A.txt"
        );
        assert_eq!(content_type(Some("image/png")), "image/png");
        assert_eq!(content_type(Some("text/html\r\nX: y")), "application/octet-stream");
        assert_eq!(content_type(None), "application/octet-stream");
    }

    #[test]
    fn malformed_json_and_wrong_shapes_get_their_errors() {
        assert!(matches!(parse_request(b"{"), Err(RequestError::NotJson(_))));
        assert!(matches!(parse_request(b"{\"using\": 3}"), Err(RequestError::NotRequest(_))));
        assert!(parse_request(b"{\"using\": [], \"methodCalls\": []}").is_ok());
    }
}
