//! Who is asking: HTTP Basic (JMAP clients, RFC 7617) or the webmail's session cookie with its CSRF token.
//!
//! Either way the password goes through the one login flow (throttled, logged, counted). These routes are
//! served on the https listeners only, so no password travels in clear.

use std::net::IpAddr;

use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use facteur_auth::{Credentials, LoginOutcome};
use facteur_primitives::metrics::protocols;
use facteur_store::Account;

use crate::web_session::{CSRF_HEADER, SESSION_COOKIE, WebSession, csrf_matches};

/// An authenticated request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub account: Account,
}

/// Why a request was not authenticated.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthRefusal {
    #[error("authentication required")]
    Missing,
    #[error("wrong user name or password")]
    Credentials,
    #[error("the request changes state without the session's CSRF token")]
    Csrf,
    #[error("the account store cannot be read; try again")]
    Unavailable,
}

impl crate::Jmap {
    /// Authenticates a request from its headers: `Authorization: Basic`, else the session cookie (with
    /// the CSRF header on anything but GET and HEAD).
    pub async fn authenticate(
        &self,
        method: &Method,
        headers: &HeaderMap,
        peer: IpAddr,
    ) -> Result<Authenticated, AuthRefusal> {
        if let Some(credentials) = basic_credentials(headers) {
            return match self.inner.login.attempt(protocols::JMAP, peer, credentials?).await {
                LoginOutcome::Accepted(account) => Ok(Authenticated { account }),
                LoginOutcome::Refused => Err(AuthRefusal::Credentials),
                LoginOutcome::Unavailable => Err(AuthRefusal::Unavailable),
            };
        }
        let (session, account) = self.web_session(headers).await?;
        if !matches!(*method, Method::GET | Method::HEAD) {
            let presented = headers.get(CSRF_HEADER).and_then(|value| value.to_str().ok()).unwrap_or_default();
            if !csrf_matches(&session, presented) {
                return Err(AuthRefusal::Csrf);
            }
        }
        Ok(Authenticated { account })
    }

    /// The live web session of the request's cookie, with its account: THE check of a session, for the JMAP
    /// endpoints and the webmail's own. A session ends when its account is removed or its password changes
    /// (in this process or by `facteur account passwd` in another).
    pub async fn web_session(&self, headers: &HeaderMap) -> Result<(WebSession, Account), AuthRefusal> {
        let token = session_token(headers).ok_or(AuthRefusal::Missing)?;
        let session = self.inner.sessions.find(token).ok_or(AuthRefusal::Missing)?;
        match self.inner.store.account(session.account).await {
            Ok(Some(account)) if session.still_valid_for(&account) => Ok((session, account)),
            Ok(_) => {
                self.inner.sessions.close(token);
                Err(AuthRefusal::Missing)
            }
            Err(_) => Err(AuthRefusal::Unavailable),
        }
    }
}

/// `Authorization: Basic base64(user:password)`, if the request has one; malformed is a refusal.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<Credentials, AuthRefusal>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok().and_then(|bytes| String::from_utf8(bytes).ok());
    let parsed = decoded.and_then(|text| {
        let (user, password) = text.split_once(':')?;
        Some(Credentials { authcid: user.to_owned(), password: password.to_owned() })
    });
    Some(parsed.ok_or(AuthRefusal::Credentials))
}

/// The session token the request's `Cookie` headers carry, if any (RFC 6265 §5.4: `name=value` pairs
/// separated by `; `; the first one with our name wins, as browsers send the most specific first). THE reading
/// of the webmail's cookie, for the JMAP endpoints and the webmail's own.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, token)| token.trim_matches('"'))
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn basic_credentials_are_decoded_and_malformed_ones_refused() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic YWxpY2VAeC50ZXN0OnMzY3I6dA=="));
        let credentials = basic_credentials(&headers).unwrap().unwrap();
        assert_eq!((credentials.authcid.as_str(), credentials.password.as_str()), ("alice@x.test", "s3cr:t"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic_credentials(&headers).unwrap().unwrap_err(), AuthRefusal::Credentials);
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer abc"));
        assert!(basic_credentials(&headers).is_none());
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let token_of = |cookies: &[&str]| {
            let mut headers = HeaderMap::new();
            for cookie in cookies {
                headers.append(header::COOKIE, HeaderValue::from_str(cookie).expect("a header value"));
            }
            session_token(&headers).map(str::to_owned)
        };
        assert_eq!(token_of(&["a=1; facteur_session=abc; b=2"]), Some("abc".to_owned()));
        assert_eq!(token_of(&["a=1", "facteur_session=\"abc\""]), Some("abc".to_owned()));
        assert_eq!(token_of(&["facteur_session_old=abc"]), None);
        assert_eq!(token_of(&["facteur_session="]), None);
        assert_eq!(token_of(&[]), None);
    }
}
