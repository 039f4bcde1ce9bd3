//! One client connection, plain or TLS, with the reads a mail protocol needs:
//! bounded lines, exact byte counts (IMAP literals, BDAT chunks), and in-place
//! STARTTLS.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::inbound::Inbound;

/// Writes are gathered up to this size before going to the socket.
const WRITE_BUFFER: usize = 16 * 1024;

/// How long a peer may make no progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Applies to every read and every write: a peer that stops reading our
    /// output ties up a session just as much as one that stops sending.
    pub idle: Duration,
    /// Applies to a TLS handshake, implicit or after STARTTLS.
    pub handshake: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("peer made no progress for {0:?}")]
    Timeout(Duration),
    /// The over-long line has been discarded up to and including its LF; the
    /// connection is usable and the session may answer with an error.
    #[error("line longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("connection closed by the peer")]
    Closed,
    #[error("TLS is already active on this connection")]
    AlreadyTls,
    #[error("no TLS configuration is attached to this connection")]
    TlsUnavailable,
    #[error("TLS handshake failed: {0}")]
    Handshake(io::Error),
    #[error(transparent)]
    Io(#[from] io::Error),
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// After a failed STARTTLS: the socket is gone.
    Closed,
}

/// A client connection. Reads are buffered; writes are buffered until
/// [`Connection::flush`] (or until the buffer fills), so a session can write a
/// multi-line response and send it in one segment.
pub struct Connection {
    stream: Stream,
    peer: SocketAddr,
    local: SocketAddr,
    timeouts: Timeouts,
    inbound: Inbound,
    outbound: Vec<u8>,
    /// What [`Connection::starttls`] upgrades with; set by the listener.
    starttls: Option<TlsAcceptor>,
    /// An over-long line is being skipped. Kept here, not in a local, so a
    /// `read_line` cancelled mid-skip (by `select!`) resumes skipping.
    discarding_line: bool,
}

impl Connection {
    /// Wraps an accepted TCP stream.
    pub fn plain(tcp: TcpStream, timeouts: Timeouts) -> Result<Connection, ConnectionError> {
        // We batch writes ourselves and flush at the end of a response: Nagle's
        // algorithm would only add a delayed-ACK stall to pipelined replies.
        tcp.set_nodelay(true)?;
        Ok(Connection {
            peer: tcp.peer_addr()?,
            local: tcp.local_addr()?,
            stream: Stream::Plain(tcp),
            timeouts,
            inbound: Inbound::default(),
            outbound: Vec::new(),
            starttls: None,
            discarding_line: false,
        })
    }

    /// Wraps an accepted TCP stream and performs the TLS handshake (implicit
    /// TLS, RFC 8314 §3.3), within `timeouts.handshake`.
    pub async fn accept_tls(
        tcp: TcpStream,
        acceptor: &TlsAcceptor,
        timeouts: Timeouts,
    ) -> Result<Connection, ConnectionError> {
        let mut connection = Connection::plain(tcp, timeouts)?;
        connection.handshake(acceptor).await?;
        Ok(connection)
    }

    /// Makes [`Connection::starttls`] available, with this configuration.
    pub fn with_starttls(mut self, acceptor: TlsAcceptor) -> Connection {
        self.starttls = Some(acceptor);
        self
    }

    /// Whether the session may advertise STARTTLS/STLS: the connection is
    /// still plain and a TLS configuration is attached.
    pub fn starttls_available(&self) -> bool {
        matches!(self.stream, Stream::Plain(_)) && self.starttls.is_some()
    }

    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The address the client connected to (for `Received:` headers).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    pub fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// The negotiated TLS version, for logs and `Received: … with ESMTPS`.
    pub fn tls_protocol_version(&self) -> Option<rustls::ProtocolVersion> {
        match &self.stream {
            Stream::Tls(tls) => tls.get_ref().1.protocol_version(),
            _ => None,
        }
    }

    pub fn tls_cipher_suite(&self) -> Option<rustls::CipherSuite> {
        match &self.stream {
            Stream::Tls(tls) => tls.get_ref().1.negotiated_cipher_suite().map(|suite| suite.suite()),
            _ => None,
        }
    }

    /// Whether a whole line is already buffered, so [`Connection::read_line`] will return without waiting.
    ///
    /// Pipelining servers (RFC 2920 §3.1, and IMAP) flush their replies only when no further command is
    /// waiting; asking this costs nothing, where a zero timeout around `read_line` would wait for the next
    /// timer tick (a millisecond) on every command.
    pub fn has_buffered_line(&self) -> bool {
        self.discarding_line || self.inbound.find_lf(0).is_some()
    }

    /// Reads one line, LF-terminated, and returns it with its terminator
    /// (`\r\n`, or a bare `\n`) so the session can tell the two apart — SMTP
    /// must, to resist "SMTP smuggling" with bare-LF end-of-data markers.
    ///
    /// `max_len` counts the terminator, as RFC 5321 §4.5.3.1 counts it. A
    /// longer line is skipped up to its LF without being buffered and
    /// reported as [`ConnectionError::LineTooLong`].
    ///
    /// `Ok(None)` when the peer closed the connection; an unterminated last
    /// line is dropped, as it was never a complete command. Cancel-safe.
    pub async fn read_line(&mut self, max_len: usize) -> Result<Option<Vec<u8>>, ConnectionError> {
        if self.discarding_line {
            return self.skip_rest_of_long_line(max_len).await;
        }
        let mut scanned = 0;
        loop {
            if let Some(lf) = self.inbound.find_lf(scanned) {
                let line_len = lf + 1;
                if line_len > max_len {
                    self.inbound.consume(line_len);
                    return Err(ConnectionError::LineTooLong { limit: max_len });
                }
                return Ok(Some(self.inbound.take(line_len)));
            }
            scanned = self.inbound.len();
            if scanned >= max_len {
                self.inbound.discard_all();
                self.discarding_line = true;
                return self.skip_rest_of_long_line(max_len).await;
            }
            if self.receive().await? == 0 {
                return Ok(None);
            }
        }
    }

    async fn skip_rest_of_long_line(&mut self, max_len: usize) -> Result<Option<Vec<u8>>, ConnectionError> {
        loop {
            if let Some(lf) = self.inbound.find_lf(0) {
                self.inbound.consume(lf + 1);
                break;
            }
            self.inbound.discard_all();
            if self.receive().await? == 0 {
                break;
            }
        }
        self.discarding_line = false;
        Err(ConnectionError::LineTooLong { limit: max_len })
    }

    /// Fills `destination` completely (an IMAP literal, a BDAT chunk).
    /// [`ConnectionError::Closed`] if the peer closes first.
    pub async fn read_exact_into(&mut self, destination: &mut [u8]) -> Result<(), ConnectionError> {
        let mut filled = self.inbound.copy_into(destination);
        while filled < destination.len() {
            match self.read_unbuffered(&mut destination[filled..]).await? {
                0 => return Err(ConnectionError::Closed),
                received => filled += received,
            }
        }
        Ok(())
    }

    /// Reads whatever is available, at most `destination.len()` bytes, for
    /// streaming large data to disk. `Ok(0)` means the peer closed (or
    /// `destination` was empty).
    pub async fn read_chunk(&mut self, destination: &mut [u8]) -> Result<usize, ConnectionError> {
        if self.inbound.len() > 0 || destination.is_empty() {
            return Ok(self.inbound.copy_into(destination));
        }
        self.read_unbuffered(destination).await
    }

    /// Queues `bytes` for sending; they leave when the buffer fills or at
    /// [`Connection::flush`]. Not cancel-safe: a cancelled write leaves the
    /// peer with part of a response, so drop the connection afterwards.
    pub async fn write_all(&mut self, bytes: &[u8]) -> Result<(), ConnectionError> {
        if self.outbound.len() + bytes.len() <= WRITE_BUFFER {
            self.outbound.extend_from_slice(bytes);
            return Ok(());
        }
        self.send_outbound().await?;
        if bytes.len() <= WRITE_BUFFER {
            self.outbound.extend_from_slice(bytes);
            return Ok(());
        }
        // Large payloads go out in pieces, each with its own deadline, so a
        // slow but moving reader is not mistaken for an idle one.
        for piece in bytes.chunks(WRITE_BUFFER) {
            within(self.timeouts.idle, self.stream.write_all(piece)).await?;
        }
        Ok(())
    }

    /// Sends everything queued.
    pub async fn flush(&mut self) -> Result<(), ConnectionError> {
        self.send_outbound().await?;
        within(self.timeouts.idle, self.stream.flush()).await
    }

    /// Flushes, then closes (sending TLS close_notify where applicable).
    pub async fn close(mut self) -> Result<(), ConnectionError> {
        self.flush().await?;
        within(self.timeouts.idle, self.stream.shutdown()).await
    }

    /// Upgrades a plain connection to TLS in place (SMTP STARTTLS, RFC 3207;
    /// IMAP STARTTLS, RFC 9051 §6.2.1; POP3 STLS, RFC 2595 §4). Queued output
    /// (the "go ahead" reply) is flushed in plain text first.
    ///
    /// Whatever the client sent after the STARTTLS command and before the
    /// handshake is discarded, and the count returned for the caller to log:
    /// those bytes arrived unencrypted, so treating them as commands of the
    /// TLS session would let a man in the middle inject commands
    /// (CVE-2011-0411, RFC 3207 §4.2 and RFC 9051 §6.2.1).
    pub async fn starttls(&mut self) -> Result<usize, ConnectionError> {
        let acceptor = self.starttls.clone().ok_or(ConnectionError::TlsUnavailable)?;
        self.handshake(&acceptor).await
    }

    async fn handshake(&mut self, acceptor: &TlsAcceptor) -> Result<usize, ConnectionError> {
        match self.stream {
            Stream::Plain(_) => {}
            Stream::Tls(_) => return Err(ConnectionError::AlreadyTls),
            Stream::Closed => return Err(ConnectionError::Closed),
        }
        self.flush().await?;
        let discarded = self.inbound.discard_all();
        self.discarding_line = false;
        let Stream::Plain(tcp) = std::mem::replace(&mut self.stream, Stream::Closed) else {
            return Err(ConnectionError::Closed);
        };
        let handshake = tokio::time::timeout(self.timeouts.handshake, acceptor.accept(tcp));
        let tls = handshake
            .await
            .map_err(|_| ConnectionError::Timeout(self.timeouts.handshake))?
            .map_err(ConnectionError::Handshake)?;
        self.stream = Stream::Tls(Box::new(tls));
        Ok(discarded)
    }

    async fn receive(&mut self) -> Result<usize, ConnectionError> {
        let spare = self.inbound.spare();
        let received = within(self.timeouts.idle, self.stream.read(spare)).await?;
        self.inbound.commit(received);
        Ok(received)
    }

    async fn read_unbuffered(&mut self, destination: &mut [u8]) -> Result<usize, ConnectionError> {
        within(self.timeouts.idle, self.stream.read(destination)).await
    }

    async fn send_outbound(&mut self) -> Result<(), ConnectionError> {
        if !self.outbound.is_empty() {
            within(self.timeouts.idle, self.stream.write_all(&self.outbound)).await?;
            self.outbound.clear();
        }
        Ok(())
    }
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("peer", &self.peer).field("tls", &self.is_tls()).finish_non_exhaustive()
    }
}

async fn within<T>(limit: Duration, operation: impl Future<Output = io::Result<T>>) -> Result<T, ConnectionError> {
    match tokio::time::timeout(limit, operation).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(ConnectionError::Timeout(limit)),
    }
}

impl Stream {
    async fn read(&mut self, destination: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(tcp) => tcp.read(destination).await,
            Stream::Tls(tls) => tls.read(destination).await,
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.write_all(bytes).await,
            Stream::Tls(tls) => tls.write_all(bytes).await,
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    async fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.flush().await,
            Stream::Tls(tls) => tls.flush().await,
            Stream::Closed => Err(io::ErrorKind::NotConnected.into()),
        }
    }

    async fn shutdown(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(tcp) => tcp.shutdown().await,
            Stream::Tls(tls) => tls.shutdown().await,
            Stream::Closed => Ok(()),
        }
    }
}
