//! Facteur's JMAP server: JMAP Core (RFC 8620) and JMAP Mail (RFC 8621) on the https listeners, over the same
//! store as IMAP and POP3, sending through the same submission path as SMTP on 587.
//!
//! - [`Jmap::router`] serves `/.well-known/jmap` (the session resource), the API endpoint, upload, download
//!   and the EventSource push channel.
//! - [`WebSessions`] are the webmail's logins (a cookie and a CSRF token); the JMAP endpoints accept them as
//!   well as HTTP Basic, so the webmail is just another JMAP client.
//! - [`Jmap::html_body`] gives the webmail a message's HTML part to sanitise and show.
//!
//! One truth with IMAP: keywords are IMAP flags (`$seen` is `\Seen`), mailbox roles are the special-use
//! mailboxes, and state strings are the account's change counter, the same counter IMAP's MODSEQs come from.

/// The API endpoint: a request's method calls in order.
mod api;
/// Who is asking: HTTP Basic or a web session.
mod auth;
/// Uploads, and reading blobs through the emails they belong to.
mod blobs;
/// Entry points for the fuzz targets (`fuzz/`): the pure parts of request handling, no store.
#[doc(hidden)]
pub mod fuzzing;
/// JMAP ids for store identifiers.
mod ids;
/// One file per object type and its methods.
mod methods;
/// The request and response envelope, result references, errors.
pub mod protocol;
/// The EventSource push channel.
mod push;
/// The HTTP routes.
mod routes;
/// The session resource.
mod session;
/// The webmail's sessions.
pub mod web_session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use facteur_auth::Login;
use facteur_delivery::Submission;
use facteur_store::{AccountId, Store};
use tokio::sync::Semaphore;

pub use auth::{AuthRefusal, Authenticated, session_token};
pub use ids::account as account_id;
pub use methods::mailbox::role_name as mailbox_role;
pub use routes::Peer;
pub use web_session::{CSRF_HEADER, LoginRefused, SESSION_COOKIE, WebSession, WebSessions};

/// The limits RFC 8620 §2 has a server advertise in its session resource, which it then enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JmapLimits {
    pub max_size_upload: u64,
    pub max_concurrent_upload: usize,
    pub max_size_request: usize,
    pub max_concurrent_requests: usize,
    pub max_calls_in_request: usize,
    pub max_objects_in_get: usize,
    pub max_objects_in_set: usize,
}

impl Default for JmapLimits {
    fn default() -> Self {
        JmapLimits {
            max_size_upload: 50 * 1024 * 1024,
            max_concurrent_upload: 4,
            max_size_request: 10 * 1024 * 1024,
            max_concurrent_requests: 8,
            max_calls_in_request: 64,
            max_objects_in_get: 1000,
            max_objects_in_set: 1000,
        }
    }
}

/// What the JMAP server is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JmapSettings {
    /// Our host name, for the `Received:` line of submitted messages.
    pub hostname: String,
    /// How long a queued message is retried before it bounces (the `[queue]` setting SMTP uses too).
    pub queue_lifetime: Duration,
    pub limits: JmapLimits,
    /// `[sieve]`'s limits: the out-of-office reply is a Sieve script (`facteur-filters`).
    pub sieve_limits: facteur_store::SieveLimits,
}

/// The JMAP server of the process: shared by every https listener.
#[derive(Clone)]
pub struct Jmap {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub store: Arc<dyn Store>,
    pub login: Arc<Login>,
    pub submission: Submission,
    pub sessions: Arc<WebSessions>,
    pub uploads: blobs::Uploads,
    pub settings: JmapSettings,
    pub limits: JmapLimits,
    /// Per account: requests in progress (`maxConcurrentRequests`) and uploads (`maxConcurrentUpload`).
    requests: Mutex<HashMap<AccountId, Arc<Semaphore>>>,
    uploading: Mutex<HashMap<AccountId, Arc<Semaphore>>>,
}

impl Inner {
    /// A slot for one more request of `account`, or `None` past the limit.
    pub fn request_slot(&self, account: AccountId) -> Option<tokio::sync::OwnedSemaphorePermit> {
        slot(&self.requests, account, self.limits.max_concurrent_requests)
    }

    pub fn upload_slot(&self, account: AccountId) -> Option<tokio::sync::OwnedSemaphorePermit> {
        slot(&self.uploading, account, self.limits.max_concurrent_upload)
    }
}

fn slot(
    table: &Mutex<HashMap<AccountId, Arc<Semaphore>>>,
    account: AccountId,
    limit: usize,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    let semaphore = {
        let mut table = table.lock().unwrap_or_else(PoisonError::into_inner);
        // Accounts with nothing in progress are forgotten, so the table stays as small as the active users.
        table.retain(|_, semaphore| semaphore.available_permits() < limit);
        table.entry(account).or_insert_with(|| Arc::new(Semaphore::new(limit))).clone()
    };
    semaphore.try_acquire_owned().ok()
}

impl std::fmt::Debug for Jmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jmap").field("settings", &self.inner.settings).finish_non_exhaustive()
    }
}

/// A message's HTML, decoded to text, for the webmail to sanitise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlBody {
    pub html: String,
    /// Inline parts the HTML may name by `cid:` (RFC 2392), with the blob id the download URL takes.
    pub inline_parts: Vec<InlinePart>,
}

/// One `Content-ID` part of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePart {
    /// Without the angle brackets.
    pub content_id: String,
    pub blob_id: String,
    pub content_type: String,
}

/// Why a JMAP-side read failed.
#[derive(Debug, thiserror::Error)]
pub enum JmapError {
    #[error(transparent)]
    Store(#[from] facteur_store::StoreError),
    #[error("{0}")]
    Method(#[from] protocol::MethodError),
}

impl Jmap {
    pub fn new(store: Arc<dyn Store>, login: Arc<Login>, submission: Submission, settings: JmapSettings) -> Jmap {
        let sessions = Arc::new(WebSessions::new(login.clone()));
        let limits = settings.limits;
        Jmap {
            inner: Arc::new(Inner {
                store,
                login,
                submission,
                sessions,
                uploads: blobs::Uploads::default(),
                settings,
                limits,
                requests: Mutex::new(HashMap::new()),
                uploading: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// `/.well-known/jmap`, `/jmap/api`, `/jmap/upload/…`, `/jmap/download/…`, `/jmap/eventsource`.
    pub fn router(&self) -> axum::Router {
        routes::router(self.clone())
    }

    /// The webmail's sessions, which the JMAP endpoints accept too.
    pub fn web_sessions(&self) -> &Arc<WebSessions> {
        &self.inner.sessions
    }

    pub fn limits(&self) -> JmapLimits {
        self.inner.limits
    }

    /// The store this server answers from: the webmail's filters page reads and writes the generated Sieve
    /// script through it, as VacationResponse does.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// What this server was configured with; `sieve_limits` is what the filters page saves under, the same
    /// limits as VacationResponse/set and ManageSieve.
    pub fn settings(&self) -> &JmapSettings {
        &self.inner.settings
    }

    /// The first HTML body part of the account's email `email_id` (a JMAP id), or `None` if the email does
    /// not exist or has no HTML part.
    pub async fn html_body(&self, account: AccountId, email_id: &str) -> Result<Option<HtmlBody>, JmapError> {
        let Some(email) = ids::parse_email(email_id) else { return Ok(None) };
        let store = &self.inner.store;
        let Some(found) = store.emails(account, &[email]).await?.into_iter().next() else { return Ok(None) };
        let raw = store.read_blob(found.message.blob).await?;
        Ok(methods::email::properties::html_body(&raw, email))
    }

    /// The bytes of blob `blob_id` (a JMAP id: a whole message, one of its parts, or an upload) if the account
    /// may read it, else `None`.
    pub async fn download(&self, account: AccountId, blob_id: &str) -> Result<Option<Vec<u8>>, JmapError> {
        let Some(account) = self.inner.store.account(account).await? else { return Ok(None) };
        Ok(blobs::read(&self.inner, &account, blob_id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_gets_no_more_slots_than_the_limit_and_others_are_unaffected() {
        let table = Mutex::new(HashMap::new());
        let (alice, bob) = (AccountId(1), AccountId(2));
        let first = slot(&table, alice, 2).expect("first");
        let _second = slot(&table, alice, 2).expect("second");
        assert!(slot(&table, alice, 2).is_none(), "maxConcurrentRequests reached");
        assert!(slot(&table, bob, 2).is_some(), "another account has its own slots");
        drop(first);
        assert!(slot(&table, alice, 2).is_some(), "a finished request frees its slot");
    }
}
