//! What the webmail's own endpoints answer when they refuse, as JSON the page shows.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::headers::json;

/// Why a webmail request was refused. The message is what the page shows the user.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WebError {
    #[error("not logged in")]
    NotLoggedIn,
    #[error("wrong user name or password")]
    Credentials,
    #[error("the request lacks the session's CSRF token")]
    Csrf,
    #[error("the request is not the JSON this endpoint reads")]
    BadRequest,
    #[error("the request body must be JSON (Content-Type: application/json)")]
    NotJson,
    #[error("no such message, or it has no HTML part")]
    NotFound,
    #[error("the account store cannot be read; try again")]
    Unavailable,
    /// A fault of the server's, not of the request: the log says what, the answer does not.
    #[error("the server could not do this; its log says why")]
    Internal,
    #[error("this account is not an administrator")]
    NotAdmin,
    /// What the person typed is refused as it is (the Filters page's rules and dates); the message says why.
    #[error("{0}")]
    Invalid(String),
    /// An operation refused as asked (an admin operation, filters over the account's `[sieve]` limits); the
    /// message says what to change.
    #[error("{0}")]
    Refused(String),
    /// What the admin page named does not exist.
    #[error("{0}")]
    Missing(String),
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotLoggedIn | WebError::Credentials => StatusCode::UNAUTHORIZED,
            WebError::Csrf | WebError::NotAdmin => StatusCode::FORBIDDEN,
            WebError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Missing(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest | WebError::Invalid(_) => StatusCode::BAD_REQUEST,
            WebError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<facteur_admin::AdminError> for WebError {
    fn from(error: facteur_admin::AdminError) -> Self {
        use facteur_store::StoreError;
        match error {
            facteur_admin::AdminError::Store(error @ (StoreError::NotFound(..) | StoreError::NoSuchQueueEntry(..))) => {
                WebError::Missing(error.to_string())
            }
            refusal if refusal.is_refusal() => WebError::Refused(refusal.to_string()),
            failure => {
                tracing::warn!(error = %failure, "an admin operation failed");
                WebError::Unavailable
            }
        }
    }
}

impl From<facteur_store::StoreError> for WebError {
    fn from(error: facteur_store::StoreError) -> Self {
        facteur_admin::AdminError::Store(error).into()
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        json(self.status(), &serde_json::json!({ "error": self.to_string() }))
    }
}
