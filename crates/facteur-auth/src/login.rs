//! One login, whatever the protocol. SMTP AUTH, IMAP LOGIN/AUTHENTICATE and POP3 USER/PASS/AUTH all end
//! here with [`Credentials`]; each protocol keeps only its SASL framing and the mapping of the outcome to its
//! own reply.
//!
//! The order matters and is the same for all:
//! 1. the throttle's delay is served first, before anything is looked up, so a guesser learns nothing sooner
//!    by hanging up (and every attempt, right or wrong, waits it);
//! 2. the account is looked up;
//! 3. the password is checked on the shared verifier threads, against a dummy hash for an unknown user, so
//!    timing does not tell which accounts exist;
//! 4. the result is recorded in the throttle, logged (the peer and the name tried, never the password) for the
//!    operator's fail2ban, and a failure is counted in the `facteur_auth_failures_total` metric.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use facteur_primitives::metrics::{AUTH_FAILURES_TOTAL, labels};
use facteur_store::{Account, Store};
use tracing::{info, warn};

use crate::credentials::Credentials;
use crate::throttle::LoginThrottle;
use crate::verifier::PasswordVerifier;

/// How long a client may take to answer a SASL challenge, in every protocol. Clients answer at once (a
/// person never types a SASL response); the bound only frees a session stuck half-way through a login.
pub const SASL_RESPONSE_TIMEOUT: Duration = Duration::from_secs(120);

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// The password matches this account.
    Accepted(Account),
    /// Unknown user or wrong password: the protocol says so without saying which.
    Refused,
    /// The store could not be read: the protocol answers with a temporary failure.
    Unavailable,
}

/// Checks credentials for every protocol of the process: the store that holds the accounts, the login
/// throttle they share, and the verifier threads.
pub struct Login {
    store: Arc<dyn Store>,
    throttle: Arc<LoginThrottle>,
    verifier: Arc<PasswordVerifier>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").finish_non_exhaustive()
    }
}

impl Login {
    /// A login on the process's shared password verifier.
    pub fn new(store: Arc<dyn Store>, throttle: Arc<LoginThrottle>) -> Login {
        Login { store, throttle, verifier: PasswordVerifier::shared() }
    }

    /// Checks `credentials` sent by `peer` over `protocol` (a [`labels::PROTOCOL`] value: `smtp`,
    /// `submission`, `imap`, `pop3`).
    pub async fn attempt(&self, protocol: &'static str, peer: IpAddr, credentials: Credentials) -> LoginOutcome {
        let user = credentials.authcid.to_lowercase();
        let delay = self.throttle.delay_for(peer, &user, Instant::now());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let account = match self.store.account_by_address(&user).await {
            Ok(account) => account,
            Err(error) => {
                warn!(%error, protocol, %peer, "store error during login");
                return LoginOutcome::Unavailable;
            }
        };
        let hash = account.as_ref().map(|account| account.password_hash.clone());
        if self.verifier.verify(hash, credentials.password).await
            && let Some(account) = account
        {
            self.throttle.record_success(peer, &user);
            info!(user = %account.address, protocol, %peer, "authenticated");
            return LoginOutcome::Accepted(account);
        }
        self.throttle.record_failure(peer, &user, Instant::now());
        warn!(%peer, %user, protocol, "authentication failed");
        metrics::counter!(AUTH_FAILURES_TOTAL, labels::PROTOCOL => protocol).increment(1);
        LoginOutcome::Refused
    }
}
