//! A real `SmtpServer` in process (see `facteur_testkit::in_process`), and the SMTP steps tests share.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use facteur_net::{Limits, TlsMode};
use facteur_smtp::{Face, Settings, SmtpServer};
use facteur_store::INBOX;
use facteur_testkit::in_process::{ALICE, BOB, Fixture, LineClient, PASSWORD, ReplyShape, TEST_LIMITS};

pub struct TestServer {
    pub fixture: Fixture,
    pub address: SocketAddr,
}

/// The fixture's accounts alice and bob, plus aliases `sales@` → alice, `team@` → alice + bob,
/// `fwd@` → `carol@elsewhere.net`.
pub async fn start(face: Face, mode: TlsMode, adjust: impl FnOnce(&mut Settings)) -> TestServer {
    start_with_limits(face, mode, TEST_LIMITS, adjust).await
}

/// The same with the listener's `limits` (its idle timeout, say).
pub async fn start_with_limits(
    face: Face,
    mode: TlsMode,
    limits: Limits,
    adjust: impl FnOnce(&mut Settings),
) -> TestServer {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    store.add_alias("sales@example.com", &[ALICE.into()]).await.unwrap();
    store.add_alias("team@example.com", &[ALICE.into(), BOB.into()]).await.unwrap();
    store.add_alias("fwd@example.com", &["carol@elsewhere.net".into()]).await.unwrap();
    let mut settings = Settings::new("mx.example.com", face);
    adjust(&mut settings);
    let server = SmtpServer::new(settings, Arc::clone(store), Arc::clone(&fixture.login_throttle));
    let address = fixture.serve(mode, limits, Arc::new(server)).await;
    TestServer { fixture, address }
}

impl TestServer {
    /// Every message in `address`'s INBOX, raw, in UID order.
    pub async fn inbox(&self, address: &str) -> Vec<Vec<u8>> {
        self.fixture.messages(address, INBOX).await.into_iter().map(|message| message.bytes).collect()
    }

    /// Connected, greeting read.
    pub async fn connect(&self) -> LineClient {
        greeted(LineClient::connect(self.address, ReplyShape::SmtpMultiline).await).await
    }

    /// Connected to an implicit-TLS listener, greeting read.
    pub async fn connect_tls(&self) -> LineClient {
        let tls = self.fixture.certificate.client_config();
        greeted(LineClient::connect_tls(self.address, ReplyShape::SmtpMultiline, tls).await).await
    }

    /// STARTTLS and the handshake; the client then talks TLS.
    pub async fn starttls(&self, mut client: LineClient) -> LineClient {
        client.expect("STARTTLS", "220 2.0.0").await;
        client.starttls(self.fixture.certificate.client_config()).await
    }

    /// Connected, then EHLO, STARTTLS, EHLO, AUTH PLAIN as `user`.
    pub async fn logged_in(&self, user: &str) -> LineClient {
        let mut client = self.connect().await;
        client.expect("EHLO client.example", "250").await;
        let mut client = self.starttls(client).await;
        client.expect("EHLO client.example", "250").await;
        client.expect(&format!("AUTH PLAIN {}", plain_response(user, PASSWORD)), "235 2.7.0").await;
        client
    }
}

async fn greeted(mut client: LineClient) -> LineClient {
    client.expect_reply("220 ").await;
    client
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
