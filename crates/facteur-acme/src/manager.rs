//! The renewal loop: serve the stored certificate, and ask the CA whenever [`crate::schedule::plan`] says so.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use facteur_net::{Certificates, ShutdownSignal};
use facteur_primitives::metrics as metric;
use instant_acme::{Account, NewAccount};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::AcmeError;
use crate::challenge::Responder;
use crate::files::{AcmeFiles, StoredCertificate};
use crate::http01::HttpTokens;
use crate::issue::issue;
use crate::peers::{ORDER_TURN, PEER_CHECK, Peers};
use crate::schedule::{Plan, plan, retry_delay};

/// How control of a name is proven.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeKind {
    /// RFC 8737, on the https listeners.
    TlsAlpn01,
    /// RFC 8555 §8.3, on the plain http listeners.
    Http01,
}

impl ChallengeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeKind::TlsAlpn01 => "tls-alpn-01",
            ChallengeKind::Http01 => "http-01",
        }
    }
}

/// The `[acme]` settings, with paths made absolute.
#[derive(Debug, Clone)]
pub struct AcmeSettings {
    pub directory: String,
    /// `mailto:` URL; empty for none.
    pub contact: String,
    pub challenge: ChallengeKind,
    /// Trusted, instead of the public CAs, for the directory's own HTTPS.
    pub directory_ca_file: Option<PathBuf>,
}

/// Certificates from the CA, for the listeners' [`Certificates`].
pub struct Acme {
    settings: AcmeSettings,
    files: AcmeFiles,
    responder: Responder,
    account: Option<Account>,
    /// The other nodes serving the same names, if any.
    peers: Option<Arc<dyn Peers>>,
    /// The stored certificate being served, as last read.
    serving: Option<StoredCertificate>,
}

/// What an order came to, when it did not fail.
enum Ordered {
    /// A certificate is stored here: the plan now says when to renew.
    Here,
    /// Another node holds the turn: its certificate will arrive in `acme/`.
    ByAnotherNode,
}

impl Acme {
    pub fn new(settings: AcmeSettings, files: AcmeFiles, certificates: Arc<Certificates>) -> Acme {
        let responder = Responder { certificates, tokens: HttpTokens::default() };
        Acme { settings, files, responder, account: None, peers: None, serving: None }
    }

    /// Shares the certificate with the other nodes serving the same names (see `crate::peers`). Before
    /// [`Acme::tokens`], whose answers then include theirs.
    pub fn with_peers(mut self, peers: Arc<dyn Peers>) -> Acme {
        self.responder.tokens = HttpTokens::with_peers(Arc::clone(&peers));
        self.peers = Some(peers);
        self
    }

    /// The http-01 answers, for the plain http listeners' [`crate::http01_router`].
    pub fn tokens(&self) -> HttpTokens {
        self.responder.tokens.clone()
    }

    /// Serves the certificate stored by an earlier run (or by another node), if any. Called before the
    /// listeners accept, so they start with the best certificate there is; whether it still does is for
    /// [`Acme::run`] to decide.
    pub fn serve_stored(&mut self) -> Result<Option<StoredCertificate>, AcmeError> {
        let Some(stored) = self.files.certificate()? else { return Ok(None) };
        self.responder.certificates.use_issued(self.files.certificate_files())?;
        record_expiry(&stored);
        self.serving = Some(stored.clone());
        Ok(Some(stored))
    }

    /// Until `stopping`: obtains a certificate for the `names` wanted (they may change while it runs) whenever
    /// the stored one does not cover them, comes from another CA or is due for renewal; retries with backoff.
    pub async fn run(mut self, mut names: watch::Receiver<Vec<String>>, mut stopping: ShutdownSignal) {
        let mut failures = 0u32;
        // After a failure, no order before this (a change of names, or SIGHUP, asks again at once).
        let mut retry_at: Option<Instant> = None;
        loop {
            let wanted = names.borrow_and_update().clone();
            self.serve_if_replaced();
            let backing_off = retry_at.and_then(|at| at.checked_duration_since(Instant::now()));
            let wait = match (self.next_step(&wanted), backing_off) {
                (Plan::Wait(wait), _) => wait,
                (Plan::Issue(_), Some(backing_off)) => backing_off,
                (Plan::Issue(reason), None) => match self.order(&wanted, &reason).await {
                    Ok(Ordered::Here) => {
                        failures = 0;
                        retry_at = None;
                        continue; // the plan now says when to renew
                    }
                    Ok(Ordered::ByAnotherNode) => PEER_CHECK,
                    Err(error) => {
                        failures = failures.saturating_add(1);
                        let retry = retry_delay(failures);
                        retry_at = Some(Instant::now() + retry);
                        metrics::counter!(metric::ACME_FAILURES_TOTAL).increment(1);
                        warn!(
                            %error,
                            directory = %self.settings.directory,
                            retry_in_secs = retry.as_secs(),
                            "ACME: no certificate obtained; the listeners keep serving the current one"
                        );
                        retry
                    }
                },
            };
            // With peers, a certificate may also arrive from another node.
            let wait = if self.peers.is_some() { wait.min(PEER_CHECK) } else { wait };
            tokio::select! {
                () = stopping.triggered() => return,
                () = tokio::time::sleep(wait) => {}
                changed = names.changed() => {
                    if changed.is_err() {
                        // Nobody will change the names any more: just wait.
                        tokio::time::sleep(wait).await;
                    } else {
                        retry_at = None;
                    }
                }
            }
        }
    }

    fn next_step(&self, wanted: &[String]) -> Plan {
        if wanted.is_empty() {
            return Plan::Wait(Duration::from_secs(3600));
        }
        let stored = match self.files.certificate() {
            Ok(stored) => stored,
            Err(error) => {
                warn!(%error, "ACME: the stored certificate is unreadable; asking for a new one");
                None
            }
        };
        plan(stored.as_ref(), wanted, &self.settings.directory, SystemTime::now())
    }

    /// Serves the stored certificate if it is not the one in service: another node stored it.
    fn serve_if_replaced(&mut self) {
        let Ok(Some(stored)) = self.files.certificate() else { return };
        if self.serving.as_ref() == Some(&stored) {
            return;
        }
        match self.serve_stored() {
            Ok(_) => info!(names = %stored.names.join(", "), "ACME: serving the certificate another node obtained"),
            Err(error) => warn!(%error, "ACME: the certificate another node obtained cannot be served"),
        }
    }

    /// One order, by this node; with peers, only in its turn.
    async fn order(&mut self, names: &[String], reason: &str) -> Result<Ordered, AcmeError> {
        let Some(peers) = self.peers.clone() else {
            self.obtain(names, reason).await?;
            return Ok(Ordered::Here);
        };
        if !peers.take_turn(ORDER_TURN).await.map_err(AcmeError::Peers)? {
            info!("ACME: another node is ordering the certificate; waiting for it");
            return Ok(Ordered::ByAnotherNode);
        }
        let ordered = self.order_in_turn(peers.as_ref(), names, reason).await;
        peers.end_turn().await;
        ordered
    }

    async fn order_in_turn(&mut self, peers: &dyn Peers, names: &[String], reason: &str) -> Result<Ordered, AcmeError> {
        // Another node may have finished just before this one took the turn.
        peers.pull().await.map_err(AcmeError::Peers)?;
        if let Plan::Wait(_) = self.next_step(names) {
            return Ok(Ordered::Here);
        }
        let obtained = self.obtain(names, reason).await;
        // Whatever the outcome: the account and key made for it serve the next attempt, on whichever node.
        let shared = peers.push().await.map_err(AcmeError::Peers);
        obtained?;
        shared?;
        Ok(Ordered::Here)
    }

    /// One order, from account to the certificate in service.
    async fn obtain(&mut self, names: &[String], reason: &str) -> Result<(), AcmeError> {
        info!(names = %names.join(", "), %reason, directory = %self.settings.directory, "ACME: requesting a certificate");
        let account = self.account().await?;
        let key = self.files.key()?;
        let chain = issue(&account, names, self.settings.challenge, &self.responder, &key).await?;
        self.files.save_certificate(&chain, &self.settings.directory)?;
        let stored = self.serve_stored()?.ok_or_else(|| AcmeError::Refused {
            what: "the certificate just saved".to_owned(),
            reason: "cannot be read back".to_owned(),
        })?;
        let expiry = stored.not_after.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        let expires = facteur_primitives::calendar::rfc3339_utc(i64::try_from(expiry.as_secs()).unwrap_or(i64::MAX));
        info!(names = %names.join(", "), %expires, "ACME: certificate issued and in service");
        Ok(())
    }

    /// The account at the configured CA: the stored one, or a new one (agreeing to the CA's terms, which the
    /// operator accepted by switching ACME on).
    async fn account(&mut self) -> Result<Account, AcmeError> {
        if let Some(account) = &self.account {
            return Ok(account.clone());
        }
        let directory = &self.settings.directory;
        let builder = match &self.settings.directory_ca_file {
            Some(path) => Account::builder_with_root(path)?,
            None => Account::builder()?,
        };
        let account = match self.files.account(directory)? {
            Some(credentials) => builder.from_credentials(credentials).await?,
            None => {
                let contact: Vec<&str> =
                    [self.settings.contact.as_str()].into_iter().filter(|c| !c.is_empty()).collect();
                let request =
                    NewAccount { contact: &contact, terms_of_service_agreed: true, only_return_existing: false };
                let (account, credentials) = builder.create(&request, directory.clone(), None).await?;
                self.files.save_account(directory, credentials)?;
                info!(account = %account.id(), %directory, "ACME: account created");
                account
            }
        };
        self.account = Some(account.clone());
        Ok(account)
    }
}

fn record_expiry(stored: &StoredCertificate) {
    let expiry = stored.not_after.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    #[allow(clippy::cast_precision_loss)] // seconds since 1970 fit a double's 53 bits for aeons
    metrics::gauge!(metric::CERTIFICATE_EXPIRY_SECONDS).set(expiry.as_secs() as f64);
}
