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
//!
//! SCRAM (`crate::Authentication`) takes the same steps with a stored verifier in place of step 3.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use facteur_primitives::metrics::{AUTH_FAILURES_TOTAL, labels};
use facteur_store::{Account, Store};
use tracing::{info, warn};

use crate::credentials::Credentials;
use crate::scram::ScramVerifier;
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
    /// `submission`, `imap`, `pop3`) with a command that carries the password itself (IMAP LOGIN, POP3
    /// USER/PASS, HTTP Basic).
    pub async fn attempt(&self, protocol: &'static str, peer: IpAddr, credentials: Credentials) -> LoginOutcome {
        self.attempt_with(protocol, "password", peer, credentials).await
    }

    /// [`Login::attempt`] for a SASL password mechanism (PLAIN, LOGIN), named in the log line.
    pub(crate) async fn attempt_with(
        &self,
        protocol: &'static str,
        mechanism: &'static str,
        peer: IpAddr,
        credentials: Credentials,
    ) -> LoginOutcome {
        let user = credentials.authcid.to_lowercase();
        let account = match self.look_up(protocol, peer, &user).await {
            Ok(account) => account,
            Err(unavailable) => return unavailable,
        };
        let hash = account.as_ref().map(|account| account.password_hash.clone());
        let password = credentials.password;
        if self.verifier.verify(hash, password.clone()).await
            && let Some(account) = account
        {
            let account = self.with_scram_verifier(account, &password).await;
            return self.accepted(protocol, mechanism, peer, &user, account).await;
        }
        self.refused(protocol, peer, &user).await
    }

    /// Steps 1 and 2 for `user` (lowercased): the throttle's delay, then the account.
    pub(crate) async fn look_up(
        &self,
        protocol: &'static str,
        peer: IpAddr,
        user: &str,
    ) -> Result<Option<Account>, LoginOutcome> {
        let delay = self.throttle.delay_for(peer, user, Instant::now()).await;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        self.store.account_by_address(user).await.map_err(|error| {
            warn!(%error, protocol, %peer, "store error during login");
            LoginOutcome::Unavailable
        })
    }

    /// Step 4 for a proven login.
    pub(crate) async fn accepted(
        &self,
        protocol: &'static str,
        mechanism: &'static str,
        peer: IpAddr,
        user: &str,
        account: Account,
    ) -> LoginOutcome {
        self.throttle.record_success(peer, user).await;
        info!(user = %account.address, protocol, mechanism, %peer, "authenticated");
        LoginOutcome::Accepted(account)
    }

    /// Step 4 for a failed one: unknown user, wrong password or proof, tampered channel binding.
    pub(crate) async fn refused(&self, protocol: &'static str, peer: IpAddr, user: &str) -> LoginOutcome {
        self.throttle.record_failure(peer, user, Instant::now()).await;
        warn!(%peer, %user, protocol, "authentication failed");
        metrics::counter!(AUTH_FAILURES_TOTAL, labels::PROTOCOL => protocol).increment(1);
        LoginOutcome::Refused
    }

    /// Accounts whose password was set before SCRAM verifiers were stored (store migration 9) get theirs at
    /// their first password login after it: the password is in hand only then. Failing to store it costs
    /// nothing but SCRAM for now, so the login goes on.
    async fn with_scram_verifier(&self, mut account: Account, password: &str) -> Account {
        if account.scram_sha256.as_deref().and_then(ScramVerifier::from_text).is_some() {
            return account;
        }
        let password = password.to_owned();
        let derived = tokio::task::spawn_blocking(move || ScramVerifier::generate(&password)).await;
        let Ok(Ok(verifier)) = derived else {
            warn!(user = %account.address, "cannot derive a SCRAM verifier");
            return account;
        };
        let text = verifier.to_text();
        match self.store.set_scram_verifier(account.id, &account.password_hash, &text).await {
            Ok(true) => {
                info!(user = %account.address, "stored the SCRAM-SHA-256 verifier of the account's password");
                account.scram_sha256 = Some(text);
            }
            Ok(false) => info!(user = %account.address, "password changed meanwhile: SCRAM verifier not stored"),
            Err(error) => warn!(%error, user = %account.address, "cannot store the SCRAM verifier"),
        }
        account
    }

    /// The account's stored SCRAM verifier, for [`crate::Authentication`]; `None` (logged, never with
    /// anything secret) when it has none yet or it cannot be read.
    pub(crate) fn scram_verifier(account: &Account) -> Option<ScramVerifier> {
        let verifier = account.scram_sha256.as_deref().and_then(ScramVerifier::from_text);
        if verifier.is_none() {
            info!(
                user = %account.address,
                "no usable SCRAM verifier for this account yet (password set before SCRAM): \
                 SCRAM fails until one password login (PLAIN, LOGIN) stores it"
            );
        }
        verifier
    }
}
