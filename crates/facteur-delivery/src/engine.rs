//! The delivery engine: looks at the queue every `poll_interval` (and at start-up, so that the queue
//! survives restarts), and starts one task per message with a recipient due, at most `max_parallel` at a
//! time and never two for the same message.
//!
//! The store is the only state: a crash loses nothing but the in-flight attempts, which are repeated. A
//! crash between a remote `250` and our record of it repeats that one delivery (RFC 5321 §6.1 prefers a
//! duplicate to a loss); everything else is recorded before the next step is taken.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use facteur_primitives::unix_now;

use facteur_mailauth::TokioResolver;
use facteur_net::ShutdownSignal;
use facteur_store::{QueueEntry, QueueId, RecipientStatus, Store, StoreError};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::attempt::work_on;
use crate::client::ClientSettings;
use crate::domains::DomainLimits;
use crate::pool::SessionPool;
use crate::route::Router;
use crate::settings::OutboundSettings;
use crate::tls::opportunistic_client_config;

/// How long one node holds a message it is attempting (`Store::claim_queue_entry`). Longer than any one
/// attempt (RFC 5321 §4.5.3.2's timeouts for one transaction add up to about half an hour), so two nodes never
/// attempt it at once; short enough that a message whose node died mid-attempt is not stuck for long.
const QUEUE_LEASE: Duration = Duration::from_secs(45 * 60);

/// How long shutdown waits for deliveries in progress before abandoning them (they are retried later).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("outbound: TLS client configuration: {0}")]
    Tls(#[from] rustls::Error),
    #[error("outbound: {0}")]
    Smarthost(String),
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
}

impl DeliveryEngine {
    /// `resolver` is the process's shared one (`facteur_mailauth::dns_resolver`).
    pub fn new(
        settings: OutboundSettings,
        store: Arc<dyn Store>,
        resolver: TokioResolver,
    ) -> Result<Arc<DeliveryEngine>, EngineError> {
        let router = Router::new(resolver, settings.routes.clone(), &settings.hostname, settings.mx_port);
        let client = ClientSettings {
            hostname: settings.hostname.clone(),
            command_timeout: settings.command_timeout,
            data_timeout: settings.data_timeout,
            tls: opportunistic_client_config()?,
        };
        let permits = Arc::new(Semaphore::new(settings.max_parallel.max(1)));
        let domains = DomainLimits::new(settings.max_per_domain);
        let sessions = SessionPool::default();
        Ok(Arc::new(DeliveryEngine {
            store,
            settings,
            router,
            client,
            in_flight: Mutex::default(),
            permits,
            domains,
            sessions,
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

    async fn dispatch_due(self: &Arc<Self>, tasks: &mut JoinSet<()>) -> Result<(), StoreError> {
        let now = unix_now();
        for entry in self.store.queue().await? {
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
        let until = now.saturating_add(QUEUE_LEASE.as_secs().try_into().unwrap_or(i64::MAX));
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
    entry.recipients.iter().all(|r| matches!(r.status, RecipientStatus::Delivered | RecipientStatus::Failed))
}

/// A pending recipient whose time has come, or who has expired.
fn is_due(entry: &QueueEntry, now: i64) -> bool {
    entry
        .recipients
        .iter()
        .any(|r| r.status == RecipientStatus::Pending && (r.next_attempt <= now || entry.expires_at <= now))
}
