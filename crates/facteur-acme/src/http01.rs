//! http-01 (RFC 8555 §8.3): the CA fetches `http://NAME/.well-known/acme-challenge/TOKEN` from the plain http
//! listener and expects the key authorization, as text. With peers (several nodes behind the names), the
//! answer is published for every node too, since the CA's request may reach any of them.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AcmeError;
use crate::peers::Peers;

/// How long a published answer stays up at most, should this node die before taking it down: the
/// validation timeout of an order, with room to spare.
const ANSWER_LASTS: Duration = Duration::from_secs(10 * 60);

/// The tokens being validated and their key authorizations, shared by the issuing task and the listener.
#[derive(Clone, Default)]
pub struct HttpTokens {
    local: Arc<RwLock<HashMap<String, String>>>,
    peers: Option<Arc<dyn Peers>>,
}

impl std::fmt::Debug for HttpTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTokens").field("peers", &self.peers.is_some()).finish_non_exhaustive()
    }
}

impl HttpTokens {
    pub(crate) fn with_peers(peers: Arc<dyn Peers>) -> HttpTokens {
        HttpTokens { local: Arc::default(), peers: Some(peers) }
    }

    pub(crate) async fn insert(&self, token: &str, key_authorization: &str) -> Result<(), AcmeError> {
        self.local
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.to_owned(), key_authorization.to_owned());
        if let Some(peers) = &self.peers {
            peers.publish_http01(token, key_authorization, ANSWER_LASTS).await.map_err(AcmeError::Peers)?;
        }
        Ok(())
    }

    /// Takes the answer down here at once, and for the other nodes soon after (it expires anyway).
    pub(crate) fn remove(&self, token: &str) {
        self.local.write().unwrap_or_else(PoisonError::into_inner).remove(token);
        if let Some(peers) = self.peers.clone()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let token = token.to_owned();
            runtime.spawn(async move { peers.withdraw_http01(&token).await });
        }
    }

    async fn get(&self, token: &str) -> Option<String> {
        let local = self.local.read().unwrap_or_else(PoisonError::into_inner).get(token).cloned();
        match (local, &self.peers) {
            (Some(answer), _) => Some(answer),
            (None, Some(peers)) => peers.http01_answer(token).await,
            (None, None) => None,
        }
    }
}

/// The route the plain http listeners add: only tokens under validation answer, everything else is 404.
pub fn http01_router(tokens: HttpTokens) -> Router {
    Router::new().route("/.well-known/acme-challenge/{token}", get(answer)).with_state(tokens)
}

async fn answer(State(tokens): State<HttpTokens>, Path(token): Path<String>) -> Response {
    match tokens.get(&token).await {
        Some(key_authorization) => {
            ([(header::CONTENT_TYPE, "application/octet-stream")], key_authorization).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
