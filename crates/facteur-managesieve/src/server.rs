//! The listener's view of the ManageSieve engine: one [`ManageSieveServer`] per listener, one session per
//! connection.

use std::sync::Arc;

use async_trait::async_trait;
use facteur_auth::{Login, LoginThrottle};
use facteur_net::{Connection, ConnectionHandler, Refusal, ShutdownSignal};
use facteur_primitives::metrics as metric;
use facteur_store::Store;
use tracing::{Instrument, field, info_span};

use crate::response::{Code, Response};
use crate::session::Session;
use crate::settings::Settings;

/// The ManageSieve engine for one listener (4190, STARTTLS).
pub struct ManageSieveServer {
    pub(crate) settings: Settings,
    pub(crate) store: Arc<dyn Store>,
    /// The one login flow, on the throttle every session of every protocol shares (guessing cannot move
    /// between ports).
    pub(crate) login: Login,
    /// The SIEVE capability (RFC 5804 §1.7), computed once.
    pub(crate) extensions: String,
}

impl std::fmt::Debug for ManageSieveServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManageSieveServer").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl ManageSieveServer {
    pub fn new(settings: Settings, store: Arc<dyn Store>, throttle: Arc<LoginThrottle>) -> ManageSieveServer {
        ManageSieveServer {
            settings,
            login: Login::new(Arc::clone(&store), throttle),
            store,
            extensions: facteur_sieve::Capability::managesieve_list(),
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

#[async_trait]
impl ConnectionHandler for ManageSieveServer {
    async fn handle(&self, connection: Connection, shutdown: ShutdownSignal) {
        metrics::counter!(metric::CONNECTIONS_TOTAL, metric::labels::PROTOCOL => metric::protocols::MANAGESIEVE)
            .increment(1);
        // A child of the listener's connection span; the user is recorded once logged in.
        let span = info_span!("managesieve", user = field::Empty);
        Session::new(self, connection, span.clone()).run(shutdown).instrument(span).await;
    }

    /// RFC 5804 §1.7: a server may answer a connection with BYE instead of its greeting.
    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let text = match refusal {
            Refusal::ServerBusy => "Too many connections, try again later",
            Refusal::TooManyFromPeer => "Too many connections from your address, try again later",
            Refusal::Banned => "Too many failed logins from your address, try again later",
        };
        let _ = connection.write_all(&Response::bye(text).with(Code::TryLater).to_bytes()).await;
    }
}
