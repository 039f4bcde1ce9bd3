//! A real `ImapServer` in process (see `facteur_testkit::in_process`), and an IMAP client: tagged commands,
//! literals read inline.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use facteur_imap::{ImapServer, Settings};
use facteur_net::TlsMode;
use facteur_store::{INBOX, Uid};
use facteur_testkit::in_process::{Fixture, LineClient, PASSWORD, ReplyShape, TEST_LIMITS};

pub struct TestServer {
    pub fixture: Fixture,
    pub address: SocketAddr,
}

/// The fixture's accounts alice and bob on a plain listener; plain-text passwords are allowed unless `adjust`
/// says otherwise.
pub async fn start(adjust: impl FnOnce(&mut Settings)) -> TestServer {
    let fixture = Fixture::new().await;
    let mut settings = Settings::new("imap.example.com");
    settings.allow_plaintext_auth = true;
    adjust(&mut settings);
    let server = ImapServer::new(settings, Arc::clone(&fixture.store), Arc::clone(&fixture.login_throttle));
    let address = fixture.serve(TlsMode::Plain, TEST_LIMITS, Arc::new(server)).await;
    TestServer { fixture, address }
}

impl TestServer {
    pub async fn connect(&self) -> Client {
        let mut client = Client { lines: LineClient::connect(self.address, ReplyShape::Line).await, next_tag: 0 };
        let greeting = client.line().await;
        assert!(greeting.starts_with("* OK [CAPABILITY "), "{greeting}");
        client
    }

    /// Connected and logged in as `user`.
    pub async fn login(&self, user: &str) -> Client {
        let mut client = self.connect().await;
        client.ok(&format!("LOGIN {user} \"{PASSWORD}\"")).await;
        client
    }

    /// Delivers `content` into `user`'s mailbox `mailbox` as SMTP would.
    pub async fn deliver(&self, user: &str, mailbox: &str, content: &[u8]) -> Uid {
        self.fixture.deliver(user, mailbox, content).await
    }

    pub async fn inbox_len(&self, user: &str) -> usize {
        self.mailbox_len(user, INBOX).await
    }

    pub async fn mailbox_len(&self, user: &str, mailbox: &str) -> usize {
        self.fixture.messages(user, mailbox).await.len()
    }
}

/// IMAP over a [`LineClient`]: tagged commands, and response lines with their literals read inline.
pub struct Client {
    lines: LineClient,
    next_tag: u32,
}

impl Client {
    /// One response line without CRLF; literals are read and inlined.
    pub async fn line(&mut self) -> String {
        let mut line = String::new();
        loop {
            let piece = self.lines.raw_line().await;
            assert!(!piece.is_empty(), "connection closed; got so far: {line}");
            let piece = String::from_utf8_lossy(&piece).trim_end_matches(['\r', '\n']).to_owned();
            let literal = piece.strip_suffix('}').and_then(|p| p.rsplit_once('{')).and_then(|(_, n)| n.parse().ok());
            line.push_str(&piece);
            match literal {
                Some(len) => line.push_str(&String::from_utf8_lossy(&self.lines.read_exact(len).await)),
                None => return line,
            }
        }
    }

    pub async fn send(&mut self, raw: &str) {
        self.lines.send(raw).await;
    }

    /// Every byte the server sent, for checking with an independent parser.
    pub fn transcript(&self) -> &[u8] {
        self.lines.transcript()
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
