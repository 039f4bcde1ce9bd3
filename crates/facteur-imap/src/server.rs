//! The IMAP engine: one per listener, shared by its sessions.

use std::sync::Arc;

use async_trait::async_trait;
use facteur_auth::{Login, LoginThrottle};
use facteur_net::{Connection, ConnectionHandler, Refusal, ShutdownSignal};
use facteur_primitives::metrics as metric;
use facteur_store::Store;

use crate::recent::RecentClaims;
use crate::session::Session;
use crate::settings::Settings;
use crate::summaries::SummaryCache;

/// The IMAP engine; one per listener.
pub struct ImapServer {
    pub(crate) settings: Settings,
    pub(crate) store: Arc<dyn Store>,
    /// The one login flow, on the throttle every session of every protocol shares (guessing cannot move
    /// between ports).
    pub(crate) login: Login,
    pub(crate) recent: RecentClaims,
    pub(crate) summaries: SummaryCache,
}

impl ImapServer {
    pub fn new(settings: Settings, store: Arc<dyn Store>, throttle: Arc<LoginThrottle>) -> ImapServer {
        ImapServer {
            settings,
            login: Login::new(Arc::clone(&store), throttle),
            store,
            recent: RecentClaims::default(),
            summaries: SummaryCache::default(),
        }
    }
}

#[async_trait]
impl ConnectionHandler for ImapServer {
    async fn handle(&self, connection: Connection, shutdown: ShutdownSignal) {
        metrics::counter!(metric::CONNECTIONS_TOTAL, metric::labels::PROTOCOL => metric::protocols::IMAP).increment(1);
        Session::new(self, connection, shutdown).run().await;
    }

    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let line: &[u8] = match refusal {
            Refusal::ServerBusy => b"* BYE [UNAVAILABLE] Server busy, try again later\r\n",
            Refusal::TooManyFromPeer => b"* BYE [LIMIT] Too many connections from your network\r\n",
            Refusal::Banned => b"* BYE [UNAVAILABLE] Too many failed logins from your network, try again later\r\n",
        };
        if connection.write_all(line).await.is_ok() {
            let _ = connection.flush().await;
        }
    }
}
