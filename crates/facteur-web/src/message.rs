//! `GET /webmail/message/{emailId}/html?images=0|1`: a message's HTML as a complete document, sanitised,
//! its `cid:` images inlined, for the reader's sandboxed iframe.
//!
//! Two walls: the sanitiser (`sanitize.rs`, checked again by `audit.rs`) and the response's CSP, which
//! sandboxes the document (no script, an opaque origin) and lets it load nothing but `data:` images, or
//! remote images too once the user asked for them.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use facteur_jmap::{HtmlBody, Jmap};
use facteur_store::AccountId;
use tracing::{debug, warn};

use crate::audit::find_hazard;
use crate::cookie;
use crate::error::WebError;
use crate::headers::{MESSAGE_CSP, MESSAGE_CSP_REMOTE_IMAGES, NO_STORE};
use crate::sanitize::{INLINE_IMAGE_TYPES, InlineImages, RemoteImages, sanitize_html};

/// Inline images read for one message at most, in bytes: a message with more shows the rest as missing
/// images rather than making one request hold hundreds of megabytes (base64 adds a third on top).
const MAX_INLINE_BYTES: usize = 16 * 1024 * 1024;
/// Inline parts looked at for one message at most.
const MAX_INLINE_PARTS: usize = 64;

/// The reader's look for a message: readable type, images that fit, long words that wrap.
const MESSAGE_STYLE: &str = "body{margin:0;padding:12px 16px;font:15px/1.45 system-ui,sans-serif;\
color:#1b1b1b;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}\
blockquote{margin:0 0 0 4px;padding-left:10px;border-left:3px solid #c8c8c8;color:#444}\
pre{white-space:pre-wrap}table{max-width:100%}";

pub async fn html(
    State(jmap): State<Jmap>,
    Path(email_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (_, session) = cookie::session(&jmap, &headers).await?;
    let remote = match query.get("images").map(String::as_str) {
        Some("1") => RemoteImages::Allowed,
        _ => RemoteImages::Blocked,
    };
    let body = jmap.html_body(session.account, &email_id).await.map_err(|error| {
        warn!(%error, "a message's HTML could not be read");
        WebError::Unavailable
    })?;
    let body = body.ok_or(WebError::NotFound)?;
    let inline = inline_images(&jmap, session.account, &body).await;
    let sanitised = sanitize_html(&body.html, remote, &inline);
    let content = match find_hazard(&sanitised, remote) {
        None => sanitised,
        Some(hazard) => {
            // Where, not what: the hazard quotes the message, which is not for the log.
            warn!(email = %email_id, at = hazard.at, "sanitised HTML failed its audit; not shown");
            "<p>This message cannot be shown safely. / Ce message ne peut pas être affiché sans risque.</p>".to_owned()
        }
    };
    let csp = match remote {
        RemoteImages::Blocked => MESSAGE_CSP,
        RemoteImages::Allowed => MESSAGE_CSP_REMOTE_IMAGES,
    };
    let response_headers = [
        (CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
        (CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp)),
        (CACHE_CONTROL, NO_STORE),
    ];
    Ok((response_headers, document(&content)).into_response())
}

/// The sanitised fragment inside a complete document of ours.
fn document(body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>{MESSAGE_STYLE}</style></head><body>{body}</body></html>\n"
    )
}

/// The message's inline image parts that its HTML names by `cid:`, read within the size budget.
async fn inline_images(jmap: &Jmap, account: AccountId, body: &HtmlBody) -> InlineImages {
    let mut images = InlineImages::default();
    if !body.html.to_ascii_lowercase().contains("cid:") {
        return images;
    }
    let mut budget = MAX_INLINE_BYTES;
    for part in body.inline_parts.iter().filter(|part| is_image(&part.content_type)).take(MAX_INLINE_PARTS) {
        match jmap.download(account, &part.blob_id).await {
            Ok(Some(bytes)) if bytes.len() <= budget => {
                budget -= bytes.len();
                images.insert(&part.content_id, &part.content_type, &bytes);
            }
            Ok(Some(_)) => debug!("inline images over budget; the rest are left out"),
            Ok(None) => {}
            Err(error) => warn!(%error, "an inline image could not be read"),
        }
    }
    images
}

fn is_image(content_type: &str) -> bool {
    let media_type = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    INLINE_IMAGE_TYPES.contains(&media_type.as_str())
}
