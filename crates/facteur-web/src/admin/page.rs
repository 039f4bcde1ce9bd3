//! `GET /admin`: the page. Anyone may load it (it holds no data: it asks the API, which checks); a person
//! logged in to an account that is not an administrator gets it with 403, and the page says why.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AdminState;
use super::guard::is_admin;
use crate::{assets, cookie};

pub async fn shell(State(state): State<AdminState>, headers: HeaderMap) -> Response {
    let page = || assets::named("admin.html", &headers);
    let Ok((_, session)) = cookie::session(&state.jmap, &headers).await else {
        return page();
    };
    match is_admin(&state, &session).await {
        // In full, whatever the browser has cached: a 304 cannot carry the 403.
        Ok(false) => (StatusCode::FORBIDDEN, assets::named("admin.html", &HeaderMap::new())).into_response(),
        _ => page(),
    }
}
