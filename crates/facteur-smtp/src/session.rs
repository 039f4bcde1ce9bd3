//! One SMTP session: the read–handle–write loop, and the reads every command shares.
//!
//! The loop reads a command line, hands it to the handler for its command family (`commands/`), and
//! queues the reply. Replies are flushed only when no further input is already waiting, so a pipelining
//! client (RFC 2920) gets its replies in one segment; before every blocking read everything queued goes
//! out, so a client waiting for a reply always has it. Limits (line length, timeouts, error count) wrap
//! the loop here; handlers do not see them.

use std::borrow::Cow;
use std::time::Duration;

pub use facteur_net::Ending;
use facteur_net::{Connection, Line, ShutdownSignal};
use facteur_primitives::metrics::CommandTimer;
use smtp_proto::Request;
use tracing::{Span, debug};

use crate::reply::Reply;
use crate::server::SmtpServer;
use crate::state::SessionState;

/// RFC 5321 §4.5.3.1.4 allows 512 octets, plus RFC 1869 §4.1.2's allowance for ESMTP parameters;
/// SASL responses (up to 2 KiB of base64) fit too.
pub const COMMAND_LINE_MAX: usize = 4096;

/// RFC 5321 §4.5.3.1.6 says 1000; we take far longer lines (generated HTML, unwrapped base64) but not
/// unbounded ones.
pub const DATA_LINE_MAX: usize = 64 * 1024;

/// What a command handler produces: a reply to queue (none after STARTTLS, which answered already), or
/// the end of the session.
pub type Handled = Result<Option<Reply>, Ending>;

/// One connected client.
pub struct Session<'a> {
    pub server: &'a SmtpServer,
    pub connection: Connection,
    pub state: SessionState,
    /// Replies that counted as errors so far.
    pub errors: u32,
    /// Where the TLS version and the authenticated user are recorded.
    pub span: Span,
}

impl<'a> Session<'a> {
    pub fn new(server: &'a SmtpServer, connection: Connection, span: Span) -> Session<'a> {
        let state = SessionState::new(server.settings.face, connection.is_tls());
        let session = Session { server, connection, state, errors: 0, span };
        session.record_tls_version();
        session
    }

    pub async fn run(mut self, mut shutdown: ShutdownSignal) {
        let ending = self.serve(&mut shutdown).await;
        debug!(?ending, "session ending");
        let goodbye = match ending {
            Ending::Quit => Some(Reply::new(221, "2.0.0", format!("{} closing connection", self.hostname()))),
            Ending::Timeout => Some(Reply::timeout()),
            Ending::TooManyErrors => Some(Reply::new(421, "4.7.0", "Too many errors, closing connection")),
            Ending::Shutdown => Some(Reply::new(421, "4.3.2", "Server shutting down, try again later")),
            Ending::Untrusted => Some(Reply::new(421, "4.7.0", "Closing connection")),
            Ending::Gone => None,
        };
        if let Some(goodbye) = goodbye {
            let _ = self.connection.write_all(&goodbye.to_bytes()).await;
            let _ = self.connection.close().await;
        }
    }

    async fn serve(&mut self, shutdown: &mut ShutdownSignal) -> Ending {
        let greeting = Reply::bare(220, vec![format!("{} ESMTP Facteur ready", self.hostname()).into()]);
        if self.connection.write_all(&greeting.to_bytes()).await.is_err() {
            return Ending::Gone;
        }
        loop {
            let handled = match self.next_command(shutdown).await {
                Ok(Line::Complete(line)) => self.execute(&line).await,
                Ok(Line::TooLong) => Ok(Some(Reply::new(500, "5.5.2", "Line too long"))),
                Err(ending) => Err(ending),
            };
            let outcome = match handled {
                Ok(Some(reply)) => self.answer(&reply).await,
                Ok(None) => Ok(()),
                Err(ending) => Err(ending),
            };
            if let Err(ending) = outcome {
                return ending;
            }
        }
    }

    /// Parses and dispatches one command line to its handler.
    async fn execute(&mut self, line: &[u8]) -> Handled {
        if std::str::from_utf8(line).is_err() {
            return Ok(Some(Reply::new(500, "5.5.2", "Invalid UTF-8 in command")));
        }
        let request = match Request::parse(&mut line.iter()) {
            Ok(request) => request,
            Err(error) => return Ok(Some(parse_error_reply(error))),
        };
        debug!(command = request.name(), "command");
        let timer = CommandTimer::start(self.server.settings.face.metric_label(), request.name());
        let handled = self.handle(request).await;
        timer.stop();
        handled
    }

    async fn handle(&mut self, request: Request<Cow<'_, str>>) -> Handled {
        match request {
            Request::Ehlo { host } => Ok(Some(self.hello(&host, true))),
            Request::Helo { host } => Ok(Some(self.hello(&host, false))),
            Request::Mail { from } => Ok(Some(self.mail(from).await)),
            Request::Rcpt { to } => Ok(Some(self.rcpt(to).await)),
            Request::Data => self.data().await,
            Request::Bdat { chunk_size, is_last } => self.bdat(chunk_size, is_last).await,
            Request::Auth { mechanism, initial_response } => self.auth(mechanism, &initial_response).await,
            Request::StartTls => self.starttls().await,
            Request::Noop { .. } => Ok(Some(Reply::ok())),
            Request::Rset => Ok(Some(self.rset())),
            Request::Vrfy { .. } => Ok(Some(Self::vrfy())),
            Request::Help { .. } => Ok(Some(Self::help())),
            Request::Quit => Err(Ending::Quit),
            Request::Lhlo { .. }
            | Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. } => Ok(Some(Reply::new(502, "5.5.1", "Command not implemented"))),
        }
    }

    /// Queues `reply`, and ends the session once too many replies were errors.
    pub async fn answer(&mut self, reply: &Reply) -> Result<(), Ending> {
        self.connection.write_all(&reply.to_bytes()).await.map_err(|_| Ending::Gone)?;
        if reply.counts_as_error() {
            self.errors = self.errors.saturating_add(1);
            if self.errors >= self.server.settings.max_errors {
                return Err(Ending::TooManyErrors);
            }
        }
        Ok(())
    }

    /// The next command line, within the command timeout (RFC 5321 §4.5.3.2.7: five minutes for the whole
    /// command, however slowly it trickles in), or until shutdown.
    async fn next_command(&mut self, shutdown: &mut ShutdownSignal) -> Result<Line, Ending> {
        let limit = self.server.settings.command_timeout;
        Ok(self.connection.next_line(COMMAND_LINE_MAX, limit, shutdown).await?)
    }

    /// A line for a command in progress (DATA content, an AUTH response), within `limit`.
    pub async fn read_line_within(&mut self, max_len: usize, limit: Duration) -> Result<Line, Ending> {
        Ok(self.connection.read_line_within(max_len, limit).await?)
    }

    /// Fills `destination` (a BDAT chunk piece) within `limit`.
    pub async fn read_exact_within(&mut self, destination: &mut [u8], limit: Duration) -> Result<(), Ending> {
        Ok(self.connection.read_exact_within(destination, limit).await?)
    }

    pub fn hostname(&self) -> &str {
        &self.server.settings.hostname
    }

    pub fn record_tls_version(&self) {
        if let Some(version) = self.connection.tls_protocol_version() {
            self.span.record("tls", tracing::field::debug(version));
        }
    }
}

/// Replies to command lines `smtp-proto` could not parse.
fn parse_error_reply(error: smtp_proto::Error) -> Reply {
    use smtp_proto::Error;
    match error {
        Error::UnknownCommand => Reply::new(500, "5.5.1", "Command unrecognized"),
        Error::InvalidSenderAddress => Reply::new(501, "5.1.7", "Bad sender address syntax"),
        Error::InvalidRecipientAddress => Reply::new(501, "5.1.3", "Bad recipient address syntax"),
        Error::SyntaxError { syntax } => Reply::bad_arguments(format!("Syntax: {syntax}")),
        Error::InvalidParameter { param } => Reply::bad_arguments(format!("Invalid {param} parameter")),
        // RFC 5321 §4.1.1.11: 555 for MAIL/RCPT parameters we do not recognise.
        Error::UnsupportedParameter { param } => {
            Reply::new(555, "5.5.4", format!("Unsupported parameter {}", printable(&param)))
        }
        Error::NeedsMoreData { .. } | Error::ResponseTooLong | Error::InvalidResponse { .. } => {
            Reply::new(500, "5.5.2", "Syntax error")
        }
    }
}

/// Client text echoed in a reply: printable ASCII only, bounded.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_graphic()).take(64).collect()
}
