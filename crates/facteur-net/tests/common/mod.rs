//! A small line protocol to drive the real listener and connection code:
//! the server greets, echoes lines, and obeys a few test commands.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use facteur_net::{
    Connection, ConnectionError, ConnectionHandler, ConnectionLimiter, Interrupted, Limits, Line, Listener, Refusal,
    ShutdownSignal, ShutdownTrigger, TlsMode, shutdown_channel,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

pub const MAX_LINE: usize = 64;

/// A certificate for `localhost` in a temporary directory.
pub struct TestCertificate {
    pub dir: tempfile::TempDir,
    pub cert: PathBuf,
    pub key: PathBuf,
}

pub fn localhost_certificate() -> TestCertificate {
    facteur_net::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("tls/cert.pem");
    let key = dir.path().join("tls/key.pem");
    facteur_net::generate_self_signed("localhost", &cert, &key).unwrap();
    TestCertificate { dir, cert, key }
}

/// A client configuration trusting exactly `certificate`.
pub fn client_trusting(
    certificate: &TestCertificate,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&certificate.cert).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

pub async fn tls_connect(
    connector: &tokio_rustls::TlsConnector,
    address: SocketAddr,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(address).await?;
    connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await
}

/// The test protocol:
/// - greets with `HELLO <tls version>`;
/// - `STARTTLS` → `220 go`, upgrade, then `DISCARDED <n>` over TLS;
/// - `LITERAL <n>` → reads exactly n bytes → `GOT <bytes>`;
/// - `HANG` → `HANGING`, then ignores everything, shutdown included, for an hour;
/// - `QUIT` → `BYE`; anything else → `ECHO <line>` (terminator included);
/// - over-long line → `ERR too long`; idle → `TIMEOUT`; shutdown → `SHUTDOWN`.
pub struct EchoHandler;

#[async_trait]
impl ConnectionHandler for EchoHandler {
    async fn handle(&self, mut connection: Connection, mut shutdown: ShutdownSignal) {
        let greeting = format!("HELLO {:?}\r\n", connection.tls_protocol_version());
        if send(&mut connection, greeting.as_bytes()).await.is_err() {
            return;
        }
        loop {
            let limit = connection.idle_timeout();
            let reply = match connection.next_line(MAX_LINE, limit, &mut shutdown).await {
                Ok(Line::Complete(line)) => match self.command(&mut connection, &line).await {
                    Some(reply) => reply,
                    None => return,
                },
                Ok(Line::TooLong) => b"ERR too long\r\n".to_vec(),
                Err(Interrupted::TimedOut) => {
                    let _ = send(&mut connection, b"TIMEOUT\r\n").await;
                    return;
                }
                Err(Interrupted::Shutdown) => {
                    let _ = send(&mut connection, b"SHUTDOWN\r\n").await;
                    return;
                }
                Err(Interrupted::Closed) => return,
            };
            if send(&mut connection, &reply).await.is_err() {
                return;
            }
        }
    }

    async fn refuse(&self, connection: &mut Connection, refusal: Refusal) {
        let _ = connection.write_all(format!("BUSY {refusal:?}\r\n").as_bytes()).await;
    }
}

impl EchoHandler {
    /// The reply to one line; `None` ends the session.
    async fn command(&self, connection: &mut Connection, line: &[u8]) -> Option<Vec<u8>> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end();
        if text == "QUIT" {
            let _ = send(connection, b"BYE\r\n").await;
            return None;
        }
        if text == "HANG" {
            send(connection, b"HANGING\r\n").await.ok()?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return None;
        }
        if text == "STARTTLS" {
            if !connection.starttls_available() {
                return Some(b"ERR no TLS\r\n".to_vec());
            }
            connection.write_all(b"220 go\r\n").await.ok()?;
            let discarded = connection.starttls().await.ok()?;
            return Some(format!("DISCARDED {discarded}\r\n").into_bytes());
        }
        if let Some(count) = text.strip_prefix("LITERAL ") {
            let mut literal = vec![0u8; count.parse().ok()?];
            connection.read_exact_within(&mut literal, Duration::from_secs(5)).await.ok()?;
            let mut reply = b"GOT ".to_vec();
            reply.extend_from_slice(&literal);
            reply.extend_from_slice(b"\r\n");
            return Some(reply);
        }
        let mut reply = b"ECHO ".to_vec();
        reply.extend_from_slice(line);
        Some(reply)
    }
}

async fn send(connection: &mut Connection, bytes: &[u8]) -> Result<(), ConnectionError> {
    connection.write_all(bytes).await?;
    connection.flush().await
}

pub fn test_limits() -> Limits {
    Limits {
        max_connections: 100,
        max_connections_per_ip: 10,
        idle_timeout: Duration::from_secs(10),
        handshake_timeout: Duration::from_secs(5),
    }
}

/// A running listener on a loopback port chosen by the system.
pub struct RunningServer {
    pub address: SocketAddr,
    pub limiter: ConnectionLimiter,
    pub trigger: ShutdownTrigger,
    pub task: JoinHandle<()>,
    pub certificate: TestCertificate,
}

pub async fn start_server(mode: TlsMode, limits: Limits) -> RunningServer {
    let certificate = localhost_certificate();
    let tls = facteur_net::server_config(&certificate.cert, &certificate.key).unwrap();
    let limiter = ConnectionLimiter::new(&limits);
    let listener = Listener::bind("test", "127.0.0.1:0".parse().unwrap(), mode, tls, limiter.clone()).await.unwrap();
    let address = listener.local_addr();
    let (trigger, signal) = shutdown_channel();
    let task = tokio::spawn(listener.serve(Arc::new(EchoHandler), signal));
    RunningServer { address, limiter, trigger, task, certificate }
}

/// A line-oriented test client over any stream.
pub struct Client<S> {
    pub stream: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    pub fn new(stream: S) -> Self {
        Client { stream: BufReader::new(stream) }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.get_mut().write_all(bytes).await.unwrap();
        self.stream.get_mut().flush().await.unwrap();
    }

    /// The next line, terminator included; empty at end of stream.
    pub async fn line(&mut self) -> String {
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(10), self.stream.read_line(&mut line))
            .await
            .expect("server answered in time")
            .unwrap();
        line
    }
}

pub async fn plain_client(address: SocketAddr) -> Client<TcpStream> {
    Client::new(TcpStream::connect(address).await.unwrap())
}

/// Polls `condition` for up to two seconds (session tasks end asynchronously).
pub async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("condition never became true");
}
