//! Which path serves what, and the limits and headers every webmail request is held to.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use facteur_jmap::Jmap;

use crate::{assets, filters, headers, message, session};

/// The largest body the webmail's own endpoints read (a login form is a few hundred bytes), but for the
/// Filters page's (`filters::MAX_FILTERS_BODY`). Uploads and JMAP requests go to the JMAP endpoints, which
/// have their own limits.
pub const MAX_REQUEST_BODY: usize = 16 * 1024;

/// The webmail, to merge with [`Jmap::router`] on the https listeners:
///
/// - `GET /` the app, `GET /assets/{file}` its files;
/// - `POST /webmail/login`, `GET /webmail/session`, `POST /webmail/logout`;
/// - `GET /webmail/message/{emailId}/html?images=0|1` a message's sanitised HTML;
/// - `GET`, `PUT /webmail/filters` the rules and the out-of-office reply (`filters.rs`).
///
/// No fallback is set, so that merging with other routers is possible: paths not listed here are theirs.
pub fn router(jmap: Jmap) -> Router {
    Router::new()
        .route("/", get(assets::app_shell))
        .route("/assets/{file}", get(assets::serve))
        .route("/webmail/login", post(session::login))
        .route("/webmail/session", get(session::current))
        .route("/webmail/logout", post(session::logout))
        .route("/webmail/message/{email_id}/html", get(message::html))
        .route(
            "/webmail/filters",
            get(filters::get).put(filters::put).layer(DefaultBodyLimit::max(filters::MAX_FILTERS_BODY)),
        )
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(middleware::map_response(headers::harden))
        .with_state(jmap)
}
