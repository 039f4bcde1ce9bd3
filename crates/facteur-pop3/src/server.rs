//! The listener's view of the POP3 engine: one [`Pop3Server`] per listener, one session per connection.

use std::sync::Arc;

use async_trait::async_trait;
use facteur_auth::{Login, LoginThrottle};
use facteur_net::{Connection, ConnectionHandler, Refusal, ShutdownSignal};
use facteur_primitives::metrics as metric;
use facteur_store::Store;
use tracing::{Instrument, field, info_span};

use crate::response::{Response, ResponseCode};
use crate::session::Session;
use crate::settings::Settings;

/// The POP3 engine for one listener (110 with STLS, or 995 with implicit TLS).
pub struct Pop3Server {
    pub(crate) settings: Settings,
    pub(crate) store: Arc<dyn Store>,
    /// The one login flow, on the throttle every session of every protocol shares (guessing cannot move
    /// between ports).
    pub(crate) login: Login,
}

impl std::fmt::Debug for Pop3Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Server").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl Pop3Server {
    pub fn new(settings: Settings, store: Arc<dyn Store>, throttle: Arc<LoginThrottle>) -> Pop3Server {
        Pop3Server { settings, login: Login::new(Arc::clone(&store), throttle), store }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

#[async_trait]
impl ConnectionHandler for Pop3Server {
    async fn handle(&self, connection: Connection, shutdown: ShutdownSignal) {
        metrics::counter!(metric::CONNECTIONS_TOTAL, metric::labels::PROTOCOL => metric::protocols::POP3).increment(1);
        // A child of the listener's connection span; the user is recorded once logged in.
        let span = info_span!("pop3", user = field::Empty);
        Session::new(self, connection, span.clone()).run(shutdown).instrument(span).await;
    }

    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let text = match refusal {
            Refusal::ServerBusy => "Too many connections, try again later",
            Refusal::TooManyFromPeer => "Too many connections from your address, try again later",
            Refusal::Banned => "Too many failed logins from your address, try again later",
        };
        let _ = connection.write_all(&Response::err_with(ResponseCode::SysTemp, text).to_bytes()).await;
    }
}
