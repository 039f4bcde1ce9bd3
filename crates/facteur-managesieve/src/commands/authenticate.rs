//! AUTHENTICATE (RFC 5804 §2.1) with SCRAM-SHA-256(-PLUS), PLAIN and LOGIN, and UNAUTHENTICATE (§2.14.1).
//!
//! The SASL steps are `facteur-auth`'s one authentication (throttle, lookup, verification, log line,
//! metric); this file keeps the ManageSieve framing: challenges and responses are strings (quoted or
//! literal), `"*"` cancels, and the server's last SASL data goes with success in `OK (SASL "…")`.

use facteur_auth::{AuthStep, LoginOutcome, Mechanism, SASL_RESPONSE_TIMEOUT, SaslContext, sasl};
use facteur_primitives::metrics::protocols;
use tokio::time::Instant;
use tracing::info;

use crate::command::{LINE_MAX, SyntaxError};
use crate::response::{Code, Response, write_string};
use crate::session::{Ending, Handled, Session};
use crate::state::{Owner, State};

impl Session<'_> {
    /// §2.1 AUTHENTICATE `mechanism` [`initial_response`].
    pub(crate) async fn authenticate(&mut self, mechanism: &str, initial_response: Option<Vec<u8>>) -> Handled {
        // §1.3 ENCRYPT-NEEDED: passwords (and SCRAM without channel binding) only under TLS, unless allowed.
        if !self.password_allowed() {
            let refusal = Response::no("Authentication needs TLS: use STARTTLS first").with(Code::EncryptNeeded);
            return Ok(self.refuse(refusal));
        }
        let context = SaslContext {
            protocol: protocols::MANAGESIEVE,
            peer: self.connection.peer_addr().ip(),
            tls_exporter: self.connection.tls_exporter(),
        };
        let offered =
            Mechanism::from_name(mechanism).filter(|mechanism| mechanism.is_offered(context.tls_exporter.is_some()));
        let Some(mechanism) = offered else {
            return Ok(self.refuse(Response::no("Unsupported authentication mechanism")));
        };
        // An empty initial response is present but empty: `facteur-auth` spells that `=` (RFC 4954 §4).
        let initial = initial_response.map(|response| if response.is_empty() { b"=".to_vec() } else { response });
        let server = self.server;
        let (mut exchange, mut step) = server.login.authenticate(mechanism, initial.as_deref(), context).await;
        loop {
            match step {
                // RFC 5802 §7: SCRAM's server-final message (`v=` and the server's signature). `facteur-auth`
                // hands it out as a challenge; RFC 5804 §2.1 prefers it in the OK's SASL code, which saves the
                // client a round trip, so the client's empty answer is given on its behalf.
                AuthStep::Challenge(challenge) if exchange.awaits_empty_response() => {
                    step = match exchange.respond(b"").await {
                        AuthStep::Done(outcome) => return Ok(self.logged_in(outcome, Some(challenge))),
                        other => other,
                    };
                }
                AuthStep::Challenge(challenge) => {
                    let mut out = Vec::new();
                    write_string(&mut out, challenge.as_bytes());
                    out.extend_from_slice(b"\r\n");
                    self.write(&out).await?;
                    step = match self.sasl_response().await? {
                        Ok(response) => exchange.respond(&response).await,
                        Err(error) => return Ok(self.refuse(Response::no(error.to_string()))),
                    };
                }
                AuthStep::Done(outcome) => return Ok(self.logged_in(outcome, None)),
                AuthStep::Cancelled => return Ok(self.refuse(Response::no("Authentication cancelled"))),
                AuthStep::Failed(error) => {
                    return Ok(self.refuse(Response::no(format!("Malformed authentication data: {error}"))));
                }
            }
        }
    }

    /// §2.1: the client's answer to a challenge, one string (`"*"` cancels, which `facteur-auth` reads).
    async fn sasl_response(&mut self) -> Result<Result<Vec<u8>, SyntaxError>, Ending> {
        let deadline = Instant::now() + SASL_RESPONSE_TIMEOUT;
        let first = self.connection.read_line_within(LINE_MAX, SASL_RESPONSE_TIMEOUT).await?;
        let max = u64::try_from(sasl::MAX_RESPONSE_LEN).unwrap_or(u64::MAX);
        let assembly = self.assemble(first, max, deadline).await?;
        Ok(assembly.finish_response())
    }

    /// A login's outcome; on success, the authenticated state, with the server's last SASL data if any.
    fn logged_in(&mut self, outcome: LoginOutcome, sasl_final: Option<String>) -> Response {
        match outcome {
            LoginOutcome::Accepted(account) => {
                self.span.record("user", account.address.as_str());
                self.state = State::Authenticated(Owner { account: account.id, address: account.address });
                let response = Response::ok("Logged in");
                match sasl_final {
                    Some(data) => response.with(Code::Sasl(data)),
                    None => response,
                }
            }
            LoginOutcome::Refused => self.refuse(Response::no("Authentication failed")),
            LoginOutcome::Unavailable => Response::no("Temporary server error, try again later").with(Code::TryLater),
        }
    }

    /// §2.14.1: back to the non-authenticated state, as after the greeting.
    pub(crate) fn unauthenticate(&mut self, owner: &Owner) -> Response {
        info!(user = %owner.address, "unauthenticated");
        self.state = State::NonAuthenticated;
        Response::ok("Unauthenticate completed")
    }
}
