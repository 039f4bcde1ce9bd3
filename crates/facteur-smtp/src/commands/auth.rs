//! AUTH (RFC 4954) with SCRAM-SHA-256(-PLUS) (RFC 7677, RFC 9266), PLAIN (RFC 4616) and LOGIN, on the
//! submission face only.
//!
//! The exchange is `facteur-auth`'s one authentication (throttle, lookup, verification, log line, metric);
//! this file keeps the SASL framing (`334` challenges) and the replies.

use facteur_auth::{AuthStep, LoginOutcome, Mechanism, SASL_RESPONSE_TIMEOUT, SaslContext, sasl};
use facteur_net::Line;
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN, AUTH_SCRAM_SHA_256, AUTH_SCRAM_SHA_256_PLUS};

use crate::reply::Reply;
use crate::session::{Ending, Handled, Session};

impl Session<'_> {
    pub(crate) async fn auth(&mut self, mechanism: u64, initial_response: &str) -> Handled {
        if let Err(refusal) = self.state.check_auth_allowed(self.server.settings.allow_plaintext_auth) {
            return Ok(Some(refusal));
        }
        let context = SaslContext {
            protocol: self.server.settings.face.metric_label(),
            peer: self.connection.peer_addr().ip(),
            tls_exporter: self.connection.tls_exporter(),
        };
        let mechanism = match mechanism {
            AUTH_SCRAM_SHA_256_PLUS => Mechanism::ScramSha256Plus,
            AUTH_SCRAM_SHA_256 => Mechanism::ScramSha256,
            AUTH_PLAIN => Mechanism::Plain,
            AUTH_LOGIN => Mechanism::Login,
            _ => return Ok(Some(unrecognized())),
        };
        if !mechanism.is_offered(context.tls_exporter.is_some()) {
            return Ok(Some(unrecognized()));
        }
        let initial = (!initial_response.is_empty()).then_some(initial_response.as_bytes());
        let server = self.server;
        let (mut exchange, mut step) = server.login.authenticate(mechanism, initial, context).await;
        loop {
            match step {
                AuthStep::Challenge(challenge) => {
                    let prompt = format!("334 {challenge}\r\n");
                    self.connection.write_all(prompt.as_bytes()).await.map_err(|_| Ending::Gone)?;
                    step = match self.read_line_within(sasl::MAX_LINE, SASL_RESPONSE_TIMEOUT).await? {
                        Line::Complete(line) => exchange.respond(strip_line_ending(&line)).await,
                        Line::TooLong => {
                            return Ok(Some(Reply::new(500, "5.5.6", "Authentication exchange line too long")));
                        }
                    };
                }
                AuthStep::Done(outcome) => return Ok(Some(self.conclude(outcome))),
                AuthStep::Cancelled => return Ok(Some(Reply::new(501, "5.7.0", "Authentication cancelled"))),
                AuthStep::Failed(error) => {
                    return Ok(Some(Reply::bad_arguments(format!("Malformed authentication data: {error}"))));
                }
            }
        }
    }

    /// The login's outcome as an SMTP reply (RFC 4954 §6).
    fn conclude(&mut self, outcome: LoginOutcome) -> Reply {
        match outcome {
            LoginOutcome::Accepted(account) => {
                self.span.record("user", account.address.as_str());
                self.state.authenticated = Some(account);
                Reply::new(235, "2.7.0", "Authentication successful")
            }
            LoginOutcome::Refused => Reply::new(535, "5.7.8", "Authentication credentials invalid"),
            LoginOutcome::Unavailable => Reply::new(454, "4.7.0", "Temporary authentication failure"),
        }
    }
}

fn unrecognized() -> Reply {
    Reply::new(504, "5.5.4", "Unrecognized authentication type")
}

fn strip_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
