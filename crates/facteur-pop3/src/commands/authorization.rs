//! The AUTHORIZATION state (RFC 1939 §4, §7): USER/PASS, AUTH (RFC 5034) with SCRAM-SHA-256(-PLUS), PLAIN and
//! LOGIN, STLS (RFC 2595 §4), and the step into TRANSACTION: lock the maildrop, take the snapshot.
//!
//! No APOP (RFC 1939 §7): it proves knowledge of the password by an MD5 digest over it, so the server must
//! keep every password in the clear (or reversibly) to check it. We store only argon2id hashes; a stolen
//! database must not hand out everyone's password. Over TLS, USER/PASS and SASL PLAIN are as safe on the
//! wire and need nothing of the kind.
//!
//! Credentials go to `facteur-auth`'s one login, SASL to its one authentication (throttle, lookup,
//! verification, log line, metric); this file keeps the POP3 framing and replies.

use facteur_auth::{AuthStep, Credentials, LoginOutcome, Mechanism, SASL_RESPONSE_TIMEOUT, SaslContext, sasl};
use facteur_net::Line;
use facteur_primitives::metrics::protocols;
use facteur_store::{Account, INBOX};
use tracing::{info, warn};

use crate::command::Command;
use crate::lock::MaildropLock;
use crate::maildrop::Maildrop;
use crate::response::{Response, ResponseCode};
use crate::session::{Ending, Handled, Session};
use crate::state::{State, Transaction};

impl Session<'_> {
    pub(crate) async fn authorization_command(&mut self, command: Command) -> Handled {
        match command {
            Command::User(name) => Ok(Some(self.user(name))),
            Command::Pass(password) => Ok(Some(self.pass(password).await)),
            Command::Auth { mechanism, initial_response } => self.auth(mechanism, initial_response).await,
            Command::Stls => self.stls().await,
            Command::Capa => Ok(Some(self.capabilities())),
            Command::Quit => Err(Ending::Quit),
            Command::Apop => Ok(Some(self.protocol_error(Response::err(
                "APOP is not supported (it needs clear-text passwords on the server): use USER/PASS or AUTH over TLS",
            )))),
            Command::Stat
            | Command::List(_)
            | Command::Retr(_)
            | Command::Dele(_)
            | Command::Noop
            | Command::Rset
            | Command::Top(..)
            | Command::Uidl(_) => {
                Ok(Some(self.protocol_error(Response::err("Not logged in yet: use USER/PASS or AUTH first"))))
            }
        }
    }

    /// RFC 1939 §7 USER. Always accepted when passwords may be sent: refusing unknown names here would tell
    /// anyone which accounts exist.
    fn user(&mut self, name: String) -> Response {
        if let Some(refusal) = self.refuse_cleartext() {
            return refusal;
        }
        self.state = State::Authorization { user: Some(name) };
        Response::ok("Send your password")
    }

    /// RFC 1939 §7 PASS. Whatever the outcome, a new USER is needed for another try.
    async fn pass(&mut self, password: String) -> Response {
        if let Some(refusal) = self.refuse_cleartext() {
            return refusal;
        }
        let State::Authorization { user } = std::mem::replace(&mut self.state, State::start()) else {
            return self.protocol_error(Response::err("Already logged in"));
        };
        let Some(authcid) = user else {
            return self.protocol_error(Response::err("Send USER first"));
        };
        self.login(Credentials { authcid, password }).await
    }

    /// RFC 5034 AUTH; without a mechanism, the list of mechanisms (what older clients ask for).
    async fn auth(&mut self, mechanism: Option<String>, initial_response: Option<String>) -> Handled {
        if let Some(refusal) = self.refuse_cleartext() {
            return Ok(Some(refusal));
        }
        let Some(name) = mechanism else {
            return Ok(Some(Response::listing("Supported mechanisms follow", self.offered_mechanisms())));
        };
        let context = SaslContext {
            protocol: protocols::POP3,
            peer: self.connection.peer_addr().ip(),
            tls_exporter: self.connection.tls_exporter(),
        };
        let offered =
            Mechanism::from_name(&name).filter(|mechanism| mechanism.is_offered(context.tls_exporter.is_some()));
        let Some(mechanism) = offered else {
            return Ok(Some(self.protocol_error(Response::err("Unsupported authentication mechanism"))));
        };
        self.state = State::start();
        let initial = initial_response.as_deref().map(str::as_bytes);
        let server = self.server;
        let (mut exchange, mut step) = server.login.authenticate(mechanism, initial, context).await;
        loop {
            match step {
                // RFC 5034 §4: a challenge is "+" SP base64.
                AuthStep::Challenge(challenge) => {
                    self.write(format!("+ {challenge}\r\n").as_bytes()).await?;
                    step = match self.read_line_within(sasl::MAX_LINE, SASL_RESPONSE_TIMEOUT).await? {
                        Line::Complete(line) => exchange.respond(&line).await,
                        Line::TooLong => {
                            return Ok(Some(self.protocol_error(Response::err("Authentication line too long"))));
                        }
                    };
                }
                AuthStep::Done(outcome) => return Ok(Some(self.logged_in(outcome).await)),
                AuthStep::Cancelled => {
                    return Ok(Some(self.protocol_error(Response::err("Authentication cancelled"))));
                }
                AuthStep::Failed(error) => {
                    let refusal = Response::err(format!("Malformed authentication data: {error}"));
                    return Ok(Some(self.protocol_error(refusal)));
                }
            }
        }
    }

    /// RFC 2595 §4 STLS. Whatever was sent after it in plain text is discarded by the connection.
    async fn stls(&mut self) -> Handled {
        if self.connection.is_tls() {
            return Ok(Some(self.protocol_error(Response::err("Already using TLS"))));
        }
        if !self.connection.starttls_available() {
            return Ok(Some(self.protocol_error(Response::err("STLS is not available on this port"))));
        }
        self.write(&Response::ok("Begin TLS negotiation").to_bytes()).await?;
        match self.connection.starttls().await {
            Ok(discarded) => {
                if discarded > 0 {
                    warn!(discarded, "plain-text bytes sent after STLS were discarded");
                }
                // RFC 2595 §4: the client must forget what it knew, and so do we.
                self.state = State::start();
                Ok(None)
            }
            Err(error) => {
                info!(%error, "STLS handshake failed");
                Err(Ending::Gone)
            }
        }
    }

    /// RFC 2595 §2.1: no passwords over a plain connection unless the operator allowed it. RFC 3206 §5
    /// `[AUTH]`: the refusal is about the credentials' transport, not a fault of ours.
    fn refuse_cleartext(&mut self) -> Option<Response> {
        if self.password_allowed() {
            return None;
        }
        let text = "Plain-text authentication is not allowed without TLS: use STLS first, or port 995";
        Some(self.protocol_error(Response::err_with(ResponseCode::Auth, text)))
    }

    /// USER/PASS: the one login of `facteur-auth`.
    async fn login(&mut self, credentials: Credentials) -> Response {
        let peer = self.connection.peer_addr().ip();
        let outcome = self.server.login.attempt(protocols::POP3, peer, credentials).await;
        self.logged_in(outcome).await
    }

    /// A login's outcome; on success, TRANSACTION.
    async fn logged_in(&mut self, outcome: LoginOutcome) -> Response {
        let account = match outcome {
            LoginOutcome::Accepted(account) => account,
            LoginOutcome::Refused => {
                return self.protocol_error(Response::err_with(ResponseCode::Auth, "Authentication failed"));
            }
            LoginOutcome::Unavailable => return Response::temporary_failure(),
        };
        self.span.record("user", account.address.as_str());
        match self.open_maildrop(account).await {
            Ok(transaction) => {
                let (count, octets) = transaction.maildrop.stat();
                info!(user = %transaction.address, messages = count, "maildrop opened");
                self.state = State::Transaction(Box::new(transaction));
                Response::ok(format!("Logged in, {count} messages ({octets} octets)"))
            }
            Err(refusal) => refusal,
        }
    }

    /// Locks the maildrop, then snapshots INBOX: in that order, so no other POP3 session can change it
    /// between the two.
    async fn open_maildrop(&self, account: Account) -> Result<Transaction, Response> {
        let store = &self.server.store;
        let store_failure = |error| Response::store_failure(&error, "opening the maildrop");
        let Some(lock) = MaildropLock::acquire(store, account.id).await.map_err(store_failure)? else {
            info!(user = %account.address, "maildrop in use by another POP3 session");
            return Err(Response::err_with(ResponseCode::InUse, "Maildrop already in use by another POP3 session"));
        };
        let inbox = store.mailbox_by_name(account.id, INBOX).await.map_err(store_failure)?;
        let Some(inbox) = inbox else {
            warn!(user = %account.address, "account has no INBOX");
            return Err(Response::err_with(
                ResponseCode::SysPerm,
                "Your mailbox is missing, contact the administrator",
            ));
        };
        let messages = store.messages(inbox.id).await.map_err(store_failure)?;
        Ok(Transaction {
            account: account.id,
            address: account.address,
            inbox: inbox.id,
            maildrop: Maildrop::new(inbox.uidvalidity, &messages),
            retrieved: Default::default(),
            lock,
        })
    }
}
