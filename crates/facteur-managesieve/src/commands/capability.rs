//! CAPABILITY (RFC 5804 §2.4), the capability listing the greeting starts with (§1.7), and STARTTLS (§2.2).
//! The listing depends on the state and on TLS: advertising what would be refused only teaches clients to
//! ignore it.

use facteur_auth::Mechanism;
use tracing::{info, warn};

use crate::response::{Response, capability_line};
use crate::session::{Ending, Handled, Session};
use crate::state::State;

impl Session<'_> {
    /// §2.4: the listing, then OK.
    pub(crate) async fn capability(&mut self) -> Handled {
        let listing = self.capability_listing();
        self.write(&listing).await?;
        Ok(Response::ok("Capability completed"))
    }

    /// §1.7: what this connection offers now, one line each.
    pub(crate) fn capability_listing(&self) -> Vec<u8> {
        let mut out = Vec::new();
        capability_line(&mut out, "IMPLEMENTATION", Some("Facteur"));
        // §1.7 requires SASL; before TLS its list is empty unless plain-text passwords are allowed (§2.1,
        // ENCRYPT-NEEDED), so that clients upgrade first.
        capability_line(&mut out, "SASL", Some(&self.offered_mechanisms().join(" ")));
        capability_line(&mut out, "SIEVE", Some(&self.server.extensions));
        if self.connection.starttls_available() && self.state == State::NonAuthenticated {
            capability_line(&mut out, "STARTTLS", None);
        }
        capability_line(&mut out, "MAXREDIRECTS", Some(&self.server.settings.compile_limits.max_redirects.to_string()));
        if let State::Authenticated(owner) = &self.state {
            capability_line(&mut out, "OWNER", Some(&owner.address));
        }
        capability_line(&mut out, "UNAUTHENTICATE", None);
        capability_line(&mut out, "VERSION", Some("1.0"));
        out
    }

    /// The SASL mechanisms of this connection (SCRAM-SHA-256-PLUS where it has a channel binding); none where
    /// passwords may not be sent.
    pub(crate) fn offered_mechanisms(&self) -> Vec<&'static str> {
        if !self.password_allowed() {
            return Vec::new();
        }
        let channel_binding = self.connection.tls_exporter().is_some();
        Mechanism::offered(channel_binding).map(Mechanism::name).collect()
    }

    /// Passwords travel only under TLS, unless the operator allowed otherwise (a test rig, a loopback-only
    /// server).
    pub(crate) fn password_allowed(&self) -> bool {
        self.connection.is_tls() || self.server.settings.allow_plaintext_auth
    }

    /// §2.2 STARTTLS: OK, the handshake, then the capabilities again (they may differ: SASL mechanisms
    /// appear) and an OK. Whatever the client sent after STARTTLS in plain text is discarded.
    pub(crate) async fn starttls(&mut self) -> Handled {
        if self.connection.is_tls() {
            return Ok(self.refuse(Response::no("Already using TLS")));
        }
        if !self.connection.starttls_available() {
            return Ok(self.refuse(Response::no("STARTTLS is not available on this port")));
        }
        self.write(&Response::ok("Begin TLS negotiation now").to_bytes()).await?;
        match self.connection.starttls().await {
            Ok(discarded) => {
                if discarded > 0 {
                    warn!(discarded, "plain-text bytes sent after STARTTLS were discarded");
                }
                let listing = self.capability_listing();
                self.write(&listing).await?;
                Ok(Response::ok("TLS negotiation successful"))
            }
            Err(error) => {
                info!(%error, "STARTTLS handshake failed");
                Err(Ending::Gone)
            }
        }
    }
}
