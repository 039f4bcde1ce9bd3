//! One ManageSieve session: the read–dispatch–answer loop and the limits wrapped around it (line length,
//! literal sizes, the time a command may take to arrive, idle timeout, error count, shutdown).
//!
//! A command is read whole before it is handled: its first line, then each literal its lines announce and
//! the line after it (RFC 5804 §4). A literal up to the account's script size is kept; a larger one is read
//! and dropped, so that the client hears `NO (QUOTA/MAXSIZE)` and the session stays in step; one larger still
//! ends the session, since reading it would only waste the bandwidth of both sides.

pub use facteur_net::Ending;
use facteur_net::{Connection, Line, ShutdownSignal};
use facteur_primitives::metrics::{CommandTimer, protocols};
use tokio::time::{Duration, Instant};
use tracing::{Span, debug};

use crate::command::{Command, CommandAssembly, LINE_MAX, Next, SyntaxError};
use crate::response::{Code, Response};
use crate::server::ManageSieveServer;
use crate::state::State;

/// What a handler produces: the status response that ends the command (data lines before it, such as
/// LISTSCRIPTS', are written by the handler), or the end of the session.
pub type Handled = Result<Response, Ending>;

/// How far past the largest kept literal a literal is still read (and dropped) to answer `NO`: beyond it the
/// session ends with BYE, since a client sending that much is not waiting for an answer.
pub const LITERAL_DROP_MARGIN: u64 = 1024 * 1024;

/// Literals in one command: no command takes more than two strings, so a client sending more is not talking
/// ManageSieve.
const MAX_LITERALS: usize = 4;

/// Dropped literals are read through a buffer of this size.
const DROP_CHUNK: usize = 16 * 1024;

/// One connected client.
pub struct Session<'a> {
    pub server: &'a ManageSieveServer,
    pub connection: Connection,
    pub state: State,
    /// Refused commands so far; see [`crate::Settings::max_errors`].
    pub errors: u32,
    /// Where the user is recorded once known.
    pub span: Span,
}

impl<'a> Session<'a> {
    pub fn new(server: &'a ManageSieveServer, connection: Connection, span: Span) -> Session<'a> {
        Session { server, connection, state: State::NonAuthenticated, errors: 0, span }
    }

    pub async fn run(mut self, mut shutdown: ShutdownSignal) {
        let ending = self.serve(&mut shutdown).await;
        debug!(?ending, "session ending");
        if let Some(farewell) = farewell(ending) {
            let _ = self.connection.write_all(&farewell.to_bytes()).await;
            let _ = self.connection.close().await;
        }
    }

    async fn serve(&mut self, shutdown: &mut ShutdownSignal) -> Ending {
        // RFC 5804 §1.7: the greeting is the capability listing and an OK.
        let mut greeting = self.capability_listing();
        greeting.extend_from_slice(&Response::ok("Facteur ManageSieve ready").to_bytes());
        if self.connection.write_all(&greeting).await.is_err() {
            return Ending::Gone;
        }
        loop {
            let handled = match self.next_command(shutdown).await {
                Ok(Ok(command)) => self.execute(command).await,
                Ok(Err(error)) => Ok(self.refuse(Response::no(error.to_string()))),
                Err(ending) => Err(ending),
            };
            match handled {
                Ok(response) => {
                    if self.connection.write_all(&response.to_bytes()).await.is_err() {
                        return Ending::Gone;
                    }
                }
                Err(ending) => return ending,
            }
            if self.errors >= self.server.settings.max_errors {
                return Ending::TooManyErrors;
            }
        }
    }

    async fn execute(&mut self, command: Command) -> Handled {
        debug!(?command, "command");
        let timer = CommandTimer::start(protocols::MANAGESIEVE, command.name());
        let handled = self.handle(command).await;
        timer.stop();
        handled
    }

    async fn handle(&mut self, command: Command) -> Handled {
        match command {
            // RFC 5804 §2: valid in every state.
            Command::Capability => self.capability().await,
            Command::Noop { tag } => Ok(noop(tag)),
            Command::Logout => Err(Ending::Quit),
            command => match self.state.clone() {
                State::NonAuthenticated => self.non_authenticated_command(command).await,
                State::Authenticated(owner) => self.authenticated_command(&owner, command).await,
            },
        }
    }

    /// Counts a refusal towards the error limit and passes it on.
    pub fn refuse(&mut self, response: Response) -> Response {
        self.errors = self.errors.saturating_add(1);
        response
    }

    /// The next command, its first line within the idle timeout or until shutdown, the rest of it (literals
    /// and continuation lines) within the idle timeout from then.
    async fn next_command(&mut self, shutdown: &mut ShutdownSignal) -> Result<Result<Command, SyntaxError>, Ending> {
        let limit = self.server.settings.idle_timeout;
        let first = self.connection.next_line(LINE_MAX, limit, shutdown).await?;
        let max_literal = self.server.settings.limits.max_script_bytes;
        let assembly = self.assemble(first, max_literal, Instant::now() + limit).await?;
        Ok(assembly.finish())
    }

    /// The rest of a command or SASL response whose first line is `first`, by `deadline`: literals up to
    /// `max_literal` octets kept, larger ones dropped.
    pub async fn assemble(
        &mut self,
        first: Line,
        max_literal: u64,
        deadline: Instant,
    ) -> Result<CommandAssembly, Ending> {
        let mut assembly = CommandAssembly::new();
        let mut line = first;
        let mut literals = 0;
        loop {
            let next = match line {
                Line::Complete(bytes) => assembly.line(&bytes),
                Line::TooLong => {
                    assembly.line_too_long();
                    Next::Finish
                }
            };
            let Next::Literal { size } = next else { return Ok(assembly) };
            literals += 1;
            if literals > MAX_LITERALS || size > max_literal.saturating_add(LITERAL_DROP_MARGIN) {
                return Err(Ending::Untrusted);
            }
            if size <= max_literal {
                let mut octets = vec![0; usize::try_from(size).map_err(|_| Ending::Untrusted)?];
                self.connection.read_exact_within(&mut octets, remaining(deadline)).await?;
                assembly.literal(octets);
            } else {
                self.drop_literal(size, deadline).await?;
                assembly.oversized(size);
            }
            line = self.connection.read_line_within(LINE_MAX, remaining(deadline)).await?;
        }
    }

    /// Reads `size` octets and forgets them.
    async fn drop_literal(&mut self, size: u64, deadline: Instant) -> Result<(), Ending> {
        let mut buffer = vec![0; DROP_CHUNK];
        let mut left = size;
        while left > 0 {
            let chunk = usize::try_from(left).unwrap_or(DROP_CHUNK).min(DROP_CHUNK);
            self.connection.read_exact_within(&mut buffer[..chunk], remaining(deadline)).await?;
            left -= chunk as u64;
        }
        Ok(())
    }

    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Ending> {
        self.connection.write_all(bytes).await.map_err(|_| Ending::Gone)
    }
}

/// RFC 5804 §2.13: NOOP, with its tag sent back in the TAG response code.
fn noop(tag: Option<Vec<u8>>) -> Response {
    let response = Response::ok("Done");
    match tag {
        Some(tag) => response.with(Code::Tag(tag)),
        None => response,
    }
}

/// The last words for each way a session ends.
fn farewell(ending: Ending) -> Option<Response> {
    match ending {
        // RFC 5804 §2.3: LOGOUT is answered OK, then the server closes the connection.
        Ending::Quit => Some(Response::ok("Logout complete")),
        Ending::Timeout => Some(Response::bye("Idle for too long, closing connection")),
        Ending::TooManyErrors => Some(Response::bye("Too many errors, closing connection")),
        Ending::Shutdown => Some(Response::bye("Server shutting down").with(Code::TryLater)),
        // The only untrusted input here: a command too large to read, or with too many literals.
        Ending::Untrusted => Some(Response::bye("Command too large, closing connection")),
        Ending::Gone => None,
    }
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}
