//! http-01 (RFC 8555 §8.3): the CA fetches `http://NAME/.well-known/acme-challenge/TOKEN` from the plain http
//! listener and expects the key authorization, as text.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The tokens being validated and their key authorizations, shared by the issuing task and the listener.
#[derive(Debug, Clone, Default)]
pub struct HttpTokens(Arc<RwLock<HashMap<String, String>>>);

impl HttpTokens {
    pub(crate) fn insert(&self, token: &str, key_authorization: &str) {
        self.0.write().unwrap_or_else(PoisonError::into_inner).insert(token.to_owned(), key_authorization.to_owned());
    }

    pub(crate) fn remove(&self, token: &str) {
        self.0.write().unwrap_or_else(PoisonError::into_inner).remove(token);
    }

    fn get(&self, token: &str) -> Option<String> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).get(token).cloned()
    }
}

/// The route the plain http listeners add: only tokens under validation answer, everything else is 404.
pub fn http01_router(tokens: HttpTokens) -> Router {
    Router::new().route("/.well-known/acme-challenge/{token}", get(answer)).with_state(tokens)
}

async fn answer(State(tokens): State<HttpTokens>, Path(token): Path<String>) -> Response {
    match tokens.get(&token) {
        Some(key_authorization) => {
            ([(header::CONTENT_TYPE, "application/octet-stream")], key_authorization).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
