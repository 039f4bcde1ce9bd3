//! The discovery router: which path serves which document, and the limits every request is held to.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::http::header::X_CONTENT_TYPE_OPTIONS;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use facteur_store::Store;

use crate::discovery::Discovery;
use crate::refusal::Refusal;
use crate::site::Site;
use crate::{apple, autoconfig, autodiscover, autodiscover_json, mta_sts};
use facteur_primitives::metrics::{self as names, labels};

/// The largest request body read (an Autodiscover request is a few hundred bytes); more is refused with 413.
pub const MAX_REQUEST_BODY: usize = 64 * 1024;

/// Every discovery document, for every domain the store says is local:
///
/// - `GET /.well-known/autoconfig/mail/config-v1.1.xml`, `GET /mail/config-v1.1.xml?emailaddress=…`
///   (Thunderbird autoconfig);
/// - `POST /autodiscover/autodiscover.xml` (Outlook, POX), `GET /autodiscover/autodiscover.json?Email=…&Protocol=…`
///   and `GET /autodiscover/autodiscover.json/v1.0/{email}?Protocol=AutodiscoverV1` (Autodiscover v2);
/// - `GET /apple/mail.mobileconfig?emailaddress=…` (Apple configuration profile);
/// - `GET /.well-known/mta-sts.txt` (RFC 8461).
///
/// Anything else is 404 (there are no files behind this router, so nothing to list).
pub fn discovery_router(discovery: Discovery, store: Arc<dyn Store>) -> Router {
    let site = Arc::new(Site::new(discovery, store));
    Router::new()
        .route("/.well-known/autoconfig/mail/config-v1.1.xml", get(autoconfig::serve))
        .route("/mail/config-v1.1.xml", get(autoconfig::serve))
        // Outlook capitalises the path; paths are case-sensitive, so both spellings are routes.
        .route("/autodiscover/autodiscover.xml", post(autodiscover::serve))
        .route("/Autodiscover/Autodiscover.xml", post(autodiscover::serve))
        .route("/autodiscover/autodiscover.json", get(autodiscover_json::serve_query))
        .route("/Autodiscover/Autodiscover.json", get(autodiscover_json::serve_query))
        .route("/autodiscover/autodiscover.json/v1.0/{email}", get(autodiscover_json::serve_path))
        .route("/Autodiscover/Autodiscover.json/v1.0/{email}", get(autodiscover_json::serve_path))
        .route("/apple/mail.mobileconfig", get(apple::serve))
        .route("/.well-known/mta-sts.txt", get(mta_sts::serve))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(middleware::map_response(count_and_harden))
        .with_state(site)
}

pub(crate) async fn not_found() -> Response {
    Refusal::NotOurs.into_response()
}

/// Counts the answer by status, and tells browsers not to guess content types (an XML document echoing an
/// address must never be sniffed as HTML).
async fn count_and_harden(mut response: Response) -> Response {
    metrics::counter!(names::HTTP_REQUESTS_TOTAL, labels::STATUS => response.status().as_str().to_owned()).increment(1);
    response.headers_mut().insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}
