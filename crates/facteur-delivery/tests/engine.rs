//! The delivery engine over real sockets and a real store: one pass of the queue ([`DeliveryEngine::run_once`])
//! against a small SMTP receiver on loopback, reached by a static route. What the receiver saw and what the
//! store holds afterwards are the oracles: delivery, retry, bounce reports, and reuse of pooled sessions.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use facteur_delivery::{DeliveryEngine, OutboundSettings};
use facteur_store::{INBOX, Notify, QueuedEnvelope, QueuedRecipient, RecipientStatus, SqliteStore, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const SENDER: &str = "alice@example.com";
const MESSAGE: &[u8] = b"From: alice@example.com\r\nTo: bob@remote.test\r\nSubject: hello\r\n\r\nHello Bob.\r\n";

/// What the receiver answers to RCPT, and what it saw.
struct Receiver {
    address: SocketAddr,
    rcpt_reply: &'static str,
    connections: AtomicUsize,
    /// Each message: MAIL FROM's address, then the content as received (still dot-stuffed).
    messages: Mutex<Vec<(String, String)>>,
}

impl Receiver {
    async fn start(rcpt_reply: &'static str) -> Arc<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Arc::new(Receiver {
            address: listener.local_addr().unwrap(),
            rcpt_reply,
            connections: AtomicUsize::new(0),
            messages: Mutex::new(Vec::new()),
        });
        let serving = Arc::clone(&receiver);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                serving.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(Arc::clone(&serving).session(stream));
            }
        });
        receiver
    }

    /// Plain SMTP with PIPELINING, no STARTTLS: the engine's TLS is opportunistic, so it sends anyway.
    async fn session(self: Arc<Self>, stream: TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 receiver.test ESMTP\r\n").await.unwrap();
        let mut sender = String::new();
        while let Ok(Some(line)) = lines.next_line().await {
            let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
            let reply = match verb.as_str() {
                "EHLO" => "250-receiver.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n".to_owned(),
                "MAIL" => {
                    sender = line.split(['<', '>']).nth(1).unwrap_or_default().to_owned();
                    "250 2.1.0 ok\r\n".to_owned()
                }
                "RCPT" => format!("{}\r\n", self.rcpt_reply),
                "RSET" => "250 2.0.0 ok\r\n".to_owned(),
                "DATA" => {
                    write.write_all(b"354 go ahead\r\n").await.unwrap();
                    let mut content = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        if line == "." {
                            break;
                        }
                        content.push_str(&line);
                        content.push_str("\r\n");
                    }
                    self.messages.lock().unwrap().push((sender.clone(), content));
                    "250 2.0.0 queued\r\n".to_owned()
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
                    return;
                }
                _ => "502 5.5.1 unknown\r\n".to_owned(),
            };
            write.write_all(reply.as_bytes()).await.unwrap();
        }
    }

    fn messages(&self) -> Vec<(String, String)> {
        self.messages.lock().unwrap().clone()
    }
}

struct Fixture {
    store: Arc<SqliteStore>,
    engine: Arc<DeliveryEngine>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// A store where alice@example.com is local, and an engine routing `remote.test` to `receiver`.
    async fn new(receiver: &Receiver) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(dir.path().join("store")).await.unwrap());
        store.add_domain("example.com").await.unwrap();
        store.create_account(SENDER, "unused-hash").await.unwrap();
        let mut settings = OutboundSettings::new("mail.example.com");
        settings.routes = BTreeMap::from([("remote.test".to_owned(), receiver.address.to_string())]);
        // Static routes need no DNS; the resolver points at a closed port so a lookup could not go out.
        let resolver = facteur_mailauth::dns_resolver(&["127.0.0.1:9".parse().unwrap()], Duration::from_secs(1));
        let engine = DeliveryEngine::new(settings, Arc::clone(&store) as Arc<dyn Store>, resolver.unwrap()).unwrap();
        Fixture { store, engine, _dir: dir }
    }

    async fn enqueue(&self, recipient: &str) {
        let envelope = QueuedEnvelope {
            return_path: SENDER.to_owned(),
            envid: None,
            ret: None,
            expires_at: facteur_primitives::unix_now() + 3600,
            require_tls: false,
            recipients: vec![QueuedRecipient { address: recipient.to_owned(), orcpt: None, notify: Notify::default() }],
            account: None,
        };
        self.store.enqueue_content(Arc::from(MESSAGE), envelope).await.unwrap();
    }

    async fn inbox(&self, address: &str) -> Vec<String> {
        let account = self.store.account_by_address(address).await.unwrap().unwrap();
        let inbox = self.store.mailbox_by_name(account.id, INBOX).await.unwrap().unwrap();
        let mut messages = Vec::new();
        for meta in self.store.messages(inbox.id).await.unwrap() {
            messages.push(String::from_utf8(self.store.read_blob(meta.blob).await.unwrap()).unwrap());
        }
        messages
    }
}

#[tokio::test]
async fn a_queued_message_is_delivered_and_leaves_the_queue() {
    let receiver = Receiver::start("250 2.1.5 ok").await;
    let fixture = Fixture::new(&receiver).await;
    fixture.enqueue("bob@remote.test").await;
    fixture.engine.run_once().await.unwrap();
    let messages = receiver.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].0, SENDER);
    assert!(messages[0].1.ends_with("Hello Bob.\r\n"), "{}", messages[0].1);
    assert!(fixture.store.queue().await.unwrap().is_empty());
    assert!(fixture.inbox(SENDER).await.is_empty(), "no report for a success nobody asked about");
}

#[tokio::test]
async fn a_temporary_refusal_keeps_the_recipient_for_a_later_attempt() {
    let receiver = Receiver::start("451 4.3.0 try later").await;
    let fixture = Fixture::new(&receiver).await;
    fixture.enqueue("bob@remote.test").await;
    let before = facteur_primitives::unix_now();
    fixture.engine.run_once().await.unwrap();
    let queue = fixture.store.queue().await.unwrap();
    let recipient = &queue[0].recipients[0];
    assert_eq!((recipient.status, recipient.attempts), (RecipientStatus::Pending, 1));
    assert!(recipient.next_attempt > before, "retried later, not at once");
    assert_eq!(recipient.last_reply.as_deref(), Some("451 4.3.0 try later"));
    assert!(receiver.messages().is_empty());
}

#[tokio::test]
async fn a_permanent_refusal_is_reported_to_the_local_sender_through_the_one_persist_path() {
    let receiver = Receiver::start("550 5.1.1 no such user").await;
    let fixture = Fixture::new(&receiver).await;
    fixture.enqueue("nobody@remote.test").await;
    fixture.engine.run_once().await.unwrap();
    assert!(fixture.store.queue().await.unwrap().is_empty(), "a failed recipient leaves the queue");
    let inbox = fixture.inbox(SENDER).await;
    assert_eq!(inbox.len(), 1, "one failure report");
    let report = &inbox[0];
    // RFC 5321 §4.4 at final delivery; RFC 3464 for the report itself.
    assert!(report.starts_with("Return-Path: <>\r\n"), "{report}");
    assert!(report.contains("multipart/report"), "{report}");
    assert!(report.contains("Final-Recipient: rfc822; nobody@remote.test"), "{report}");
    assert!(report.contains("5.1.1"), "{report}");
}

#[tokio::test]
async fn the_next_message_to_the_same_server_reuses_the_pooled_session() {
    let receiver = Receiver::start("250 2.1.5 ok").await;
    let fixture = Fixture::new(&receiver).await;
    fixture.enqueue("bob@remote.test").await;
    fixture.engine.run_once().await.unwrap();
    fixture.enqueue("carol@remote.test").await;
    fixture.engine.run_once().await.unwrap();
    assert_eq!(receiver.messages().len(), 2);
    assert_eq!(receiver.connections.load(Ordering::SeqCst), 1, "one connection carried both messages");
}
