//! The delivery engine: looks at the queue every `poll_interval` (and at start-up, so that the queue
//! survives restarts), and starts one task per message with a recipient due, at most `max_parallel` at a
//! time and never two for the same message.
//!
//! The store is the only state: a crash loses nothing but the in-flight attempts, which are repeated. A
//! crash between a remote `250` and our record of it repeats that one delivery (RFC 5321 §6.1 prefers a
//! duplicate to a loss); everything else is recorded before the next step is taken.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use facteur_primitives::metrics as metric;
use facteur_primitives::unix_now;

use facteur_mailauth::{Signer, TokioResolver};
use facteur_net::ShutdownSignal;
use facteur_store::{AccountId, QueueEntry, QueueId, RecipientStatus, Store, StoreError};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::attempt::work_on;
use crate::client::ClientSettings;
use crate::dane::TlsaLookup;
use crate::domains::DomainLimits;
use crate::pool::SessionPool;
use crate::route::Router;
use crate::settings::OutboundSettings;
use crate::sts_fetch::StsPolicies;
use crate::tls::{TrustedRoots, opportunistic_client_config};
use crate::tls_report;
use crate::tlsrpt::DAY;

/// How long shutdown waits for deliveries in progress before abandoning them (they are retried later).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("outbound: TLS client configuration: {0}")]
    Tls(#[from] rustls::Error),
    #[error("outbound: {0}")]
    Smarthost(String),
    #[error("outbound: [relay] {0}")]
    TrustedRoots(String),
}

/// Works the outbound queue; see the module documentation.
pub struct DeliveryEngine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) settings: OutboundSettings,
    pub(crate) router: Router,
    pub(crate) client: ClientSettings,
    in_flight: Mutex<HashSet<QueueId>>,
    permits: Arc<Semaphore>,
    pub(crate) domains: DomainLimits,
    pub(crate) sessions: SessionPool,
    /// What verified TLS trusts: the public CAs and `[relay] tls_ca_file`.
    pub(crate) roots: TrustedRoots,
    pub(crate) sts: StsPolicies,
    pub(crate) tlsa: TlsaLookup,
    pub(crate) resolver: TokioResolver,
    /// Signs our TLS-RPT reports, once the binary has given it one ([`DeliveryEngine::sign_reports_with`]).
    pub(crate) signer: OnceLock<Arc<Signer>>,
    /// The last day (since the epoch) whose TLS-RPT reports were sent.
    reported_day: AtomicI64,
}

impl DeliveryEngine {
    /// `resolver` is the process's shared one (`facteur_mailauth::dns_resolver`).
    pub fn new(
        settings: OutboundSettings,
        store: Arc<dyn Store>,
        resolver: TokioResolver,
    ) -> Result<Arc<DeliveryEngine>, EngineError> {
        let router = Router::new(resolver.clone(), settings.routes.clone(), &settings.hostname, settings.mx_port);
        let client = ClientSettings {
            hostname: settings.hostname.clone(),
            command_timeout: settings.command_timeout,
            data_timeout: settings.data_timeout,
            tls: opportunistic_client_config()?,
        };
        let permits = Arc::new(Semaphore::new(settings.max_parallel.max(1)));
        let domains = DomainLimits::new(settings.max_per_domain);
        let sessions = SessionPool::default();
        let roots = TrustedRoots::new(settings.trusted_roots.clone())?;
        let sts =
            StsPolicies::new(resolver.clone(), Arc::clone(&store), roots.https_client_config()?, settings.mta_sts_port);
        let tlsa = TlsaLookup::new(&settings.nameservers, settings.dns_timeout);
        Ok(Arc::new(DeliveryEngine {
            store,
            settings,
            router,
            client,
            in_flight: Mutex::default(),
            permits,
            domains,
            sessions,
            roots,
            sts,
            tlsa,
            resolver,
            signer: OnceLock::new(),
            reported_day: AtomicI64::new(i64::MIN),
        }))
    }

    /// Runs until `stop` triggers, then gives deliveries in progress a short grace.
    pub async fn run(self: Arc<Self>, mut stop: ShutdownSignal) {
        info!(hostname = %self.settings.hostname, "outbound delivery started");
        let mut tasks = JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            self.sessions.sweep();
            if let Err(error) = self.dispatch_due(&mut tasks).await {
                warn!(%error, "outbound: cannot read the queue");
            }
            self.daily_chores().await;
            tokio::select! {
                () = stop.triggered() => break,
                () = tokio::time::sleep(self.settings.poll_interval) => {}
            }
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, drain(&mut tasks)).await.is_err() {
            warn!("outbound: deliveries still running at shutdown are abandoned and will be retried");
            tasks.abort_all();
        }
        info!("outbound delivery stopped");
    }

    /// One pass over the queue, waiting for every delivery it starts: a step the engine's tests can watch.
    pub async fn run_once(self: &Arc<Self>) -> Result<(), StoreError> {
        let mut tasks = JoinSet::new();
        self.dispatch_due(&mut tasks).await?;
        drain(&mut tasks).await;
        Ok(())
    }

    /// DKIM-signs TLS-RPT reports with `signer` (the one of our users' mail).
    pub fn sign_reports_with(&self, signer: Arc<Signer>) {
        let _ = self.signer.set(signer);
    }

    /// Sends the TLS-RPT reports of the days before `before_day` (days since the epoch; today's day + 1 for
    /// everything counted so far, as `facteur tls-report send` does). Returns how many were queued.
    pub async fn send_tls_reports(&self, before_day: i64) -> Result<usize, StoreError> {
        tls_report::send_reports(self, before_day).await
    }

    /// Once a day (and at start): the TLS-RPT reports of the days that are over (RFC 8460 §4.1: one report per
    /// day), and the delivery history older than `history_days` forgotten.
    async fn daily_chores(&self) {
        let now = unix_now();
        let today = now.div_euclid(DAY);
        if self.reported_day.swap(today, Ordering::Relaxed) == today {
            return;
        }
        if let Err(error) = self.send_tls_reports(today).await {
            warn!(%error, "TLS-RPT: cannot send the daily reports; trying again tomorrow");
        }
        let kept_secs = i64::from(self.settings.history_days).saturating_mul(DAY);
        match self.store.forget_history(now.saturating_sub(kept_secs)).await {
            Ok(0) => {}
            Ok(forgotten) => {
                info!(forgotten, days = self.settings.history_days, "delivery history: old events forgotten")
            }
            Err(error) => warn!(%error, "delivery history: cannot forget old events; trying again tomorrow"),
        }
    }

    async fn dispatch_due(self: &Arc<Self>, tasks: &mut JoinSet<()>) -> Result<(), StoreError> {
        let now = unix_now();
        let queue = self.store.queue().await?;
        let waiting = queue.iter().flat_map(|entry| &entry.recipients).filter(|r| !is_settled_status(r.status)).count();
        metrics::gauge!(metric::QUEUE_SIZE).set(waiting as f64);
        let held = self.held_accounts().await?;
        for entry in queue {
            // A held account's mail waits, neither tried nor expired, until the operator releases the account.
            if entry.account.is_some_and(|account| held.contains(&account)) {
                continue;
            }
            if is_settled(&entry) {
                // A crash after the last record but before the dequeue, or a task that settled it since the
                // queue was read and dequeues it itself.
                match self.store.dequeue(entry.id).await {
                    Ok(()) | Err(StoreError::NoSuchQueueEntry(_)) => {}
                    Err(error) => return Err(error),
                }
                continue;
            }
            if !is_due(&entry, now) || !self.claim(entry.id) {
                continue;
            }
            let engine = Arc::clone(self);
            let permits = Arc::clone(&self.permits);
            tasks.spawn(async move {
                let id = entry.id;
                if let Ok(_permit) = permits.acquire_owned().await {
                    engine.attempt_leased(id).await;
                }
                engine.release(id);
            });
        }
        Ok(())
    }

    /// One attempt under the store's lease: several nodes may work this queue, and the lease keeps the
    /// others off this message meanwhile. Works on the message as the claim read it, not as the queue was
    /// read earlier: another node may have attempted it in between. Taken once a permit is held, so that
    /// waiting for one does not eat into the lease.
    async fn attempt_leased(self: &Arc<Self>, id: QueueId) {
        let now = unix_now();
        let until = now.saturating_add(self.settings.queue_lease.as_secs().try_into().unwrap_or(i64::MAX));
        let entry = match self.store.claim_queue_entry(id, now, until).await {
            Ok(Some(entry)) if is_due(&entry, now) => entry,
            Ok(Some(_)) => return self.give_back(id, until).await,
            Ok(None) => return debug!(queue_id = id.0, "outbound: message held by another node or gone"),
            Err(error) => return warn!(queue_id = id.0, %error, "outbound: cannot take the message's lease"),
        };
        if let Err(error) = work_on(self, entry, now).await {
            warn!(queue_id = id.0, %error, "outbound: delivery attempt could not be recorded");
        }
        self.give_back(id, until).await;
    }

    async fn give_back(&self, id: QueueId, until: i64) {
        match self.store.release_queue_entry(id, until).await {
            Ok(()) => {}
            // Harmless: the lease runs out by itself.
            Err(error) => warn!(queue_id = id.0, %error, "outbound: cannot release the message's lease"),
        }
    }

    /// The accounts whose outgoing mail is held now (`crate::sending_policy`).
    async fn held_accounts(&self) -> Result<HashSet<AccountId>, StoreError> {
        Ok(self.store.account_holds().await?.into_iter().map(|hold| hold.account).collect())
    }

    fn claim(&self, id: QueueId) -> bool {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).insert(id)
    }

    fn release(&self, id: QueueId) {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
    }
}

async fn drain(tasks: &mut JoinSet<()>) {
    while tasks.join_next().await.is_some() {}
}

/// Every recipient delivered or failed: the message can leave the queue.
pub(crate) fn is_settled(entry: &QueueEntry) -> bool {
    entry.recipients.iter().all(|r| is_settled_status(r.status))
}

/// Delivered or failed for good: nothing more to try for this recipient.
fn is_settled_status(status: RecipientStatus) -> bool {
    matches!(status, RecipientStatus::Delivered | RecipientStatus::Failed)
}

/// A pending recipient whose time has come, or who has expired.
fn is_due(entry: &QueueEntry, now: i64) -> bool {
    entry
        .recipients
        .iter()
        .any(|r| r.status == RecipientStatus::Pending && (r.next_attempt <= now || entry.expires_at <= now))
}
