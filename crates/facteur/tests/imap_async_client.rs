//! async-imap (an independent Rust IMAP client, with its own parser, imap-proto) against the real binary over
//! implicit TLS: every value asserted is one async-imap parsed, so a malformed response fails the test.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::sync::Arc;

use async_imap::extensions::idle::IdleResponse;
use async_imap::types::Flag;
use facteur_testkit::{TestServer, client_config_trusting};
use futures_util::TryStreamExt;
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;

const ALICE: &str = "alice@example.test";
const PASSWORD: &str = "alice's long passphrase";

type Session = async_imap::Session<TlsStream<TcpStream>>;

async fn log_in(server: &TestServer) -> Session {
    let connector = TlsConnector::from(Arc::clone(&client_config_trusting(&server.certificate())));
    let tcp = TcpStream::connect(server.addr("imaps")).await.unwrap();
    let tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
    let mut client = async_imap::Client::new(tls);
    client.read_response().await.unwrap().unwrap(); // the greeting
    client.login(ALICE, PASSWORD).await.map_err(|(error, _)| error).unwrap()
}

fn message(subject: &str) -> String {
    format!(
        "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@example.test>\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nhello\r\n--B\r\nContent-Type: application/pdf\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
    )
}

#[test]
fn async_imap_lists_appends_fetches_stores_moves_and_expunges() {
    let server = TestServer::builder().account(ALICE, PASSWORD).start();
    let runtime = Runtime::new().unwrap();
    runtime.block_on(async {
        let mut session = log_in(&server).await;
        let names: Vec<String> =
            session.list(Some(""), Some("*")).await.unwrap().map_ok(|n| n.name().to_owned()).try_collect().await.unwrap();
        for expected in ["INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"] {
            assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
        }
        for subject in ["first", "second"] {
            session.append("INBOX", Some("(\\Flagged)"), None, message(subject)).await.unwrap();
        }
        let inbox = session.select("INBOX").await.unwrap();
        assert_eq!(inbox.exists, 2);

        let fetched: Vec<_> =
            session.fetch("1:*", "(UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[])").await.unwrap().try_collect().await.unwrap();
        assert_eq!(fetched.len(), 2);
        let first = &fetched[0];
        let envelope = first.envelope().unwrap();
        assert_eq!(envelope.subject.as_deref(), Some(&b"first"[..]));
        assert_eq!(envelope.from.as_ref().unwrap()[0].mailbox.as_deref(), Some(&b"bob"[..]));
        assert!(first.flags().any(|flag| flag == Flag::Flagged));
        assert!(matches!(first.bodystructure(), Some(async_imap::imap_proto::BodyStructure::Multipart { bodies, .. }) if bodies.len() == 2));
        assert_eq!(first.body(), Some(message("first").as_bytes()), "BODY[] must be the message as appended");

        let stored: Vec<_> = session.store("1", "+FLAGS (\\Seen $Work)").await.unwrap().try_collect().await.unwrap();
        assert!(stored[0].flags().any(|flag| flag == Flag::Seen));
        assert!(stored[0].flags().any(|flag| flag == Flag::Custom("$Work".into())));

        let second_uid = fetched[1].uid.unwrap();
        session.uid_mv(second_uid.to_string(), "Archive").await.unwrap();
        let archive = session.status("Archive", "(MESSAGES)").await.unwrap();
        assert_eq!(archive.exists, 1);

        session.store("1", "+FLAGS (\\Deleted)").await.unwrap().try_collect::<Vec<_>>().await.unwrap();
        let expunged: Vec<u32> = session.expunge().await.unwrap().try_collect().await.unwrap();
        assert_eq!(expunged, [1]);
        session.logout().await.unwrap();
    });
    assert!(server.messages(ALICE, "INBOX").is_empty());
    assert_eq!(server.messages(ALICE, "Archive").len(), 1);
}

#[test]
fn async_imap_idle_wakes_up_when_mail_is_delivered() {
    let server = TestServer::builder().account(ALICE, PASSWORD).start();
    let runtime = Runtime::new().unwrap();
    let mut idle = runtime.block_on(async {
        let mut session = log_in(&server).await;
        session.select("INBOX").await.unwrap();
        let mut idle = session.idle();
        idle.init().await.unwrap();
        idle
    });
    let mail = lettre::Message::builder()
        .from(ALICE.parse().unwrap())
        .to(ALICE.parse().unwrap())
        .subject("wake up")
        .body("now".to_owned())
        .unwrap();
    server.submission(ALICE, PASSWORD).send(mail);
    runtime.block_on(async {
        let (wait, _stop) = idle.wait_with_timeout(std::time::Duration::from_secs(20));
        match wait.await.unwrap() {
            IdleResponse::NewData(data) => {
                let text = format!("{:?}", data.parsed());
                assert!(text.contains("Exists(1)"), "IDLE woke up with {text}");
            }
            other => panic!("IDLE ended without new data: {other:?}"),
        }
        let mut session = idle.done().await.unwrap();
        let fetched: Vec<_> = session.fetch("1", "ENVELOPE").await.unwrap().try_collect().await.unwrap();
        assert_eq!(fetched[0].envelope().unwrap().subject.as_deref(), Some(&b"wake up"[..]));
        session.logout().await.unwrap();
    });
}
