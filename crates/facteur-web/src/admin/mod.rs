//! The admin page, at `/admin` on the https listeners, for accounts marked admin (`facteur account admin
//! ADDRESS on`): accounts, domains, aliases and quotas; the queue; the delivery indicators as charts; the trace
//! search; the DNS check. It is the webmail's stack: the same login and session cookie, the same CSP and
//! headers, JSON only, and the CSRF token on every change.
//!
//! Every operation is `facteur_admin`'s, the one the command line runs, so both refuse the same things with
//! the same words. Each change is logged (target `facteur::admin`) with who made it.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use facteur_admin::DomainSetup;
use facteur_jmap::Jmap;
use facteur_store::Store;

use crate::headers;
use crate::routes::MAX_REQUEST_BODY;

/// Accounts and their passwords, quotas and admin marks.
mod accounts;
/// Aliases.
mod aliases;
/// Domains and their DNS check.
mod domains;
/// Who may: the session, the admin mark, the CSRF token.
mod guard;
/// The delivery indicators, for the charts.
mod indicators;
/// `GET /admin`.
mod page;
/// The outbound queue and its actions.
mod queue;
/// The trace search.
mod trace;

/// What the admin page needs from the server besides JMAP's sessions.
#[derive(Clone)]
pub struct AdminSettings {
    pub store: Arc<dyn Store>,
    /// Domain set-up (DKIM keys, DNS check): the binary's.
    pub domains: Arc<dyn DomainSetup>,
    /// `[auth] min_password_length`.
    pub min_password_length: usize,
}

/// The router's state.
#[derive(Clone)]
struct AdminState {
    jmap: Jmap,
    settings: AdminSettings,
}

/// The admin page, to merge with the webmail's router on the https listeners:
///
/// - `GET /admin` the page (403 for a logged-in account that is not an administrator);
/// - `GET /admin/api/{accounts,domains,aliases,queue,indicators,trace,dns}` what it shows;
/// - `POST /admin/api/…` what it changes, JSON with the session's CSRF token.
pub fn admin_router(jmap: Jmap, settings: AdminSettings) -> Router {
    Router::new()
        .route("/admin", get(page::shell))
        .route("/admin/api/accounts", get(accounts::list).post(accounts::add))
        .route("/admin/api/accounts/password", post(accounts::password))
        .route("/admin/api/accounts/quota", post(accounts::quota))
        .route("/admin/api/accounts/admin", post(accounts::admin_mark))
        .route("/admin/api/accounts/remove", post(accounts::remove))
        .route("/admin/api/domains", get(domains::list).post(domains::add))
        .route("/admin/api/domains/remove", post(domains::remove))
        .route("/admin/api/dns", get(domains::check))
        .route("/admin/api/aliases", get(aliases::list).post(aliases::add))
        .route("/admin/api/aliases/remove", post(aliases::remove))
        .route("/admin/api/queue", get(queue::list))
        .route("/admin/api/queue/action", post(queue::act))
        .route("/admin/api/indicators", get(indicators::get))
        .route("/admin/api/trace", get(trace::search))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .layer(middleware::map_response(headers::harden))
        .with_state(AdminState { jmap, settings })
}
