//! A real `SmtpServer` on a loopback listener over a real `SqliteStore`, and a raw SMTP client.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use facteur_auth::{LoginThrottle, ThrottlePolicy, hash_password};
use facteur_net::{ConnectionLimiter, Limits, Listener, ShutdownTrigger, TlsMode, shutdown_channel};
use facteur_smtp::{Face, Settings, SmtpServer};
use facteur_store::{INBOX, SqliteStore, Store};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestServer {
    pub address: SocketAddr,
    pub store: Arc<SqliteStore>,
    pub dir: tempfile::TempDir,
    pub trigger: ShutdownTrigger,
}

/// Domain `example.com` with accounts alice and bob (password [`PASSWORD`]), alias `sales@` → alice,
/// `team@` → alice + bob, `fwd@` → `carol@elsewhere.net`.
pub async fn start(face: Face, mode: TlsMode, adjust: impl FnOnce(&mut Settings)) -> TestServer {
    facteur_net::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("store")).await.unwrap());
    store.add_domain("example.com").await.unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    store.create_account("alice@example.com", &hash).await.unwrap();
    store.create_account("bob@example.com", &hash).await.unwrap();
    store.add_alias("sales@example.com", &["alice@example.com".into()]).await.unwrap();
    store.add_alias("team@example.com", &["alice@example.com".into(), "bob@example.com".into()]).await.unwrap();
    store.add_alias("fwd@example.com", &["carol@elsewhere.net".into()]).await.unwrap();

    let cert = dir.path().join("tls/cert.pem");
    let key = dir.path().join("tls/key.pem");
    facteur_net::generate_self_signed("localhost", &cert, &key).unwrap();
    let tls = facteur_net::server_config(&cert, &key).unwrap();
    let limits = Limits { idle_timeout: Duration::from_secs(30), ..Limits::default() };
    let limiter = ConnectionLimiter::new(&limits);
    let listener = Listener::bind("smtp-test", "127.0.0.1:0".parse().unwrap(), mode, tls, limiter).await.unwrap();
    let address = listener.local_addr();

    let mut settings = Settings::new("mx.example.com", face);
    adjust(&mut settings);
    let throttle = Arc::new(LoginThrottle::new(ThrottlePolicy::default()));
    let server = Arc::new(SmtpServer::new(settings, store.clone() as Arc<dyn Store>, throttle));
    let (trigger, signal) = shutdown_channel();
    tokio::spawn(listener.serve(server, signal));
    TestServer { address, store, dir, trigger }
}

impl TestServer {
    /// Every message in `address`'s INBOX, raw, in UID order.
    pub async fn inbox(&self, address: &str) -> Vec<Vec<u8>> {
        let account = self.store.account_by_address(address).await.unwrap().unwrap();
        let inbox = self.store.mailbox_by_name(account.id, INBOX).await.unwrap().unwrap();
        let mut messages = Vec::new();
        for meta in self.store.messages(inbox.id).await.unwrap() {
            messages.push(self.store.read_blob(meta.blob).await.unwrap());
        }
        messages
    }

    pub async fn connect(&self) -> Client {
        let mut client = Client::new(Box::new(TcpStream::connect(self.address).await.unwrap()));
        assert!(client.reply().await.starts_with("220 "));
        client
    }

    /// Connected to an implicit-TLS listener.
    pub async fn connect_tls(&self) -> Client {
        let tcp = TcpStream::connect(self.address).await.unwrap();
        let tls = self.connector().connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
        let mut client = Client::new(Box::new(tls));
        assert!(client.reply().await.starts_with("220 "));
        client
    }

    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(self.dir.path().join("tls/cert.pem")).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }
}

pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A raw SMTP client: send bytes, read whole replies.
pub struct Client {
    pub stream: BufReader<Box<dyn Stream>>,
}

impl Client {
    pub fn new(stream: Box<dyn Stream>) -> Client {
        Client { stream: BufReader::new(stream) }
    }

    pub async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream.get_mut().write_all(bytes.as_ref()).await.unwrap();
        self.stream.get_mut().flush().await.unwrap();
    }

    /// One whole reply (all its lines), or "" at end of stream.
    pub async fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            let read = tokio::time::timeout(Duration::from_secs(20), self.stream.read_line(&mut line))
                .await
                .expect("server answered in time")
                .unwrap();
            reply.push_str(&line);
            if read == 0 || line.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
        }
    }

    /// Sends `command` and returns the reply.
    pub async fn command(&mut self, command: &str) -> String {
        self.send(format!("{command}\r\n")).await;
        self.reply().await
    }

    /// Sends `command` and asserts the reply starts with `expected` (e.g. "250 2.1.5").
    pub async fn expect(&mut self, command: &str, expected: &str) -> String {
        let reply = self.command(command).await;
        assert!(reply.starts_with(expected), "{command:?}: expected {expected:?}, got {reply:?}");
        reply
    }

    /// Whether the server closed the connection (reads to the end).
    pub async fn is_closed(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(
            tokio::time::timeout(Duration::from_secs(10), self.stream.read_to_end(&mut rest)).await,
            Ok(Ok(_)) | Ok(Err(_))
        )
    }

    /// STARTTLS and the handshake; the client then talks TLS.
    pub async fn starttls(self, connector: &tokio_rustls::TlsConnector) -> Client {
        let mut client = self;
        client.expect("STARTTLS", "220 2.0.0").await;
        let plain = client.stream.into_inner();
        let tls = connector.connect(ServerName::try_from("localhost").unwrap(), plain).await.unwrap();
        Client::new(Box::new(tls))
    }

    /// EHLO, STARTTLS, EHLO, AUTH PLAIN as `user`.
    pub async fn login(self, connector: &tokio_rustls::TlsConnector, user: &str) -> Client {
        let mut client = self;
        client.expect("EHLO client.example", "250").await;
        let mut client = client.starttls(connector).await;
        client.expect("EHLO client.example", "250").await;
        client.expect(&format!("AUTH PLAIN {}", plain_response(user, PASSWORD)), "235 2.7.0").await;
        client
    }
}

pub fn plain_response(user: &str, password: &str) -> String {
    base64(format!("\0{user}\0{password}").as_bytes())
}

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The part of a delivered message after our trace headers.
pub fn without_trace_headers(message: &[u8]) -> &[u8] {
    let mut rest = message;
    loop {
        let text = String::from_utf8_lossy(rest);
        if text.starts_with("Return-Path: ") {
            let end = rest.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
            rest = &rest[end..];
        } else if text.starts_with("Received: ") {
            // Received is folded: it ends at the first CRLF not followed by a tab.
            let mut end = 0;
            loop {
                let crlf = rest[end..].windows(2).position(|w| w == b"\r\n").unwrap() + end + 2;
                end = crlf;
                if rest.get(end) != Some(&b'\t') {
                    break;
                }
            }
            rest = &rest[end..];
        } else {
            return rest;
        }
    }
}
