//! Facteur's POP3 server (being built: until then it answers every connection with "not available yet").

use std::sync::Arc;

use async_trait::async_trait;
use facteur_auth::LoginThrottle;
use facteur_net::{Connection, ConnectionHandler, ShutdownSignal};
use facteur_store::Store;

/// What an operator can tune about the POP3 listeners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Our name, for greetings.
    pub hostname: String,
    /// Passwords on unencrypted connections (never on a server reachable from a network).
    pub allow_plaintext_auth: bool,
}

impl Settings {
    /// The defaults.
    pub fn new(hostname: &str) -> Settings {
        Settings { hostname: hostname.to_owned(), allow_plaintext_auth: false }
    }
}

/// The POP3 engine; one per listener.
pub struct Pop3Server {
    settings: Settings,
    store: Arc<dyn Store>,
    throttle: Arc<LoginThrottle>,
}

impl Pop3Server {
    pub fn new(settings: Settings, store: Arc<dyn Store>, throttle: Arc<LoginThrottle>) -> Pop3Server {
        Pop3Server { settings, store, throttle }
    }
}

#[async_trait]
impl ConnectionHandler for Pop3Server {
    async fn handle(&self, mut connection: Connection, _shutdown: ShutdownSignal) {
        let _ = (&self.settings, &self.store, &self.throttle);
        if connection.write_all(b"-ERR [SYS/TEMP] Facteur: POP3 is not available yet\r\n").await.is_ok() {
            let _ = connection.flush().await;
        }
        let _ = connection.close().await;
    }
}
