//! STARTTLS (RFC 9051 §6.2.1), AUTHENTICATE with SCRAM-SHA-256(-PLUS), PLAIN and LOGIN (§6.2.2, RFC 4959
//! SASL-IR), LOGIN (§6.2.3).
//!
//! Passwords are refused on a plain connection unless the operator allowed it (LOGINDISABLED is advertised
//! then). The exchange is `facteur-auth`'s one authentication, and LOGIN its one login (throttle, lookup,
//! verification, log line, metric), shared with SMTP and POP3.

use facteur_auth::{AuthStep, Credentials, LoginOutcome, Mechanism, SASL_RESPONSE_TIMEOUT, SaslContext};
use facteur_imap_proto::{ContinueRequest, InitialResponse, Password, Response, ResponseCode, StatusResponse};
use facteur_primitives::metrics::protocols;
use tracing::warn;

use crate::io::Ending;
use crate::session::Session;
use crate::state::State;

impl Session<'_> {
    /// The handshake happens after the tagged OK is sent (see [`Session::upgrade_to_tls`]).
    pub(crate) fn starttls(&mut self) -> StatusResponse {
        if self.client.connection.is_tls() || !self.client.connection.starttls_available() {
            return StatusResponse::bad(None, "TLS is not available on this connection");
        }
        self.tls_after_reply = true;
        StatusResponse::ok(None, "Begin TLS negotiation now")
    }

    /// Upgrades the connection once the OK is out. Whatever the client pipelined after STARTTLS arrived in
    /// plain text and is thrown away (RFC 9051 §6.2.1, CVE-2011-0411).
    pub(crate) async fn upgrade_to_tls(&mut self) -> Result<(), Ending> {
        self.tls_after_reply = false;
        self.client.flush().await?;
        let discarded = self.client.reader.take_unprocessed().len();
        if discarded > 0 {
            warn!(discarded, "discarded plaintext pipelined after STARTTLS");
        }
        self.client.connection.starttls().await.map_err(|_| Ending::Gone)?;
        Ok(())
    }

    pub(crate) async fn login(&mut self, username: String, password: Password) -> Result<StatusResponse, Ending> {
        if let Some(refusal) = self.password_refusal() {
            return Ok(refusal);
        }
        let password = String::from_utf8_lossy(&password.0).into_owned();
        Ok(self.verify(Credentials { authcid: username, password }).await)
    }

    pub(crate) async fn authenticate(
        &mut self,
        mechanism: &str,
        initial_response: Option<InitialResponse>,
    ) -> Result<StatusResponse, Ending> {
        if let Some(refusal) = self.password_refusal() {
            return Ok(refusal);
        }
        let context = SaslContext {
            protocol: protocols::IMAP,
            peer: self.client.connection.peer_addr().ip(),
            tls_exporter: self.client.connection.tls_exporter(),
        };
        let offered =
            Mechanism::from_name(mechanism).filter(|mechanism| mechanism.is_offered(context.tls_exporter.is_some()));
        let Some(mechanism) = offered else {
            return Ok(StatusResponse::no(None, "Unsupported authentication mechanism"));
        };
        let initial = match &initial_response {
            None => None,
            Some(InitialResponse::Empty) => Some(&b"="[..]),
            Some(InitialResponse::Base64(text)) => Some(text.as_bytes()),
        };
        let server = self.server;
        let (mut exchange, mut step) = server.login.authenticate(mechanism, initial, context).await;
        loop {
            match step {
                AuthStep::Challenge(challenge) => {
                    self.client.send(&Response::Continue(ContinueRequest::Base64(challenge)));
                    let Some(line) = self.client.read_line(&mut self.shutdown, SASL_RESPONSE_TIMEOUT).await? else {
                        return Err(Ending::Gone);
                    };
                    step = exchange.respond(&line).await;
                }
                AuthStep::Done(outcome) => return Ok(self.conclude(outcome)),
                AuthStep::Cancelled => return Ok(StatusResponse::bad(None, "Authentication cancelled")),
                AuthStep::Failed(error) => {
                    return Ok(StatusResponse::bad(None, format!("Malformed authentication data: {error}")));
                }
            }
        }
    }

    /// RFC 9051 §6.2.3: LOGIN must be refused on an unencrypted connection unless allowed.
    fn password_refusal(&self) -> Option<StatusResponse> {
        let allowed = self.client.connection.is_tls() || self.server.settings.allow_plaintext_auth;
        (!allowed).then(|| {
            StatusResponse::no(None, "Use STARTTLS before sending a password").with_code(ResponseCode::PrivacyRequired)
        })
    }

    /// LOGIN: the one login of `facteur-auth`.
    async fn verify(&mut self, credentials: Credentials) -> StatusResponse {
        let peer = self.client.connection.peer_addr().ip();
        let outcome = self.server.login.attempt(protocols::IMAP, peer, credentials).await;
        self.conclude(outcome)
    }

    /// A login's outcome; the replies are RFC 9051 §6.2.3's, with RFC 5530 codes.
    fn conclude(&mut self, outcome: LoginOutcome) -> StatusResponse {
        match outcome {
            LoginOutcome::Accepted(account) => {
                self.state = State::Authenticated(account);
                let capabilities = self.capabilities();
                StatusResponse::ok(None, "Logged in").with_code(ResponseCode::Capability(capabilities))
            }
            LoginOutcome::Refused => {
                StatusResponse::no(None, "Invalid credentials").with_code(ResponseCode::AuthenticationFailed)
            }
            LoginOutcome::Unavailable => {
                StatusResponse::no(None, "Temporary authentication failure").with_code(ResponseCode::Unavailable)
            }
        }
    }
}
