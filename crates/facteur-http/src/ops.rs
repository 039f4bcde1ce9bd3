//! The operations router: liveness and Prometheus metrics, meant for a separate (internal) address.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::recorder::MetricsHandle;
use crate::routes::{MAX_REQUEST_BODY, not_found};

/// The Prometheus text format's media type (exposition format 0.0.4).
const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /healthz` (200 `ok` while the process serves requests) and `GET /metrics`; anything else is 404.
pub fn ops_router(metrics: MetricsHandle) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(render_metrics))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .with_state(metrics)
}

async fn render_metrics(State(metrics): State<MetricsHandle>) -> impl IntoResponse {
    ([(CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE)], metrics.render())
}
