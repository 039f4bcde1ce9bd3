//! AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, on the submission face only.
//!
//! Failed attempts are slowed by the shared login throttle: the delay is served before the answer, so a
//! guesser cannot learn anything sooner by hanging up; failures are logged with the client's IP (never
//! the password) for the operator's fail2ban.

use std::time::Instant;

use facteur_auth::{Credentials, Mechanism, PasswordVerifier, SaslExchange, Step};
use facteur_store::Account;
use smtp_proto::{AUTH_LOGIN, AUTH_PLAIN};
use tracing::{info, warn};

use crate::reply::Reply;
use crate::session::{COMMAND_LINE_MAX, Ending, Handled, Line, Session};

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
                    let limit = self.server.settings.command_timeout;
                    step = match self.read_line_within(COMMAND_LINE_MAX, limit).await? {
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

    /// Checks the password (on the shared verifier threads: argon2 is meant to be slow), after the throttle delay.
    async fn verify(&mut self, credentials: Credentials) -> Reply {
        let peer = self.connection.peer_addr().ip();
        let user = credentials.authcid.to_lowercase();
        let throttle = &self.server.throttle;
        let delay = throttle.delay_for(peer, &user, Instant::now());
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let account = match self.server.store.account_by_address(&user).await {
            Ok(account) => account,
            Err(error) => {
                warn!(%error, "store error during AUTH");
                return Reply::new(454, "4.7.0", "Temporary authentication failure");
            }
        };
        if password_matches(account.as_ref(), credentials.password).await
            && let Some(account) = account
        {
            throttle.record_success(peer, &user);
            self.span.record("user", account.address.as_str());
            info!(user = %account.address, "authenticated");
            self.state.authenticated = Some(account);
            return Reply::new(235, "2.7.0", "Authentication successful");
        }
        throttle.record_failure(peer, &user, Instant::now());
        warn!(%peer, %user, "authentication failed");
        metrics::counter!("facteur_auth_failures_total", "protocol" => self.server.settings.face.metric_label())
            .increment(1);
        Reply::new(535, "5.7.8", "Authentication credentials invalid")
    }
}

/// Checked by the process's shared verifier: bounded argon2 work, the same cost for unknown users (timing does
/// not reveal which exist), recently verified logins remembered.
async fn password_matches(account: Option<&Account>, password: String) -> bool {
    let hash = account.map(|account| account.password_hash.clone());
    PasswordVerifier::shared().verify(hash, password).await
}

fn strip_line_ending(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
