//! One client connection, plain or TLS: buffered writes, in-place STARTTLS, and (in [`reading`]) the one
//! reader every protocol uses: bounded lines, exact byte counts (IMAP literals, BDAT chunks) and chunks, each
//! under a deadline the protocol chooses.

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

/// The one reader: lines, exact reads and chunks under deadlines.
mod reading;

pub use reading::{Ending, Interrupted, Line};

/// How long a peer may make no progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Applies to every write (a peer that stops reading our output ties up a session just as much as one that
    /// stops sending), and is the read limit a protocol uses when it has no better one of its own.
    pub idle: Duration,
    /// Applies to a TLS handshake, implicit or after STARTTLS.
    pub handshake: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("peer made no progress for {0:?}")]
    Timeout(Duration),
    /// A read's deadline passed.
    #[error("the read's deadline passed")]
    DeadlinePassed,
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
    /// The rest of an over-long line, already refused, is being skipped. Kept here, not in a local, so a read
    /// cancelled mid-skip (by `select!`) resumes skipping.
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

    /// The server-wide idle timeout: the read limit of a protocol that has none of its own.
    pub fn idle_timeout(&self) -> Duration {
        self.timeouts.idle
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

    /// The `tls-exporter` channel binding (RFC 9266 §2: the exporter with label "EXPORTER-Channel-Binding", an
    /// empty context, 32 bytes), on TLS 1.3 only. RFC 9266 §3 allows TLS 1.2 only with the extended master
    /// secret (RFC 7627), which rustls does not tell us about; without it a man in the middle can make both
    /// sides' values equal (the triple handshake attack), so on 1.2 there is no binding and -PLUS is not
    /// offered.
    pub fn tls_exporter(&self) -> Option<[u8; 32]> {
        let Stream::Tls(tls) = &self.stream else { return None };
        let session = tls.get_ref().1;
        if session.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) {
            return None;
        }
        session.export_keying_material([0u8; 32], b"EXPORTER-Channel-Binding", Some(b"")).ok()
    }

    pub fn tls_cipher_suite(&self) -> Option<rustls::CipherSuite> {
        match &self.stream {
            Stream::Tls(tls) => tls.get_ref().1.negotiated_cipher_suite().map(|suite| suite.suite()),
            _ => None,
        }
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
