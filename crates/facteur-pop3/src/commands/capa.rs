//! CAPA (RFC 2449 §5): what works here, now. The list depends on the state and on TLS, because advertising
//! a command that would be refused only teaches clients to ignore the list.

use facteur_auth::Mechanism;

use crate::response::Response;
use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    pub(crate) fn capabilities(&self) -> Response {
        let mut lines: Vec<String> = [
            "TOP",
            "UIDL",
            "RESP-CODES",
            "AUTH-RESP-CODE",
            "PIPELINING",
            // RFC 2449 §6.7: we never delete mail on our own.
            "EXPIRE NEVER",
            // RFC 2449 §6.8: clients may log in as often as they like.
            "LOGIN-DELAY 0",
            "IMPLEMENTATION Facteur",
        ]
        .map(str::to_owned)
        .into();
        if matches!(self.state, State::Authorization { .. }) {
            if self.connection.starttls_available() {
                lines.push("STLS".to_owned());
            }
            // RFC 2595 §2.1 / RFC 2449 §6.9: USER and SASL are listed only where they will be accepted.
            if self.password_allowed() {
                lines.push("USER".to_owned());
                lines.push(format!("SASL {}", self.offered_mechanisms().join(" ")));
            }
        }
        Response::listing("Capability list follows", lines)
    }

    /// The SASL mechanisms of this connection (SCRAM-SHA-256-PLUS where it has a channel binding), for CAPA
    /// and AUTH without arguments.
    pub(crate) fn offered_mechanisms(&self) -> Vec<String> {
        let channel_binding = self.connection.tls_exporter().is_some();
        Mechanism::offered(channel_binding).map(|mechanism| mechanism.name().to_owned()).collect()
    }

    /// Passwords travel only under TLS, unless the operator allowed otherwise (a test rig, a loopback-only
    /// server).
    pub(crate) fn password_allowed(&self) -> bool {
        self.connection.is_tls() || self.server.settings.allow_plaintext_auth
    }
}
