//! The ways a discovery request is turned down, and the status each one answers with.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Why a document was not served. Bodies are short fixed texts: never an echo of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The address or host is not in one of our domains (or the document is not published): 404, exactly
    /// like a path that does not exist, so the answer tells nothing about other servers' users.
    NotOurs,
    /// The request lacks what the document needs, or is malformed.
    BadRequest(&'static str),
    /// The store could not answer; the client may retry.
    StoreUnavailable,
    /// A document could not be written (cannot happen with valid settings; logged).
    Internal,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, text) = match self {
            Refusal::NotOurs => (StatusCode::NOT_FOUND, "not found\n"),
            Refusal::BadRequest(why) => (StatusCode::BAD_REQUEST, why),
            Refusal::StoreUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable\n"),
            Refusal::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n"),
        };
        (status, text).into_response()
    }
}

/// Writing XML into memory fails only on a bug; say so in the log, not to the client.
impl From<std::io::Error> for Refusal {
    fn from(error: std::io::Error) -> Self {
        tracing::error!(%error, "cannot write a discovery document");
        Refusal::Internal
    }
}
