//! A real `ImapServer` on a loopback listener over a real `SqliteStore`, and a raw IMAP client.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use facteur_auth::{LoginThrottle, ThrottlePolicy, hash_password};
use facteur_imap::{ImapServer, Settings};
use facteur_net::{ConnectionLimiter, Limits, Listener, ShutdownTrigger, TlsMode, shutdown_channel};
use facteur_store::{DeliveryTarget, INBOX, SqliteStore, Store, Uid};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub const PASSWORD: &str = "correct horse battery staple";
pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";

pub struct TestServer {
    pub address: SocketAddr,
    pub store: Arc<SqliteStore>,
    pub dir: tempfile::TempDir,
    pub trigger: ShutdownTrigger,
}

/// Accounts alice and bob (password [`PASSWORD`]) on a plain listener.
pub async fn start(adjust: impl FnOnce(&mut Settings)) -> TestServer {
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
    let limiter = ConnectionLimiter::new(&limits);
    let listener =
        Listener::bind("imap-test", "127.0.0.1:0".parse().unwrap(), TlsMode::Plain, tls, limiter).await.unwrap();
    let address = listener.local_addr();
    let mut settings = Settings::new("imap.example.com");
    settings.allow_plaintext_auth = true;
    adjust(&mut settings);
    let throttle = Arc::new(LoginThrottle::new(ThrottlePolicy::default()));
    let server = Arc::new(ImapServer::new(settings, store.clone() as Arc<dyn Store>, throttle));
    let (trigger, signal) = shutdown_channel();
    tokio::spawn(listener.serve(server, signal));
    TestServer { address, store, dir, trigger }
}

impl TestServer {
    pub async fn connect(&self) -> Client {
        let stream = TcpStream::connect(self.address).await.unwrap();
        let mut client = Client { stream: BufReader::new(stream), next_tag: 0, transcript: Vec::new() };
        let greeting = client.line().await;
        assert!(greeting.starts_with("* OK [CAPABILITY "), "{greeting}");
        client
    }

    /// Connected and logged in as `user`.
    pub async fn login(&self, user: &str) -> Client {
        let mut client = self.connect().await;
        let reply = client.command(&format!("LOGIN {user} \"{PASSWORD}\"")).await;
        assert!(reply.last().unwrap().contains("OK"), "{reply:?}");
        client
    }

    /// Delivers `content` into `user`'s mailbox `mailbox` as SMTP would.
    pub async fn deliver(&self, user: &str, mailbox: &str, content: &[u8]) -> Uid {
        let account = self.store.account_by_address(user).await.unwrap().unwrap();
        let mailbox = self.store.mailbox_by_name(account.id, mailbox).await.unwrap().unwrap();
        let summary = facteur_message::ingest(content).to_bytes();
        let target = DeliveryTarget { mailbox: Some(mailbox.id), ..DeliveryTarget::inbox(account.id) };
        let delivered = self
            .store
            .deliver_content(Arc::from(content.to_vec()), summary, 1_700_000_000, vec![target])
            .await
            .unwrap();
        delivered[0].uid
    }

    pub async fn inbox_len(&self, user: &str) -> usize {
        self.mailbox_len(user, INBOX).await
    }

    pub async fn mailbox_len(&self, user: &str, mailbox: &str) -> usize {
        let account = self.store.account_by_address(user).await.unwrap().unwrap();
        let mailbox = self.store.mailbox_by_name(account.id, mailbox).await.unwrap().unwrap();
        self.store.messages(mailbox.id).await.unwrap().len()
    }
}

pub struct Client {
    pub stream: BufReader<TcpStream>,
    next_tag: u32,
    /// Every byte the server sent, for checking with an independent parser.
    pub transcript: Vec<u8>,
}

impl Client {
    /// One response line without CRLF; literals are read and inlined.
    pub async fn line(&mut self) -> String {
        let mut line = String::new();
        loop {
            let mut piece = Vec::new();
            let read = tokio::time::timeout(Duration::from_secs(10), self.stream.read_until(b'\n', &mut piece))
                .await
                .expect("server answered in time")
                .unwrap();
            assert!(read > 0, "connection closed; got so far: {line}");
            self.transcript.extend_from_slice(&piece);
            let piece = String::from_utf8_lossy(&piece).trim_end_matches(['\r', '\n']).to_owned();
            let literal = piece.strip_suffix('}').and_then(|p| p.rsplit_once('{')).and_then(|(_, n)| n.parse().ok());
            line.push_str(&piece);
            match literal {
                Some(len) => {
                    let mut data = vec![0; len];
                    self.stream.read_exact(&mut data).await.unwrap();
                    self.transcript.extend_from_slice(&data);
                    line.push_str(&String::from_utf8_lossy(&data));
                }
                None => return line,
            }
        }
    }

    pub async fn send(&mut self, raw: &str) {
        self.stream.get_mut().write_all(raw.as_bytes()).await.unwrap();
    }

    /// Sends a tagged command and returns every line up to and including the tagged answer.
    pub async fn command(&mut self, command: &str) -> Vec<String> {
        self.next_tag += 1;
        let tag = format!("T{}", self.next_tag);
        self.send(&format!("{tag} {command}\r\n")).await;
        self.until_tagged(&tag).await
    }

    pub async fn until_tagged(&mut self, tag: &str) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await;
            let done = line.starts_with(&format!("{tag} "));
            lines.push(line);
            if done {
                return lines;
            }
        }
    }

    /// The command must succeed; returns its lines.
    pub async fn ok(&mut self, command: &str) -> Vec<String> {
        let lines = self.command(command).await;
        let last = lines.last().unwrap();
        assert!(last.split(' ').nth(1) == Some("OK"), "{command} failed: {lines:#?}");
        lines
    }
}

/// Whether some line contains `needle`.
pub fn has(lines: &[String], needle: &str) -> bool {
    lines.iter().any(|line| line.contains(needle))
}

pub const SIMPLE: &[u8] = b"From: Bob <bob@example.com>\r\nTo: alice@example.com\r\nSubject: Lunch\r\n\
Date: Tue, 14 Nov 2023 10:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nShall we meet at noon?\r\n";

pub const MIXED: &[u8] = b"From: Carol <carol@example.net>\r\nTo: alice@example.com\r\nSubject: Report\r\n\
Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
See attached.\r\n--XX\r\nContent-Type: application/pdf; name=r.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n\
JVBERi0xLjQK\r\n--XX--\r\n";
