//! A real `Pop3Server` on a loopback listener over a real `SqliteStore`, and a raw POP3 client.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use facteur_auth::{LoginThrottle, ThrottlePolicy, hash_password};
use facteur_net::{ConnectionLimiter, Limits, Listener, ShutdownTrigger, TlsMode, shutdown_channel};
use facteur_pop3::{Pop3Server, Settings};
use facteur_store::{DeliveryTarget, INBOX, MessageMeta, SqliteStore, Store, Uid};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestServer {
    pub address: SocketAddr,
    pub store: Arc<SqliteStore>,
    pub dir: tempfile::TempDir,
    pub trigger: ShutdownTrigger,
}

/// Accounts alice and bob (password [`PASSWORD`]) on a plain listener with STLS; `adjust` changes the
/// settings (plain-text passwords are allowed unless it says otherwise).
pub async fn start(mode: TlsMode, adjust: impl FnOnce(&mut Settings)) -> TestServer {
    facteur_net::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("store")).await.unwrap());
    store.add_domain("example.com").await.unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    store.create_account(ALICE, &hash).await.unwrap();
    store.create_account(BOB, &hash).await.unwrap();

    let cert = dir.path().join("tls/cert.pem");
    let key = dir.path().join("tls/key.pem");
    facteur_net::generate_self_signed("localhost", &cert, &key).unwrap();
    let tls = facteur_net::server_config(&cert, &key).unwrap();
    let limits = Limits { idle_timeout: Duration::from_secs(30), ..Limits::default() };
    let listener =
        Listener::bind("pop3-test", "127.0.0.1:0".parse().unwrap(), mode, tls, ConnectionLimiter::new(&limits))
            .await
            .unwrap();
    let address = listener.local_addr();

    let mut settings = Settings::new("pop.example.com");
    settings.allow_plaintext_auth = true;
    adjust(&mut settings);
    let throttle = Arc::new(LoginThrottle::new(ThrottlePolicy::default()));
    let server = Arc::new(Pop3Server::new(settings, store.clone() as Arc<dyn Store>, throttle));
    let (trigger, signal) = shutdown_channel();
    tokio::spawn(listener.serve(server, signal));
    TestServer { address, store, dir, trigger }
}

/// A small message whose body says `text`.
pub fn message(subject: &str, text: &str) -> Vec<u8> {
    format!("From: someone@remote.test\r\nTo: alice@example.com\r\nSubject: {subject}\r\n\r\n{text}\r\n").into_bytes()
}

impl TestServer {
    /// Delivers `content` to `address`'s INBOX, as SMTP would.
    pub async fn deliver(&self, address: &str, content: &[u8]) -> Uid {
        let account = self.store.account_by_address(address).await.unwrap().unwrap();
        let summary = facteur_message::ingest(content).to_bytes();
        let delivered = self
            .store
            .deliver_content(Arc::from(content), summary, 1_700_000_000, vec![DeliveryTarget::inbox(account.id)])
            .await
            .unwrap();
        delivered[0].uid
    }

    /// Another listener with its own `Pop3Server` over the same store, as the binary runs 110 and 995.
    pub async fn another_listener(&self) -> SocketAddr {
        let tls =
            facteur_net::server_config(&self.dir.path().join("tls/cert.pem"), &self.dir.path().join("tls/key.pem"))
                .unwrap();
        let limiter = ConnectionLimiter::new(&Limits::default());
        let listener =
            Listener::bind("pop3-other", "127.0.0.1:0".parse().unwrap(), TlsMode::Plain, tls, limiter).await.unwrap();
        let address = listener.local_addr();
        let mut settings = Settings::new("pop.example.com");
        settings.allow_plaintext_auth = true;
        let throttle = Arc::new(LoginThrottle::new(ThrottlePolicy::default()));
        let server = Arc::new(Pop3Server::new(settings, self.store.clone() as Arc<dyn Store>, throttle));
        tokio::spawn(listener.serve(server, self.trigger.signal()));
        address
    }

    pub async fn mailbox(&self, address: &str, name: &str) -> Vec<MessageMeta> {
        let account = self.store.account_by_address(address).await.unwrap().unwrap();
        let mailbox = self.store.mailbox_by_name(account.id, name).await.unwrap().unwrap();
        self.store.messages(mailbox.id).await.unwrap()
    }

    pub async fn inbox(&self, address: &str) -> Vec<MessageMeta> {
        self.mailbox(address, INBOX).await
    }

    pub async fn connect(&self) -> Client {
        let mut client = Client::new(Box::new(TcpStream::connect(self.address).await.unwrap()));
        let greeting = client.line().await;
        assert!(greeting.starts_with("+OK "), "{greeting:?}");
        client
    }

    /// Connected and logged in as `address` with USER/PASS.
    pub async fn login(&self, address: &str) -> Client {
        let mut client = self.connect().await;
        client.expect(&format!("USER {address}"), "+OK").await;
        client.expect(&format!("PASS {PASSWORD}"), "+OK").await;
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

/// A raw POP3 client: send lines, read status lines and multi-line bodies.
pub struct Client {
    pub stream: BufReader<Box<dyn Stream>>,
}

impl Client {
    pub fn new(stream: Box<dyn Stream>) -> Client {
        Client { stream: BufReader::new(stream) }
    }

    /// Upgrades with STLS (the `+OK` has been read).
    pub async fn upgrade(self, server: &TestServer) -> Client {
        let tcp = self.stream.into_inner();
        let tls = server.connector().connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
        Client::new(Box::new(tls))
    }

    pub async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        self.stream.get_mut().write_all(bytes.as_ref()).await.unwrap();
        self.stream.get_mut().flush().await.unwrap();
    }

    /// One line, CRLF included, or "" at end of stream.
    pub async fn raw_line(&mut self) -> Vec<u8> {
        let mut line = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), self.stream.read_until(b'\n', &mut line))
            .await
            .expect("server answered in time")
            .unwrap();
        line
    }

    pub async fn line(&mut self) -> String {
        String::from_utf8(self.raw_line().await).unwrap()
    }

    /// Sends `command` and returns the status line.
    pub async fn command(&mut self, command: &str) -> String {
        self.send(format!("{command}\r\n")).await;
        self.line().await
    }

    /// Sends `command` and asserts the status line starts with `expected`.
    pub async fn expect(&mut self, command: &str, expected: &str) -> String {
        let status = self.command(command).await;
        assert!(status.starts_with(expected), "{command:?}: expected {expected:?}, got {status:?}");
        status
    }

    /// The body of a multi-line response, as the wire carries it, terminator excluded.
    pub async fn multiline(&mut self) -> Vec<u8> {
        let mut body = Vec::new();
        loop {
            let line = self.raw_line().await;
            assert!(!line.is_empty(), "connection closed inside a multi-line response");
            if line == b".\r\n" {
                return body;
            }
            body.extend_from_slice(&line);
        }
    }

    /// Sends `command`, expects `+OK`, and returns the unstuffed body lines as strings (without CRLF).
    pub async fn listing(&mut self, command: &str) -> Vec<String> {
        self.expect(command, "+OK").await;
        let body = String::from_utf8(self.multiline().await).unwrap();
        body.lines().map(|line| line.strip_prefix('.').unwrap_or(line).to_owned()).collect()
    }

    /// RETR or TOP: the message bytes after unstuffing.
    pub async fn fetch(&mut self, command: &str) -> Vec<u8> {
        self.expect(command, "+OK").await;
        let mut message = Vec::new();
        for line in self.multiline().await.split_inclusive(|&b| b == b'\n') {
            message.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        }
        message
    }

    /// Whether the server closed the connection (reads to the end).
    pub async fn is_closed(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(tokio::time::timeout(Duration::from_secs(10), self.stream.read_to_end(&mut rest)).await, Ok(Ok(_)))
    }
}
