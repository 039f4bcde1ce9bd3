//! The session cookie: read from a request, written at login, cleared at logout.
//!
//! `HttpOnly` keeps the token away from any script (ours included: the page holds only the CSRF token),
//! `Secure` keeps it off plain HTTP, `SameSite=Strict` keeps other sites from sending it, `Path=/` because
//! the JMAP endpoints accept it too.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use facteur_jmap::{SESSION_COOKIE, WebSession};

use crate::error::WebError;

/// The session token the request's `Cookie` headers carry, if any (RFC 6265 §5.4: `name=value` pairs
/// separated by `; `; the first one with our name wins, as browsers send the most specific first).
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, token)| token.trim_matches('"'))
        .filter(|token| !token.is_empty())
}

/// The live session of the request's cookie.
pub fn session(jmap: &facteur_jmap::Jmap, headers: &HeaderMap) -> Result<(String, WebSession), WebError> {
    let token = session_token(headers).ok_or(WebError::NotLoggedIn)?;
    let session = jmap.web_sessions().find(token).ok_or(WebError::NotLoggedIn)?;
    Ok((token.to_owned(), session))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn token_of(cookies: &[&str]) -> Option<String> {
        let mut headers = HeaderMap::new();
        for cookie in cookies {
            headers.append(COOKIE, HeaderValue::from_str(cookie).expect("a header value"));
        }
        session_token(&headers).map(str::to_owned)
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(token_of(&["a=1; facteur_session=abc; b=2"]), Some("abc".to_owned()));
        assert_eq!(token_of(&["a=1", "facteur_session=\"abc\""]), Some("abc".to_owned()));
        assert_eq!(token_of(&["facteur_session_old=abc"]), None);
        assert_eq!(token_of(&["facteur_session="]), None);
        assert_eq!(token_of(&[]), None);
    }
}
