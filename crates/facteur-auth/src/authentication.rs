//! One SASL authentication, whatever the mechanism: what SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 9051
//! §6.2.2) and POP3 AUTH (RFC 5034) drive, each with its own framing around the same steps.
//!
//! PLAIN and LOGIN yield a password, checked by [`Login`] like any other. SCRAM-SHA-256 (RFC 7677) never sends
//! it: the client's first message names the user, whose stored verifier is looked up (after the throttle's
//! delay, as for a password), and the client's final message carries a proof checked against it. A user
//! without a verifier (unknown, or whose password predates them) gets a stand-in, so the exchange looks the
//! same and fails at the proof. Success and failure are recorded, logged and counted by [`Login`] as for
//! PLAIN.

use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use facteur_store::Account;
use tracing::warn;

use crate::login::{Login, LoginOutcome};
use crate::sasl::{self, Mechanism, Response, SaslError, SaslExchange, Step};
use crate::scram::{self, ChannelBinding, ClientFirst, ScramError, ScramServer, ScramVerifier};

/// Where an authentication happens.
#[derive(Debug, Clone, Copy)]
pub struct SaslContext {
    /// A [`facteur_primitives::metrics::labels::PROTOCOL`] value.
    pub protocol: &'static str,
    pub peer: IpAddr,
    /// The connection's `tls-exporter` channel binding (RFC 9266), when it has one: then SCRAM-SHA-256-PLUS is
    /// offered ([`Mechanism::offered`]).
    pub tls_exporter: Option<[u8; 32]>,
}

/// What the protocol does next.
#[derive(Debug)]
pub enum AuthStep {
    /// Send this base64 challenge (possibly empty) and wait for a client line.
    Challenge(String),
    /// The exchange is over: the login's outcome, already recorded and logged.
    Done(LoginOutcome),
    /// The client answered `*` (RFC 4954 §4).
    Cancelled,
    /// The client's data was malformed, or asked for what we refuse (a downgrade, an unknown binding).
    Failed(SaslError),
}

/// One exchange in progress.
#[derive(Debug)]
pub struct Authentication<'a> {
    login: &'a Login,
    context: SaslContext,
    mechanism: Mechanism,
    state: State,
}

#[derive(Debug)]
enum State {
    Password(SaslExchange),
    AwaitingClientFirst,
    /// `account` is set only when `server` checks against its real verifier.
    AwaitingClientFinal {
        server: Box<ScramServer>,
        user: String,
        account: Option<Account>,
    },
    /// RFC 4422 §3.6: the server's final message went out as a challenge; an empty response ends it.
    AwaitingEmptyResponse {
        user: String,
        account: Account,
    },
    Finished,
}

impl Login {
    /// Starts an authentication with `mechanism`, which the caller has checked is offered on this connection.
    /// `initial_response` is the optional argument after the mechanism name (SMTP `AUTH PLAIN <ir>`, IMAP
    /// SASL-IR, RFC 4959), exactly as received, `=` included.
    pub async fn authenticate(
        &self,
        mechanism: Mechanism,
        initial_response: Option<&[u8]>,
        context: SaslContext,
    ) -> (Authentication<'_>, AuthStep) {
        let mut authentication = Authentication { login: self, context, mechanism, state: State::Finished };
        let step = match mechanism.password_mechanism() {
            Some(password_mechanism) => {
                let (exchange, step) = SaslExchange::start(password_mechanism, initial_response);
                authentication.state = State::Password(exchange);
                authentication.password_step(step).await
            }
            None => match initial_response.map(sasl::decode_initial_response) {
                // SCRAM is client-first (RFC 5802 §5): without an initial response, an empty challenge.
                None => {
                    authentication.state = State::AwaitingClientFirst;
                    AuthStep::Challenge(String::new())
                }
                Some(Ok(message)) => authentication.client_first(&message).await,
                Some(Err(error)) => AuthStep::Failed(error),
            },
        };
        (authentication, step)
    }
}

impl Authentication<'_> {
    /// Whether the last challenge was SCRAM's server-final message (RFC 4422 §3.6), which a protocol that can
    /// carry it with success (ManageSieve's `OK (SASL …)`, RFC 5804 §2.1) sends there instead.
    pub fn awaits_empty_response(&self) -> bool {
        matches!(self.state, State::AwaitingEmptyResponse { .. })
    }

    /// Feeds one client line (without its CRLF).
    pub async fn respond(&mut self, line: &[u8]) -> AuthStep {
        if let State::Password(exchange) = &mut self.state {
            let step = exchange.respond(line);
            return self.password_step(step).await;
        }
        let response = match sasl::decode_response(line) {
            Ok(response) => response,
            Err(error) => return self.fail(error),
        };
        let Response::Data(message) = response else {
            self.state = State::Finished;
            return AuthStep::Cancelled;
        };
        match std::mem::replace(&mut self.state, State::Finished) {
            State::AwaitingClientFirst => self.client_first(&message).await,
            State::AwaitingClientFinal { server, user, account } => {
                self.client_final(&message, &server, &user, account).await
            }
            State::AwaitingEmptyResponse { user, account } if message.is_empty() => {
                let login = self.login.accepted(
                    self.context.protocol,
                    self.mechanism.name(),
                    self.context.peer,
                    &user,
                    account,
                );
                AuthStep::Done(login.await)
            }
            State::AwaitingEmptyResponse { .. } => AuthStep::Failed(SaslError::UnexpectedData),
            State::Password(_) | State::Finished => AuthStep::Failed(SaslError::Finished),
        }
    }

    /// PLAIN and LOGIN: the decoded password goes to [`Login`].
    async fn password_step(&mut self, step: Step) -> AuthStep {
        match step {
            Step::Challenge(challenge) => AuthStep::Challenge(challenge),
            Step::Done(credentials) => {
                self.state = State::Finished;
                let SaslContext { protocol, peer, .. } = self.context;
                AuthStep::Done(self.login.attempt_with(protocol, self.mechanism.name(), peer, credentials).await)
            }
            Step::Cancelled => AuthStep::Cancelled,
            Step::Failed(error) => AuthStep::Failed(error),
        }
    }

    /// RFC 5802 §5: the user and the client's nonce; we answer with the salt and iteration count.
    async fn client_first(&mut self, message: &[u8]) -> AuthStep {
        let first = match scram_text(message).and_then(|text| Ok(ClientFirst::parse(text)?)) {
            Ok(first) => first,
            Err(error) => return self.fail(error),
        };
        let binding = ChannelBinding {
            plus: self.mechanism == Mechanism::ScramSha256Plus,
            tls_exporter: self.context.tls_exporter.as_ref(),
        };
        let SaslContext { protocol, peer, .. } = self.context;
        let binding_data = match binding.data_for(&first.binding) {
            Ok(data) => data,
            Err(error) => {
                // A downgrade is what a man in the middle who stripped -PLUS would cause: worth an operator's eye.
                warn!(%peer, protocol, %error, "SCRAM channel binding refused");
                return self.fail(error.into());
            }
        };
        let user = first.username.to_lowercase();
        let with_verifier = match self.login.look_up(protocol, peer, &user).await {
            Ok(account) => {
                account.and_then(|account| Login::scram_verifier(&account).map(|verifier| (account, verifier)))
            }
            Err(unavailable) => return self.done(unavailable),
        };
        let Ok(nonce) = scram::server_nonce() else {
            warn!("no random source for a SCRAM nonce");
            return self.done(LoginOutcome::Unavailable);
        };
        let (account, verifier) = match with_verifier {
            Some((account, verifier)) => (Some(account), verifier),
            None => (None, ScramVerifier::stand_in(&user)),
        };
        let server = ScramServer::new(first, verifier, &nonce, &binding_data);
        let challenge = STANDARD.encode(server.server_first());
        self.state = State::AwaitingClientFinal { server: Box::new(server), user, account };
        AuthStep::Challenge(challenge)
    }

    /// RFC 5802 §5: the proof; on success our own (`v=`), sent as a challenge (RFC 4422 §3.6: none of the three
    /// protocols here carries data with success in every client we meet).
    async fn client_final(
        &mut self,
        message: &[u8],
        server: &ScramServer,
        user: &str,
        account: Option<Account>,
    ) -> AuthStep {
        let text = match scram_text(message) {
            Ok(text) => text,
            Err(error) => return self.fail(error),
        };
        let SaslContext { protocol, peer, .. } = self.context;
        match (server.client_final(text), account) {
            (Ok(server_final), Some(account)) => {
                self.state = State::AwaitingEmptyResponse { user: user.to_owned(), account };
                AuthStep::Challenge(STANDARD.encode(server_final))
            }
            // A wrong proof, a replayed nonce, a channel binding that is not this connection's (a man in the
            // middle): all failed logins, throttled like a wrong password.
            (Ok(_), None) | (Err(ScramError::Failed | ScramError::Mismatch), _) => {
                let outcome = self.login.refused(protocol, peer, user).await;
                self.done(outcome)
            }
            (Err(error), _) => self.fail(error.into()),
        }
    }

    fn done(&mut self, outcome: LoginOutcome) -> AuthStep {
        self.state = State::Finished;
        AuthStep::Done(outcome)
    }

    fn fail(&mut self, error: SaslError) -> AuthStep {
        self.state = State::Finished;
        AuthStep::Failed(error)
    }
}

/// SCRAM messages are UTF-8 (RFC 5802 §7).
fn scram_text(message: &[u8]) -> Result<&str, SaslError> {
    std::str::from_utf8(message).map_err(|_| SaslError::NotUtf8)
}
