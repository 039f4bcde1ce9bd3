//! The webmail's sessions: a login form exchanges a password for a random token the browser keeps in an
//! HttpOnly cookie, with a second random token (the CSRF token) the page sends back in a header on every
//! request that changes something. A cross-site page can make the browser send the cookie (SameSite=Strict
//! already stops that in current browsers) but can never read the CSRF token, so it cannot forge a request.
//!
//! Sessions are held in this process. A restart logs everyone out, which is safe (they log in again); several
//! nodes sharing one PostgreSQL store will keep them in the store instead.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use facteur_auth::{Credentials, Login, LoginOutcome};
use facteur_primitives::metrics::protocols;
use facteur_store::AccountId;
use ring::rand::{SecureRandom, SystemRandom};

/// The cookie that carries the session token.
pub const SESSION_COOKIE: &str = "facteur_session";
/// The header that carries the CSRF token on every request that is not a GET.
pub const CSRF_HEADER: &str = "x-facteur-csrf";

/// A session unused this long ends.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(12 * 3600);
/// A session ends this long after its login, used or not.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 3600);
/// Sessions held at most across all accounts; past it the oldest are dropped (their users log in again).
const MAX_SESSIONS: usize = 100_000;

/// One logged-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The cookie's value: 256 random bits.
    pub token: String,
    /// What the page sends in [`CSRF_HEADER`]: 256 other random bits.
    pub csrf: String,
    pub account: AccountId,
    /// The address the user logged in as, for the page to show.
    pub username: String,
    /// A digest of the account's password hash at login: once the password changes (by `facteur account
    /// passwd`, another process), the session no longer matches and ends.
    credential: [u8; 32],
}

impl WebSession {
    /// Whether the account's password is still the one this session was opened with.
    pub fn still_valid_for(&self, account: &facteur_store::Account) -> bool {
        facteur_auth::secrets_equal(&self.credential, &credential_digest(&account.password_hash))
    }
}

/// The stored hash is already a one-way function of the password; digesting it again keeps even that out of
/// the session table.
fn credential_digest(password_hash: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, password_hash.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// Why a login form was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginRefused {
    #[error("wrong user name or password")]
    Credentials,
    #[error("the account store cannot be read; try again")]
    Unavailable,
}

struct Held {
    session: WebSession,
    created: Instant,
    last_used: Instant,
}

/// Every open session of the process.
pub struct WebSessions {
    login: Arc<Login>,
    random: SystemRandom,
    held: Mutex<HashMap<String, Held>>,
}

impl std::fmt::Debug for WebSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSessions").finish_non_exhaustive()
    }
}

impl WebSessions {
    pub fn new(login: Arc<Login>) -> WebSessions {
        WebSessions { login, random: SystemRandom::new(), held: Mutex::new(HashMap::new()) }
    }

    /// Checks the password through the one login flow (throttled, logged, counted) and opens a session.
    pub async fn open(&self, username: &str, password: &str, peer: IpAddr) -> Result<WebSession, LoginRefused> {
        let credentials = Credentials { authcid: username.to_owned(), password: password.to_owned() };
        let account = match self.login.attempt(protocols::WEBMAIL, peer, credentials).await {
            LoginOutcome::Accepted(account) => account,
            LoginOutcome::Refused => return Err(LoginRefused::Credentials),
            LoginOutcome::Unavailable => return Err(LoginRefused::Unavailable),
        };
        let session = WebSession {
            token: self.random_token().ok_or(LoginRefused::Unavailable)?,
            csrf: self.random_token().ok_or(LoginRefused::Unavailable)?,
            account: account.id,
            credential: credential_digest(&account.password_hash),
            username: account.address,
        };
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.len() >= MAX_SESSIONS {
            forget_expired(&mut held, now);
        }
        if held.len() >= MAX_SESSIONS
            && let Some(oldest) = held.iter().min_by_key(|(_, h)| h.created).map(|(token, _)| token.clone())
        {
            held.remove(&oldest);
        }
        held.insert(session.token.clone(), Held { session: session.clone(), created: now, last_used: now });
        Ok(session)
    }

    /// The live session with this token, its idle time restarted.
    pub fn find(&self, token: &str) -> Option<WebSession> {
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = held.get_mut(token)?;
        if is_expired(entry, now) {
            held.remove(token);
            return None;
        }
        entry.last_used = now;
        Some(entry.session.clone())
    }

    /// Ends a session on the server: its cookie is worthless from now on, wherever it was copied.
    pub fn close(&self, token: &str) {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).remove(token);
    }

    /// Ends every session of an account (a password change, an account removed).
    pub fn close_all(&self, account: AccountId) {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).retain(|_, h| h.session.account != account);
    }

    fn random_token(&self) -> Option<String> {
        let mut bytes = [0u8; 32];
        self.random.fill(&mut bytes).ok()?;
        Some(URL_SAFE_NO_PAD.encode(bytes))
    }
}

/// Whether the CSRF token a request carries is the session's, compared in constant time.
pub fn csrf_matches(session: &WebSession, presented: &str) -> bool {
    facteur_auth::secrets_equal(session.csrf.as_bytes(), presented.as_bytes())
}

fn is_expired(held: &Held, now: Instant) -> bool {
    now.saturating_duration_since(held.last_used) > IDLE_TIMEOUT
        || now.saturating_duration_since(held.created) > ABSOLUTE_TIMEOUT
}

fn forget_expired(held: &mut HashMap<String, Held>, now: Instant) {
    held.retain(|_, h| !is_expired(h, now));
}
