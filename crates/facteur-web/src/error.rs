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
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::NotLoggedIn | WebError::Credentials => StatusCode::UNAUTHORIZED,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::BadRequest => StatusCode::BAD_REQUEST,
            WebError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        json(self.status(), &serde_json::json!({ "error": self.to_string() }))
    }
}
