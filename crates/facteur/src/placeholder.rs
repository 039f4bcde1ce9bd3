//! Until each protocol's engine lands (SMTP, IMAP, POP3 have their own issues), its listeners are real — bound,
//! limited, TLS — and answer every connection with a clear "not available yet" in that protocol's own syntax, so
//! a client shows a sensible error instead of hanging.

use std::sync::Arc;

use async_trait::async_trait;
use facteur_config::Protocol;
use facteur_net::{Connection, ConnectionHandler, Refusal, ShutdownSignal};

/// The handler for a protocol whose engine is not built yet.
pub fn handler(protocol: Protocol, hostname: &str) -> Arc<dyn ConnectionHandler> {
    Arc::new(NotYetAvailable { protocol, hostname: hostname.to_owned() })
}

struct NotYetAvailable {
    protocol: Protocol,
    hostname: String,
}

impl NotYetAvailable {
    /// One line, then the connection closes: RFC 5321 §3.1 lets a server greet with 421 and close; IMAP's
    /// greeting may be BYE (RFC 9051 §7.1.5); POP3 may answer -ERR and close.
    fn line(&self, why: &str) -> String {
        match self.protocol {
            Protocol::Smtp | Protocol::Submission => format!("421 4.3.2 {} {why}\r\n", self.hostname),
            Protocol::Imap => format!("* BYE {why}\r\n"),
            Protocol::Pop3 => format!("-ERR [SYS/TEMP] {why}\r\n"),
        }
    }
}

#[async_trait]
impl ConnectionHandler for NotYetAvailable {
    async fn handle(&self, mut connection: Connection, _shutdown: ShutdownSignal) {
        let protocol = self.protocol.as_str().to_uppercase();
        let line = self.line(&format!("Facteur: {protocol} is not available yet"));
        if connection.write_all(line.as_bytes()).await.is_ok() {
            let _ = connection.flush().await;
        }
        let _ = connection.close().await;
    }

    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let why = match refusal {
            Refusal::ServerBusy => "too many connections, try again later",
            Refusal::TooManyFromPeer => "too many connections from your address, try again later",
        };
        if connection.write_all(self.line(why).as_bytes()).await.is_ok() {
            let _ = connection.flush().await;
        }
    }
}
