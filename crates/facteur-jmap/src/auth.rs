//! Who is asking: HTTP Basic (JMAP clients) or the webmail's session cookie with its CSRF token.
//!
//! Either way the password goes through the one login flow (throttled, logged, counted); only over TLS,
//! because the listeners serving these routes are the https ones.

use std::net::IpAddr;

use axum::http::{HeaderMap, Method};
use facteur_store::Account;

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
        let _ = (method, headers, peer);
        Err(AuthRefusal::Missing)
    }
}
