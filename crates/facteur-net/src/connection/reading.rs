//! The one reader of client input, for every protocol: SMTP and POP3 read lines with it, SMTP's BDAT and
//! IMAP's literals exact byte counts, IMAP's command reader chunks.
//!
//! Three rules hold here so that no protocol has to remember them:
//! - **A deadline covers a whole read**, not each packet: RFC 5321 §4.5.3.2 times a command, so a client
//!   trickling one byte every two seconds is cut when the command's time is up, not kept forever. The
//!   protocol picks the time (SMTP's 5-minute command and 10-minute DATA timeouts, IMAP's 30-minute
//!   autologout); the connection's idle timeout does not cut it shorter.
//! - **An over-long line is refused as soon as it passes the limit**, so the session can answer at once and
//!   nothing past the limit is ever buffered; the rest of it is skipped, up to its LF, before the next line.
//! - **Output is flushed before any read waits**, and only then: replies to pipelined commands leave in one
//!   segment, and a client waiting for an answer always has it.

use tokio::time::{Duration, Instant};

use super::{Connection, ConnectionError};
use crate::shutdown::ShutdownSignal;

/// A line from the peer, terminator included (`\r\n`, or a bare `\n`, which SMTP must tell apart to resist
/// smuggling), or the news that it was longer than allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Complete(Vec<u8>),
    /// Refused when it passed the limit; its remainder is skipped before the next read.
    TooLong,
}

/// Why a read ended without data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupted {
    /// The deadline passed.
    TimedOut,
    /// The server is stopping.
    Shutdown,
    /// The peer closed the connection (an unterminated last line is dropped: it was never a whole command),
    /// or the connection failed.
    Closed,
}

/// Why a line-protocol session (SMTP, POP3) ends; each protocol says its own last words for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The client said goodbye (QUIT).
    Quit,
    /// No command in time.
    Timeout,
    /// The session's error limit was reached.
    TooManyErrors,
    /// The server is stopping.
    Shutdown,
    /// After a reply that must be the last: the input may hide a smuggled command (SMTP's ambiguous end of
    /// data).
    Untrusted,
    /// The peer closed the connection, or it failed: nothing more can be said.
    Gone,
}

impl From<Interrupted> for Ending {
    fn from(interrupted: Interrupted) -> Ending {
        match interrupted {
            Interrupted::TimedOut => Ending::Timeout,
            Interrupted::Shutdown => Ending::Shutdown,
            Interrupted::Closed => Ending::Gone,
        }
    }
}

impl From<ConnectionError> for Interrupted {
    fn from(error: ConnectionError) -> Interrupted {
        match error {
            ConnectionError::Timeout(_) | ConnectionError::DeadlinePassed => Interrupted::TimedOut,
            _ => Interrupted::Closed,
        }
    }
}

impl Connection {
    /// The next command line, within `limit`, or until shutdown. A line already buffered (pipelining) is
    /// returned even when shutdown has begun: the session finishes the command it was given.
    pub async fn next_line(
        &mut self,
        max_len: usize,
        limit: Duration,
        shutdown: &mut ShutdownSignal,
    ) -> Result<Line, Interrupted> {
        let deadline = Instant::now() + limit;
        if let Some(line) = self.buffered_line(max_len) {
            return Ok(line);
        }
        self.flush().await?;
        if shutdown.is_triggered() {
            return Err(Interrupted::Shutdown);
        }
        tokio::select! {
            () = shutdown.triggered() => Err(Interrupted::Shutdown),
            line = self.read_line_until(max_len, deadline) => line,
        }
    }

    /// A line of a command in progress (DATA content, a SASL response), within `limit`.
    pub async fn read_line_within(&mut self, max_len: usize, limit: Duration) -> Result<Line, Interrupted> {
        self.read_line_until(max_len, Instant::now() + limit).await
    }

    /// A line by `deadline`. Cancel-safe: bytes read stay buffered, a skip in progress resumes.
    pub async fn read_line_until(&mut self, max_len: usize, deadline: Instant) -> Result<Line, Interrupted> {
        if self.discarding_line && !self.skip_refused_line(deadline).await? {
            return Err(Interrupted::Closed);
        }
        let mut scanned = 0;
        loop {
            if let Some(line) = self.line_from_buffer(max_len, &mut scanned) {
                return Ok(line);
            }
            if self.receive_until(deadline).await? == 0 {
                return Err(Interrupted::Closed);
            }
        }
    }

    /// Fills `destination` completely (an IMAP literal, a BDAT chunk) by the deadline `limit` from now.
    pub async fn read_exact_within(&mut self, destination: &mut [u8], limit: Duration) -> Result<(), Interrupted> {
        let deadline = Instant::now() + limit;
        let mut filled = self.inbound.copy_into(destination);
        while filled < destination.len() {
            self.flush().await?;
            match until(deadline, self.stream.read(&mut destination[filled..])).await? {
                0 => return Err(Interrupted::Closed),
                received => filled += received,
            }
        }
        Ok(())
    }

    /// Whatever the peer sends next, at most `destination.len()` bytes (for a protocol with its own framing,
    /// such as IMAP's command reader), by `deadline` or until shutdown. Never returns 0: a closed connection is
    /// [`Interrupted::Closed`].
    pub async fn read_chunk_until(
        &mut self,
        destination: &mut [u8],
        deadline: Instant,
        shutdown: &mut ShutdownSignal,
    ) -> Result<usize, Interrupted> {
        if self.inbound.len() > 0 {
            return Ok(self.inbound.copy_into(destination));
        }
        self.flush().await?;
        let received = tokio::select! {
            () = shutdown.triggered() => return Err(Interrupted::Shutdown),
            received = until(deadline, self.stream.read(destination)) => received?,
        };
        if received == 0 { Err(Interrupted::Closed) } else { Ok(received) }
    }

    /// A line that can be had without waiting, if any: a whole one, or the refusal of one already too long.
    fn buffered_line(&mut self, max_len: usize) -> Option<Line> {
        if self.discarding_line {
            let Some(lf) = self.inbound.find_lf(0) else {
                self.inbound.discard_all();
                return None;
            };
            self.inbound.consume(lf + 1);
            self.discarding_line = false;
        }
        self.line_from_buffer(max_len, &mut 0)
    }

    /// The next line in the buffer, or its refusal once `max_len` bytes have come without an LF (`max_len`
    /// counts the terminator, as RFC 5321 §4.5.3.1 does). `scanned` saves rescanning what had no LF.
    fn line_from_buffer(&mut self, max_len: usize, scanned: &mut usize) -> Option<Line> {
        if let Some(lf) = self.inbound.find_lf(*scanned) {
            let line_len = lf + 1;
            if line_len > max_len {
                self.inbound.consume(line_len);
                return Some(Line::TooLong);
            }
            return Some(Line::Complete(self.inbound.take(line_len)));
        }
        *scanned = self.inbound.len();
        if *scanned >= max_len {
            self.inbound.discard_all();
            self.discarding_line = true;
            return Some(Line::TooLong);
        }
        None
    }

    /// Skips the rest of a refused line, up to and including its LF; false if the peer closed first.
    async fn skip_refused_line(&mut self, deadline: Instant) -> Result<bool, Interrupted> {
        loop {
            if let Some(lf) = self.inbound.find_lf(0) {
                self.inbound.consume(lf + 1);
                self.discarding_line = false;
                return Ok(true);
            }
            self.inbound.discard_all();
            if self.receive_until(deadline).await? == 0 {
                return Ok(false);
            }
        }
    }

    /// Flushes what we queued, then waits for more input by `deadline`; 0 when the peer closed.
    async fn receive_until(&mut self, deadline: Instant) -> Result<usize, Interrupted> {
        self.flush().await?;
        let spare = self.inbound.spare();
        let received = until(deadline, self.stream.read(spare)).await?;
        self.inbound.commit(received);
        Ok(received)
    }
}

async fn until<T>(
    deadline: Instant,
    operation: impl Future<Output = std::io::Result<T>>,
) -> Result<T, ConnectionError> {
    match tokio::time::timeout_at(deadline, operation).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(ConnectionError::DeadlinePassed),
    }
}
