//! Autodiscover v2, the JSON flavour newer Outlook versions try first: given an address and a protocol, it
//! answers with the URL of that protocol's service. Of Microsoft's protocols we serve only `AutodiscoverV1`,
//! which points Outlook to our POX endpoint (see `autodiscover`).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::refusal::Refusal;
use crate::site::{Site, parse_address, query_param};

const AUTODISCOVER_V1: &str = "AutodiscoverV1";
const POX_PATH: &str = "/autodiscover/autodiscover.xml";

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ServiceUrl<'a> {
    protocol: &'a str,
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ProtocolError {
    error_code: &'static str,
    error_message: &'static str,
}

/// `GET /autodiscover/autodiscover.json?Email=…&Protocol=…`.
pub(crate) async fn serve_query(
    State(site): State<Arc<Site>>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, Refusal> {
    let email = query_param(&query, "Email").ok_or(Refusal::BadRequest("the Email parameter is missing\n"))?;
    answer(&site, email, query_param(&query, "Protocol")).await
}

/// `GET /autodiscover/autodiscover.json/v1.0/{email}?Protocol=…`, the form Outlook actually sends.
pub(crate) async fn serve_path(
    State(site): State<Arc<Site>>,
    Path(email): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
) -> Result<Response, Refusal> {
    answer(&site, &email, query_param(&query, "Protocol")).await
}

async fn answer(site: &Site, email: &str, protocol: Option<&str>) -> Result<Response, Refusal> {
    let address = parse_address(email)?;
    site.domain_of_address(&address).await?;
    let protocol = protocol.unwrap_or(AUTODISCOVER_V1);
    if !protocol.eq_ignore_ascii_case(AUTODISCOVER_V1) {
        let error = ProtocolError {
            error_code: "InvalidProtocol",
            error_message: "Only the AutodiscoverV1 protocol is supported.",
        };
        return json(StatusCode::BAD_REQUEST, &error);
    }
    let url = ServiceUrl { protocol: AUTODISCOVER_V1, url: site.discovery.https_url(POX_PATH) };
    json(StatusCode::OK, &url)
}

/// axum's `Json` needs a feature we do without; serde_json does the same in two lines.
fn json(status: StatusCode, value: &impl Serialize) -> Result<Response, Refusal> {
    let body = serde_json::to_string(value).map_err(|error| {
        tracing::error!(%error, "cannot write an Autodiscover JSON answer");
        Refusal::Internal
    })?;
    Ok((status, [(CONTENT_TYPE, "application/json")], body).into_response())
}
