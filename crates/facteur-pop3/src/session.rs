//! One POP3 session: the read–dispatch–answer loop and the limits wrapped around it (line length, idle
//! timeout, error count, shutdown), then the session's end, where the final state decides what the store sees.
//!
//! Responses are flushed only when no further command is already buffered, so a PIPELINING client
//! (RFC 2449 §6.6) gets its answers in few segments; before any blocking read everything queued goes out.

use std::time::Duration;

pub use facteur_net::Ending;
use facteur_net::{Connection, Line, ShutdownSignal};
use facteur_primitives::metrics::{CommandTimer, protocols};
use tracing::{Span, debug};

use crate::command::{self, Command};
use crate::response::{Response, ResponseCode};
use crate::server::Pop3Server;
use crate::state::State;

/// RFC 2449 §4 limits a command line to 255 octets; we allow twice that, CRLF included, for clients that
/// send long user names or SASL initial responses.
pub const COMMAND_LINE_MAX: usize = 512;

/// What a handler produces: a status line to send (`None` when the handler wrote a multi-line response
/// itself), or the end of the session.
pub type Handled = Result<Option<Response>, Ending>;

/// One connected client.
pub struct Session<'a> {
    pub server: &'a Pop3Server,
    pub connection: Connection,
    pub state: State,
    /// Protocol errors so far; see [`crate::Settings::max_errors`].
    pub errors: u32,
    /// Where the user is recorded once known.
    pub span: Span,
}

impl<'a> Session<'a> {
    pub fn new(server: &'a Pop3Server, connection: Connection, span: Span) -> Session<'a> {
        Session { server, connection, state: State::start(), errors: 0, span }
    }

    pub async fn run(mut self, mut shutdown: ShutdownSignal) {
        let ending = self.serve(&mut shutdown).await;
        debug!(?ending, "session ending");
        let farewell = self.finish(ending).await;
        if let Some(farewell) = farewell {
            let _ = self.connection.write_all(&farewell.to_bytes()).await;
            let _ = self.connection.close().await;
        }
    }

    async fn serve(&mut self, shutdown: &mut ShutdownSignal) -> Ending {
        // RFC 1939 §4 greeting; no APOP timestamp, since we do not offer APOP (see commands/authorization.rs).
        let greeting = Response::ok(format!("{} POP3 server ready", self.server.settings.hostname));
        if self.connection.write_all(&greeting.to_bytes()).await.is_err() {
            return Ending::Gone;
        }
        loop {
            let handled = match self.next_command(shutdown).await {
                Ok(Line::Complete(line)) => self.execute(&line).await,
                Ok(Line::TooLong) => Ok(Some(self.protocol_error(Response::err("Command line too long")))),
                Err(ending) => Err(ending),
            };
            match handled {
                Ok(Some(response)) => {
                    if self.connection.write_all(&response.to_bytes()).await.is_err() {
                        return Ending::Gone;
                    }
                }
                Ok(None) => {}
                Err(ending) => return ending,
            }
            if self.errors >= self.server.settings.max_errors {
                return Ending::TooManyErrors;
            }
        }
    }

    /// Parses one line and hands it to the handlers of the current state.
    async fn execute(&mut self, line: &[u8]) -> Handled {
        let command = match command::parse(line) {
            Ok(command) => command,
            Err(error) => return Ok(Some(self.protocol_error(Response::err(error.to_string())))),
        };
        debug!(command = command.name(), "command");
        let timer = CommandTimer::start(protocols::POP3, command.name());
        let handled = self.handle(command).await;
        timer.stop();
        handled
    }

    async fn handle(&mut self, command: Command) -> Handled {
        if command == Command::Capa {
            return Ok(Some(self.capabilities()));
        }
        match self.state {
            State::Authorization { .. } => self.authorization_command(command).await,
            State::Transaction(_) => self.transaction_command(command).await,
            // Not reachable: QUIT ends the loop as it enters UPDATE.
            State::Update(_) => Err(Ending::Quit),
        }
    }

    /// Counts a refusal towards the error limit and passes it on.
    pub fn protocol_error(&mut self, response: Response) -> Response {
        self.errors = self.errors.saturating_add(1);
        response
    }

    /// The last words, after the store has been told what the final state means.
    async fn finish(&mut self, ending: Ending) -> Option<Response> {
        let outcome = self.settle_final_state().await;
        match ending {
            Ending::Quit => Some(outcome),
            Ending::Timeout => Some(Response::err("Autologout: idle for too long")),
            Ending::TooManyErrors => Some(Response::err("Too many bad commands, closing connection")),
            Ending::Shutdown => Some(Response::err_with(ResponseCode::SysTemp, "Server shutting down")),
            // POP3 has no input to distrust; a session ended so has nothing more to say either.
            Ending::Untrusted => None,
            Ending::Gone => None,
        }
    }

    /// The next command line, within the idle timeout (RFC 1939 §3: at least ten minutes) for the whole
    /// line, or until shutdown.
    async fn next_command(&mut self, shutdown: &mut ShutdownSignal) -> Result<Line, Ending> {
        let limit = self.server.settings.idle_timeout;
        Ok(self.connection.next_line(COMMAND_LINE_MAX, limit, shutdown).await?)
    }

    /// A line for a command in progress (a SASL response), within `limit`.
    pub async fn read_line_within(&mut self, max_len: usize, limit: Duration) -> Result<Line, Ending> {
        Ok(self.connection.read_line_within(max_len, limit).await?)
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Ending> {
        self.connection.write_all(bytes).await.map_err(|_| Ending::Gone)
    }
}
