//! [`facteur_acme::Peers`] over the shared store: the nodes of one PostgreSQL database order one certificate
//! between them. The turn is a lease of the store, `acme/` travels as shared files, http-01 answers are
//! published in the database.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use facteur_acme::{PeerError, Peers};
use facteur_primitives::unix_now;
use facteur_store::{SharedState, Store, lease};
use tracing::warn;

use crate::shared_files::{ACME, SharedFiles};

/// The lease that gives one node at a time the right to order.
const ORDER_LEASE: &str = "acme order";

pub struct AcmePeers {
    store: Arc<dyn Store>,
    shared: Arc<dyn SharedState>,
    files: Arc<SharedFiles>,
    holder: String,
}

impl AcmePeers {
    /// `None` for a store of one node: it has no peers.
    pub fn new(store: &Arc<dyn Store>, files: Arc<SharedFiles>) -> Option<AcmePeers> {
        let shared = Arc::clone(store).shared()?;
        Some(AcmePeers { store: Arc::clone(store), shared, files, holder: lease::holder("acme") })
    }
}

fn later(lasting: Duration) -> i64 {
    unix_now().saturating_add(i64::try_from(lasting.as_secs()).unwrap_or(i64::MAX))
}

#[async_trait]
impl Peers for AcmePeers {
    async fn take_turn(&self, turn: Duration) -> Result<bool, PeerError> {
        Ok(self.store.try_lease(ORDER_LEASE, &self.holder, unix_now(), later(turn)).await?)
    }

    async fn end_turn(&self) {
        if let Err(error) = self.store.release_lease(ORDER_LEASE, &self.holder).await {
            warn!(%error, "ACME: could not give the order turn back; it expires by itself");
        }
    }

    async fn pull(&self) -> Result<(), PeerError> {
        Ok(self.files.pull(ACME).await?)
    }

    async fn push(&self) -> Result<(), PeerError> {
        Ok(self.files.push(ACME).await?)
    }

    async fn publish_http01(&self, token: &str, key_authorization: &str, lasting: Duration) -> Result<(), PeerError> {
        Ok(self.shared.publish_http01(token, key_authorization, unix_now(), later(lasting)).await?)
    }

    async fn withdraw_http01(&self, token: &str) {
        if let Err(error) = self.shared.withdraw_http01(token).await {
            warn!(%error, "ACME: could not take an http-01 answer down; it expires by itself");
        }
    }

    async fn http01_answer(&self, token: &str) -> Option<String> {
        match self.shared.http01_answer(token, unix_now()).await {
            Ok(answer) => answer,
            Err(error) => {
                warn!(%error, "ACME: cannot read the http-01 answers of the other nodes");
                None
            }
        }
    }
}
