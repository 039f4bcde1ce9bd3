//! `/` on a plain http listener: a browser is sent to the same host over TLS, where the webmail is (nothing
//! that asks for a password is served in clear).

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// `router` with `GET /` answered by a `308` (permanent, RFC 9110 §15.4.9) to `https://HOST[:https_port]/`.
pub fn with_https_redirect(router: Router, https_port: u16) -> Router {
    router.route("/", get(move |headers: HeaderMap| async move { to_https(&headers, https_port) }))
}

/// The host comes from the request, so it must look like a host name before it goes into `Location:`.
fn to_https(headers: &HeaderMap, https_port: u16) -> Response {
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
    let plausible = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !plausible {
        return StatusCode::NOT_FOUND.into_response();
    }
    let location = match https_port {
        443 => format!("https://{name}/"),
        port => format!("https://{name}:{port}/"),
    };
    Redirect::permanent(&location).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn location(host: &str, port: u16) -> (StatusCode, Option<String>) {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_str(host).unwrap_or(HeaderValue::from_static("")));
        let response = to_https(&headers, port);
        let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        (response.status(), location)
    }

    #[test]
    fn browsers_go_to_the_same_host_over_tls_and_odd_hosts_nowhere() {
        assert_eq!(
            location("mail.example.com", 443),
            (StatusCode::PERMANENT_REDIRECT, Some("https://mail.example.com/".into()))
        );
        assert_eq!(location("localhost:10080", 10443).1.as_deref(), Some("https://localhost:10443/"));
        assert_eq!(location("evil.test/@x", 443).0, StatusCode::NOT_FOUND);
        assert_eq!(location("", 443).0, StatusCode::NOT_FOUND);
    }
}
