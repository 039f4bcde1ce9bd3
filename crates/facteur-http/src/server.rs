//! The HTTP/1.1 connection loop, plain or TLS: accept, admit, handshake, let hyper serve the router, and
//! hold every connection to its timeouts. axum's own `serve` only takes a plain `TcpListener`, hence this.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use facteur_net::{ConnectionLimiter, ConnectionSlot, ShutdownSignal, TlsAcceptor};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{Instrument, debug, info_span, warn};

use facteur_primitives::metrics::{self as names, labels, protocols};

/// Request line plus headers may not exceed this (hyper answers 431 beyond it; its minimum is 8 KiB).
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// After an accept error (out of file descriptors, typically), pause rather than spin.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);
/// How long a connection may finish its current response once asked to close.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// How long a client may take. Every limit cuts a connection that makes too little progress, so that slow
/// clients (deliberate or not) cannot pile up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// From the start of a request (or from the end of the previous one on a kept-alive connection) to
    /// its last header byte. hyper's `header_read_timeout`: it also closes an idle keep-alive connection
    /// and one that never sends anything.
    pub header_read: Duration,
    /// The TLS handshake on an HTTPS listener.
    pub handshake: Duration,
    /// The whole life of a connection, which bounds a client trickling a request body too (hyper has no
    /// body timeout). Discovery clients make one or two requests.
    pub connection: Duration,
}

impl Default for HttpTimeouts {
    fn default() -> Self {
        HttpTimeouts {
            header_read: Duration::from_secs(10),
            handshake: Duration::from_secs(10),
            connection: Duration::from_secs(60),
        }
    }
}

/// Serves one router on one listening socket.
pub struct HttpServer {
    router: Router,
    tls: Option<TlsAcceptor>,
    timeouts: HttpTimeouts,
    limiter: Option<ConnectionLimiter>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer")
            .field("tls", &self.tls.is_some())
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl HttpServer {
    /// Plain HTTP with the default timeouts and no connection limit.
    pub fn new(router: Router) -> HttpServer {
        HttpServer { router, tls: None, timeouts: HttpTimeouts::default(), limiter: None }
    }

    /// HTTPS: TLS from the first byte with this acceptor (facteur-net's `server_config` builds its config).
    pub fn with_tls(mut self, tls: TlsAcceptor) -> HttpServer {
        self.tls = Some(tls);
        self
    }

    pub fn with_timeouts(mut self, timeouts: HttpTimeouts) -> HttpServer {
        self.timeouts = timeouts;
        self
    }

    /// Counts connections against the server-wide and per-client limits shared with the mail listeners;
    /// over the limit a connection is closed before any TLS work.
    pub fn with_limiter(mut self, limiter: ConnectionLimiter) -> HttpServer {
        self.limiter = Some(limiter);
        self
    }

    /// Accepts until `shutdown`, then stops accepting, lets each connection finish its current response
    /// (a few seconds at most) and returns. Dropping the future aborts every connection.
    pub async fn serve(self, listener: TcpListener, shutdown: impl Into<ShutdownSignal>) {
        let mut shutdown = shutdown.into();
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                biased;
                () = shutdown.triggered() => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok((tcp, peer)) => self.start(&mut connections, tcp, peer, &shutdown),
                    Err(error) => {
                        warn!(%error, "HTTP accept failed");
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    }
                },
            }
        }
        drop(listener);
        while connections.join_next().await.is_some() {}
    }

    fn start(&self, connections: &mut JoinSet<()>, tcp: TcpStream, peer: SocketAddr, shutdown: &ShutdownSignal) {
        let slot = match self.limiter.as_ref().map(|limiter| limiter.admit(peer.ip())).transpose() {
            Ok(slot) => slot,
            Err(refusal) => {
                debug!(%peer, ?refusal, "HTTP connection over the limits, closed");
                return;
            }
        };
        let protocol = if self.tls.is_some() { protocols::HTTPS } else { protocols::HTTP };
        metrics::counter!(names::CONNECTIONS_TOTAL, labels::PROTOCOL => protocol).increment(1);
        let connection = Connection {
            // Handlers that need the client's address (login throttling) take axum's `ConnectInfo`.
            router: self.router.clone().layer(axum::Extension(ConnectInfo(peer))),
            timeouts: self.timeouts,
            shutdown: shutdown.clone(),
            deadline: Instant::now() + self.timeouts.connection,
            _slot: slot,
        };
        let span = info_span!("connection", listener = protocol, %peer);
        connections.spawn(connection.run(tcp, self.tls.clone()).instrument(span));
    }
}

/// One accepted client.
struct Connection {
    router: Router,
    timeouts: HttpTimeouts,
    shutdown: ShutdownSignal,
    deadline: Instant,
    /// Held until the connection ends, freeing its place in the limiter.
    _slot: Option<ConnectionSlot>,
}

impl Connection {
    async fn run(self, tcp: TcpStream, tls: Option<TlsAcceptor>) {
        let Some(acceptor) = tls else { return self.serve_http(tcp).await };
        match tokio::time::timeout(self.timeouts.handshake, acceptor.accept(tcp)).await {
            // RFC 8737 §3: an `acme-tls/1` handshake is the whole validation; no HTTP follows.
            Ok(Ok(stream)) if stream.get_ref().1.alpn_protocol() == Some(facteur_net::ACME_TLS_ALPN) => {
                debug!("tls-alpn-01 validation handshake done");
            }
            Ok(Ok(stream)) => self.serve_http(stream).await,
            Ok(Err(error)) => debug!(%error, "TLS handshake failed"),
            Err(_) => debug!("TLS handshake timed out"),
        }
    }

    async fn serve_http<S>(mut self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let mut builder = http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(self.timeouts.header_read).max_buf_size(MAX_REQUEST_HEAD);
        let service = TowerToHyperService::new(self.router);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        tokio::pin!(connection);
        let reason = tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    debug!(%error, "HTTP connection ended with an error");
                }
                return;
            }
            () = self.shutdown.triggered() => "shutdown",
            () = tokio::time::sleep_until(self.deadline) => "connection time limit",
        };
        debug!(reason, "closing HTTP connection");
        connection.as_mut().graceful_shutdown();
        if tokio::time::timeout(CLOSE_GRACE, connection).await.is_err() {
            debug!("HTTP connection did not finish in time; dropped");
        }
    }
}
