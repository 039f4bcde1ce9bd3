//! A real `Pop3Server` in process (see `facteur_testkit::in_process`), and the POP3 multi-line responses.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use facteur_net::TlsMode;
use facteur_pop3::{Pop3Server, Settings};
use facteur_store::{INBOX, Uid};
use facteur_testkit::StoredMessage;
use facteur_testkit::in_process::{Fixture, LineClient, PASSWORD, ReplyShape, TEST_LIMITS};

pub struct TestServer {
    pub fixture: Fixture,
    pub address: SocketAddr,
}

/// The fixture's accounts alice and bob; `adjust` changes the settings (plain-text passwords are allowed unless
/// it says otherwise).
pub async fn start(mode: TlsMode, adjust: impl FnOnce(&mut Settings)) -> TestServer {
    let fixture = Fixture::new().await;
    let address = fixture.serve(mode, TEST_LIMITS, server(&fixture, adjust)).await;
    TestServer { fixture, address }
}

fn server(fixture: &Fixture, adjust: impl FnOnce(&mut Settings)) -> Arc<Pop3Server> {
    let mut settings = Settings::new("pop.example.com");
    settings.allow_plaintext_auth = true;
    adjust(&mut settings);
    Arc::new(Pop3Server::new(settings, Arc::clone(&fixture.store), Arc::clone(&fixture.login_throttle)))
}

/// A small message whose body says `text`.
pub fn message(subject: &str, text: &str) -> Vec<u8> {
    format!("From: someone@remote.test\r\nTo: alice@example.com\r\nSubject: {subject}\r\n\r\n{text}\r\n").into_bytes()
}

impl TestServer {
    /// Delivers `content` to `address`'s INBOX, as SMTP would.
    pub async fn deliver(&self, address: &str, content: &[u8]) -> Uid {
        self.fixture.deliver(address, INBOX, content).await
    }

    /// Another plain listener with its own `Pop3Server` over the same store, as the binary runs 110 and 995.
    pub async fn another_listener(&self) -> SocketAddr {
        self.fixture.serve(TlsMode::Plain, TEST_LIMITS, server(&self.fixture, |_| {})).await
    }

    pub async fn inbox(&self, address: &str) -> Vec<StoredMessage> {
        self.fixture.messages(address, INBOX).await
    }

    /// Connected, greeting read.
    pub async fn connect(&self) -> LineClient {
        greeted(LineClient::connect(self.address, ReplyShape::Line).await).await
    }

    /// Connected to an implicit-TLS listener, greeting read.
    pub async fn connect_tls(&self) -> LineClient {
        let tls = self.fixture.certificate.client_config();
        greeted(LineClient::connect_tls(self.address, ReplyShape::Line, tls).await).await
    }

    /// Connected and logged in as `address` with USER/PASS.
    pub async fn login(&self, address: &str) -> LineClient {
        let mut client = self.connect().await;
        client.expect(&format!("USER {address}"), "+OK").await;
        client.expect(&format!("PASS {PASSWORD}"), "+OK").await;
        client
    }
}

async fn greeted(mut client: LineClient) -> LineClient {
    client.expect_reply("+OK ").await;
    client
}

/// POP3's multi-line responses (RFC 1939 §3), read on a [`LineClient`].
pub trait MultilineResponses {
    /// The body of a multi-line response, as the wire carries it, terminator excluded.
    async fn multiline(&mut self) -> Vec<u8>;
    /// Sends `command`, expects `+OK`, and returns the unstuffed body lines as strings (without CRLF).
    async fn listing(&mut self, command: &str) -> Vec<String>;
    /// RETR or TOP: the message bytes after unstuffing.
    async fn fetch(&mut self, command: &str) -> Vec<u8>;
}

impl MultilineResponses for LineClient {
    async fn multiline(&mut self) -> Vec<u8> {
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

    async fn listing(&mut self, command: &str) -> Vec<String> {
        self.expect(command, "+OK").await;
        let body = String::from_utf8(self.multiline().await).unwrap();
        body.lines().map(|line| line.strip_prefix('.').unwrap_or(line).to_owned()).collect()
    }

    async fn fetch(&mut self, command: &str) -> Vec<u8> {
        self.expect(command, "+OK").await;
        let mut message = Vec::new();
        for line in self.multiline().await.split_inclusive(|&b| b == b'\n') {
            message.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        }
        message
    }
}
