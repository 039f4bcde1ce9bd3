//! The submission face: TLS before AUTH, AUTH before MAIL, sender ownership, local delivery and queueing.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, base64, plain_response, start, without_trace_headers};
use facteur_net::TlsMode;
use facteur_smtp::Face;
use facteur_store::{Notify, Ret};
use facteur_testkit::in_process::PASSWORD;

async fn submission() -> TestServer {
    start(Face::Submission, TlsMode::Plain, |_| {}).await
}

#[tokio::test]
async fn auth_is_neither_offered_nor_accepted_before_tls() {
    let server = submission().await;
    let mut client = server.connect().await;
    let ehlo = client.expect("EHLO client.example", "250").await;
    assert!(ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"), "{ehlo}");
    client.expect(&format!("AUTH PLAIN {}", plain_response("alice@example.com", PASSWORD)), "538 5.7.11").await;
    client.expect("MAIL FROM:<alice@example.com>", "530 5.7.0").await;

    let mut client = server.starttls(client).await;
    let ehlo = client.expect("EHLO client.example", "250").await;
    let auth = "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN LOGIN";
    assert!(ehlo.contains(auth) && !ehlo.contains("STARTTLS"), "{ehlo}");
}

#[tokio::test]
async fn starttls_forgets_the_plaintext_greeting_and_discards_injected_commands() {
    let server = submission().await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    // CVE-2011-0411: a command injected after STARTTLS in the same plaintext segment.
    client.send("STARTTLS\r\nMAIL FROM:<alice@example.com>\r\n").await;
    assert!(client.reply().await.starts_with("220 2.0.0"));
    let mut client = client.starttls(server.fixture.certificate.client_config()).await;
    // Had the injected MAIL been executed, NOOP's reply would not come first.
    client.expect("NOOP", "250 2.0.0").await;
    client.expect("MAIL FROM:<alice@example.com>", "503 5.5.1").await;
}

#[tokio::test]
async fn auth_plain_and_login_succeed_and_wrong_passwords_get_535() {
    let server = submission().await;
    let mut client = server.starttls(server.connect().await).await;
    client.expect("EHLO client.example", "250").await;
    client.expect(&format!("AUTH PLAIN {}", plain_response("alice@example.com", "wrong")), "535 5.7.8").await;
    client.expect("AUTH PLAIN", "334 ").await;
    client.expect(&plain_response("alice@example.com", PASSWORD), "235 2.7.0").await;
    client.expect(&format!("AUTH PLAIN {}", plain_response("alice@example.com", PASSWORD)), "503 5.5.1").await;

    let mut client = server.starttls(server.connect().await).await;
    client.expect("EHLO client.example", "250").await;
    client.expect("AUTH LOGIN", "334 VXNlcm5hbWU6").await;
    client.expect(&base64(b"bob@example.com"), "334 UGFzc3dvcmQ6").await;
    client.expect(&base64(PASSWORD.as_bytes()), "235 2.7.0").await;
    client.expect("AUTH LOGIN", "503").await;

    let mut client = server.starttls(server.connect().await).await;
    client.expect("EHLO client.example", "250").await;
    client.expect(&format!("AUTH PLAIN {}", plain_response("nobody@example.com", PASSWORD)), "535 5.7.8").await;
    client.expect("AUTH LOGIN", "334").await;
    client.expect("*", "501").await;
    client.expect("AUTH CRAM-MD5", "504 5.5.4").await;
}

#[tokio::test]
async fn implicit_tls_listener_offers_auth_at_once() {
    let server = start(Face::Submission, TlsMode::Implicit, |_| {}).await;
    let mut client = server.connect_tls().await;
    let ehlo = client.expect("EHLO client.example", "250").await;
    let auth = "AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN LOGIN";
    assert!(ehlo.contains(auth) && !ehlo.contains("STARTTLS"), "{ehlo}");
    client.expect(&format!("AUTH PLAIN {}", plain_response("alice@example.com", PASSWORD)), "235").await;
    client.expect("MAIL FROM:<alice@example.com>", "250").await;
}

#[tokio::test]
async fn envelope_sender_must_belong_to_the_user() {
    let server = submission().await;
    server.fixture.store.add_alias("@example.com", &["alice@example.com".into()]).await.unwrap();
    let mut client = server.logged_in("alice@example.com").await;
    for foreign in ["bob@example.com", "someone@elsewhere.net", "team@example.com", "anything@example.com"] {
        client.expect(&format!("MAIL FROM:<{foreign}>"), "553 5.7.1").await;
    }
    client.expect("MAIL FROM:<>", "553 5.7.1").await;
    for own in ["alice@example.com", "Alice+news@Example.com", "sales@example.com"] {
        client.expect(&format!("MAIL FROM:<{own}>"), "250").await;
        client.expect("RSET", "250").await;
    }
}

#[tokio::test]
async fn from_header_must_belong_to_the_user() {
    let server = submission().await;
    let mut client = server.logged_in("alice@example.com").await;
    client.expect("MAIL FROM:<alice@example.com>", "250").await;
    client.expect("RCPT TO:<bob@example.com>", "250").await;
    client.expect("DATA", "354").await;
    client.send("From: The Boss <bob@example.com>\r\nSubject: pay\r\n\r\nnow\r\n.\r\n").await;
    assert!(client.reply().await.starts_with("553 5.7.1"));
    assert!(server.inbox("bob@example.com").await.is_empty());
}

#[tokio::test]
async fn local_recipients_are_delivered_and_remote_ones_queued_with_dsn_parameters() {
    let server = submission().await;
    let mut client = server.logged_in("alice@example.com").await;
    client.expect("MAIL FROM:<alice@example.com> RET=HDRS ENVID=abc+2Bdef", "250").await;
    client.expect("RCPT TO:<bob@example.com>", "250").await;
    client.expect("RCPT TO:<carol@elsewhere.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;carol@elsewhere.net", "250").await;
    client.expect("DATA", "354").await;
    let message =
        b"From: Alice <alice@example.com>\r\nTo: bob@example.com, carol@elsewhere.net\r\nSubject: hi\r\n\r\nhello\r\n";
    let mut data = message.to_vec();
    data.extend_from_slice(b".\r\n");
    client.send(data).await;
    assert!(client.reply().await.starts_with("250 2.0.0"));

    let bob = server.inbox("bob@example.com").await;
    assert_eq!(without_trace_headers(&bob[0]), message);
    assert!(String::from_utf8_lossy(&bob[0]).contains("with ESMTPSA id"));
    let queue = server.fixture.store.queue().await.unwrap();
    assert_eq!(queue.len(), 1);
    let entry = &queue[0];
    assert_eq!(entry.return_path, "alice@example.com");
    assert_eq!((entry.ret, entry.envid.as_deref()), (Some(Ret::Headers), Some("abc+2Bdef")));
    assert_eq!(entry.recipients.len(), 1);
    let carol = &entry.recipients[0];
    assert_eq!(carol.address, "carol@elsewhere.net");
    assert_eq!(carol.notify, Notify::SUCCESS | Notify::FAILURE);
    assert_eq!(carol.orcpt.as_deref(), Some("rfc822;carol@elsewhere.net"));
    assert!(entry.expires_at > entry.created_at + 4 * 24 * 3600);
    let queued = server.fixture.store.read_blob(entry.blob).await.unwrap();
    assert!(queued.starts_with(b"Received: "));
    assert_eq!(without_trace_headers(&queued), message);
}

#[tokio::test]
async fn repeated_auth_failures_are_slowed_down_before_the_answer() {
    let server = start(Face::Submission, TlsMode::Plain, |settings| settings.max_errors = 50).await;
    let mut client = server.starttls(server.connect().await).await;
    client.expect("EHLO client.example", "250").await;
    let wrong = format!("AUTH PLAIN {}", plain_response("alice@example.com", "wrong"));
    for _ in 0..4 {
        client.expect(&wrong, "535 5.7.8").await;
    }
    let started = std::time::Instant::now();
    client.expect(&wrong, "535 5.7.8").await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "answered after {:?}", started.elapsed());
}
