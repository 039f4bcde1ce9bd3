//! The app's files, compiled into the binary: `index.html` at `/`, the rest under `/assets/`. There is no
//! build step: the JavaScript is served as written (see the crate's README for why).
//!
//! Files are not named by their content, so browsers must ask again each time (`no-cache`) and get a
//! `304 Not Modified` while the ETag (the file's hash) holds: an upgraded server is picked up at the next
//! page load, without a stale module mixing with new ones.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset { name: $name, content_type: $content_type, bytes: include_bytes!(concat!("../assets/", $name)) }
    };
}

/// Every file the app is made of. A module the app imports but this list lacks is a 404 at once in the
/// route tests, which load each import of each module.
static ASSETS: [Asset; 27] = [
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("favicon.svg", "image/svg+xml"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("jmap.js", "text/javascript; charset=utf-8"),
    asset!("login.js", "text/javascript; charset=utf-8"),
    asset!("mailboxes.js", "text/javascript; charset=utf-8"),
    asset!("list.js", "text/javascript; charset=utf-8"),
    asset!("reader.js", "text/javascript; charset=utf-8"),
    asset!("compose.js", "text/javascript; charset=utf-8"),
    asset!("filters.js", "text/javascript; charset=utf-8"),
    asset!("actions.js", "text/javascript; charset=utf-8"),
    asset!("search.js", "text/javascript; charset=utf-8"),
    asset!("push.js", "text/javascript; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    asset!("keys.js", "text/javascript; charset=utf-8"),
    asset!("dom.js", "text/javascript; charset=utf-8"),
    asset!("format.js", "text/javascript; charset=utf-8"),
    asset!("state.js", "text/javascript; charset=utf-8"),
    asset!("admin.html", "text/html; charset=utf-8"),
    asset!("admin.css", "text/css; charset=utf-8"),
    asset!("admin.js", "text/javascript; charset=utf-8"),
    asset!("admin-api.js", "text/javascript; charset=utf-8"),
    asset!("admin-table.js", "text/javascript; charset=utf-8"),
    asset!("admin-indicators.js", "text/javascript; charset=utf-8"),
    asset!("admin-queue.js", "text/javascript; charset=utf-8"),
    asset!("admin-manage.js", "text/javascript; charset=utf-8"),
];

/// Each file's ETag, computed once.
static ETAGS: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| ASSETS.iter().map(etag).collect());

fn etag(asset: &Asset) -> HeaderValue {
    let mut hasher = DefaultHasher::new();
    asset.bytes.hash(&mut hasher);
    HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish())).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// `GET /`: the app shell.
pub async fn app_shell(headers: HeaderMap) -> Response {
    named("index.html", &headers)
}

/// `GET /assets/{file}`.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    named(&file, &headers)
}

/// The file `name`, or 304 when the browser's copy is current.
pub(crate) fn named(name: &str, request: &HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|asset| asset.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (asset, etag) = (&ASSETS[index], ETAGS[index].clone());
    let cache = (CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if request.get(IF_NONE_MATCH) == Some(&etag) {
        return (StatusCode::NOT_MODIFIED, [cache, (ETAG, etag)]).into_response();
    }
    let content_type = (CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    ([content_type, cache, (ETAG, etag)], asset.bytes).into_response()
}

/// The file names, for the tests.
#[cfg(test)]
pub fn names() -> impl Iterator<Item = &'static str> {
    ASSETS.iter().map(|asset| asset.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

    #[test]
    fn every_file_in_the_directory_is_served_with_its_type() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        let mut on_disk: Vec<String> = std::fs::read_dir(directory)
            .expect("the assets directory")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .collect();
        on_disk.sort();
        let mut served: Vec<String> = names().map(str::to_owned).collect();
        served.sort();
        assert_eq!(on_disk, served);
        assert!(ASSETS.iter().filter(|a| a.name.ends_with(".js")).all(|a| a.content_type == JAVASCRIPT));
    }
}
