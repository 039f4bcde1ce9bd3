//! AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, on the submission face only.
//!
//! The credentials go to `facteur-auth`'s one login (throttle, lookup, verification, log line, metric);
//! this file keeps the SASL framing (`334` challenges) and the replies.

use facteur_auth::{Credentials, LoginOutcome, Mechanism, SASL_RESPONSE_TIMEOUT, SaslExchange, Step, sasl};
use facteur_net::Line;
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN};

use crate::reply::Reply;
use crate::session::{Ending, Handled, Session};

impl Session<'_> {
    pub(crate) async fn auth(&mut self, mechanism: u64, initial_response: &str) -> Handled {
        if let Err(refusal) = self.state.check_auth_allowed(self.server.settings.allow_plaintext_auth) {
            return Ok(Some(refusal));
        }
        let mechanism = match mechanism {
            AUTH_PLAIN => Mechanism::Plain,
            AUTH_LOGIN => Mechanism::Login,
            _ => return Ok(Some(Reply::new(504, "5.5.4", "Unrecognized authentication type"))),
        };
        let initial = (!initial_response.is_empty()).then_some(initial_response.as_bytes());
        let (mut exchange, mut step) = SaslExchange::start(mechanism, initial);
        loop {
            match step {
                Step::Challenge(challenge) => {
                    let prompt = format!("334 {challenge}\r\n");
                    self.connection.write_all(prompt.as_bytes()).await.map_err(|_| Ending::Gone)?;
                    step = match self.read_line_within(sasl::MAX_LINE, SASL_RESPONSE_TIMEOUT).await? {
                        Line::Complete(line) => exchange.respond(strip_line_ending(&line)),
                        Line::TooLong => {
                            return Ok(Some(Reply::new(500, "5.5.6", "Authentication exchange line too long")));
                        }
                    };
                }
                Step::Done(credentials) => return Ok(Some(self.verify(credentials).await)),
                Step::Cancelled => return Ok(Some(Reply::new(501, "5.7.0", "Authentication cancelled"))),
                Step::Failed(error) => {
                    return Ok(Some(Reply::bad_arguments(format!("Malformed authentication data: {error}"))));
                }
            }
        }
    }

    /// The one login of `facteur-auth`; only the mapping to SMTP replies is ours (RFC 4954 §6).
    async fn verify(&mut self, credentials: Credentials) -> Reply {
        let peer = self.connection.peer_addr().ip();
        let protocol = self.server.settings.face.metric_label();
        match self.server.login.attempt(protocol, peer, credentials).await {
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

fn strip_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
