//! A listening socket: accept, admit or refuse, handshake, and hand each
//! connection to the protocol's handler in its own task and tracing span.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::connection::{Connection, Timeouts};
use crate::limits::{ConnectionLimiter, ConnectionSlot, Refusal};
use crate::shutdown::ShutdownSignal;

/// Whether TLS starts with the first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text; the session may upgrade with [`Connection::starttls`]
    /// (STARTTLS, STLS).
    Plain,
    /// TLS from the first byte (RFC 8314 §3.3: ports 465, 993, 995).
    Implicit,
}

/// A protocol server (SMTP, IMAP, POP3) as the listener sees it.
#[async_trait]
pub trait ConnectionHandler: Send + Sync {
    /// Runs one session to its end. When `shutdown` fires the session should
    /// finish its current command, say goodbye and return.
    async fn handle(&self, connection: Connection, shutdown: ShutdownSignal);

    /// Writes a protocol-specific refusal (SMTP `421`, IMAP `* BYE`) to a
    /// connection over the limits; it is closed afterwards. Called only on
    /// plain listeners (see [`Listener::serve`]). Default: say nothing.
    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let _ = (connection, refusal);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    #[error("listener {name}: cannot bind {bind}: {source}")]
    Bind { name: String, bind: SocketAddr, source: std::io::Error },
}

/// A bound listening socket, ready to [`serve`](Listener::serve).
pub struct Listener {
    name: String,
    mode: TlsMode,
    socket: TcpListener,
    local_addr: SocketAddr,
    tls: TlsAcceptor,
    limiter: ConnectionLimiter,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

/// After an accept error (out of file descriptors, typically), wait this long
/// before trying again rather than spinning on the error.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

impl Listener {
    /// Binds `bind` for the listener called `name` (used in logs and spans).
    ///
    /// `tls` serves the handshake on an implicit-TLS listener and STARTTLS on
    /// a plain one. `limiter` is shared by all listeners of the server.
    pub async fn bind(
        name: &str,
        bind: SocketAddr,
        mode: TlsMode,
        tls: Arc<rustls::ServerConfig>,
        limiter: ConnectionLimiter,
    ) -> Result<Listener, ListenerError> {
        let bind_error = |source| ListenerError::Bind { name: name.to_owned(), bind, source };
        let socket = TcpListener::bind(bind).await.map_err(bind_error)?;
        let local_addr = socket.local_addr().map_err(bind_error)?;
        Ok(Listener { name: name.to_owned(), mode, socket, local_addr, tls: TlsAcceptor::from(tls), limiter })
    }

    /// The address actually bound: with port 0, the port the system picked.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Accepts connections until `shutdown` fires, then closes the socket
    /// and waits for the running sessions to end.
    ///
    /// The grace period is the caller's: drop or abort this future when it
    /// is over, and every session still running is aborted with it.
    ///
    /// Over-limit connections on a plain listener get the handler's refusal
    /// line; on an implicit-TLS listener they are closed without a word,
    /// because a handshake is exactly the CPU an over-limit peer must not get.
    pub async fn serve(self, handler: Arc<dyn ConnectionHandler>, shutdown: impl Into<ShutdownSignal>) {
        let mut shutdown = shutdown.into();
        let Listener { name, mode, socket, local_addr, tls, limiter } = self;
        debug!(listener = %name, address = %local_addr, "accepting connections");
        let mut sessions =
            Sessions { name, mode, tls, handler, limiter, shutdown: shutdown.clone(), tasks: JoinSet::new() };
        loop {
            tokio::select! {
                biased;
                () = shutdown.triggered() => break,
                Some(finished) = sessions.tasks.join_next(), if !sessions.tasks.is_empty() => report_panic(finished),
                accepted = socket.accept() => match accepted {
                    Ok((tcp, peer)) => sessions.start(tcp, peer),
                    Err(error) => {
                        warn!(listener = %sessions.name, %error, "accept failed");
                        tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    }
                },
            }
        }
        drop(socket);
        sessions.wait_for_all().await;
    }
}

/// The running sessions of one listener, and what starting another needs.
/// Dropping it aborts them all (that is how the grace period ends).
struct Sessions {
    name: String,
    mode: TlsMode,
    tls: TlsAcceptor,
    handler: Arc<dyn ConnectionHandler>,
    limiter: ConnectionLimiter,
    shutdown: ShutdownSignal,
    tasks: JoinSet<()>,
}

impl Sessions {
    /// Admits or refuses `tcp` and spawns its task, in a span every log line
    /// of the session will carry.
    fn start(&mut self, tcp: TcpStream, peer: SocketAddr) {
        let span = info_span!("connection", listener = %self.name, %peer);
        let session = Session {
            tcp,
            mode: self.mode,
            handler: Arc::clone(&self.handler),
            timeouts: self.limiter.limits().timeouts(),
        };
        match self.limiter.admit(peer.ip()) {
            Ok(slot) => {
                let task = session.run(slot, self.tls.clone(), self.shutdown.clone());
                self.tasks.spawn(task.instrument(span));
            }
            Err(refusal) => {
                self.tasks.spawn(session.refuse(refusal).instrument(span));
            }
        }
    }

    async fn wait_for_all(mut self) {
        info!(listener = %self.name, sessions = self.tasks.len(), "stopped accepting; letting sessions finish");
        while let Some(finished) = self.tasks.join_next().await {
            report_panic(finished);
        }
    }
}

fn report_panic(finished: Result<(), tokio::task::JoinError>) {
    if let Err(error) = finished
        && error.is_panic()
    {
        warn!(%error, "session task panicked");
    }
}

/// One accepted socket on its way to a handler.
struct Session {
    tcp: TcpStream,
    mode: TlsMode,
    handler: Arc<dyn ConnectionHandler>,
    timeouts: Timeouts,
}

impl Session {
    async fn run(self, slot: ConnectionSlot, tls: TlsAcceptor, shutdown: ShutdownSignal) {
        let connection = match self.mode {
            TlsMode::Plain => Connection::plain(self.tcp, self.timeouts).map(|plain| plain.with_starttls(tls)),
            TlsMode::Implicit => Connection::accept_tls(self.tcp, &tls, self.timeouts).await,
        };
        match connection {
            Ok(connection) => {
                debug!(tls = connection.is_tls(), "session started");
                self.handler.handle(connection, shutdown).await;
                debug!("session ended");
            }
            Err(error) => debug!(%error, "connection setup failed"),
        }
        drop(slot);
    }

    async fn refuse(self, refusal: Refusal) {
        info!(?refusal, "connection refused");
        if self.mode == TlsMode::Implicit {
            return;
        }
        let Ok(mut connection) = Connection::plain(self.tcp, self.timeouts) else {
            return;
        };
        // The refusal must not hold a task for longer than a handshake would.
        let _ = tokio::time::timeout(self.timeouts.handshake, async {
            self.handler.refuse(&mut connection, refusal).await;
            connection.close().await
        })
        .await;
    }
}
