//! The MX face delivering to local mailboxes, driven over a real socket.
#![allow(clippy::unwrap_used)]

mod common;

use common::{start, without_trace_headers};
use facteur_net::TlsMode;
use facteur_smtp::Face;

const MESSAGE: &[u8] = b"From: Sender <sender@remote.example>\r\nTo: alice@example.com\r\nSubject: hello\r\n\r\nFirst line\r\n.A line that starts with a dot\r\n\r\nLast line\r\n";

/// `MESSAGE` dot-stuffed for DATA, with the end marker.
fn stuffed(message: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(message.to_vec()).unwrap();
    let mut out = text.replace("\r\n.", "\r\n..").into_bytes();
    out.extend_from_slice(b".\r\n");
    out
}

#[tokio::test]
async fn delivered_message_is_byte_identical_after_the_trace_headers() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    let ehlo = client.expect("EHLO client.example", "250-mx.example.com").await;
    for keyword in
        ["PIPELINING", "SIZE 52428800", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN", "STARTTLS"]
    {
        assert!(ehlo.contains(keyword), "{keyword} missing from {ehlo}");
    }
    assert!(!ehlo.contains("AUTH"), "MX must not offer AUTH: {ehlo}");
    client.expect("MAIL FROM:<sender@remote.example>", "250 2.1.0").await;
    client.expect("RCPT TO:<alice@example.com>", "250 2.1.5").await;
    client.expect("DATA", "354").await;
    client.send(stuffed(MESSAGE)).await;
    let accepted = client.reply().await;
    assert!(accepted.starts_with("250 2.0.0"), "{accepted}");
    client.expect("QUIT", "221 2.0.0").await;

    let inbox = server.inbox("alice@example.com").await;
    assert_eq!(inbox.len(), 1);
    let stored = &inbox[0];
    let text = String::from_utf8_lossy(stored);
    assert!(text.starts_with("Return-Path: <sender@remote.example>\r\nReceived: from client.example ([127.0.0.1])\r\n\tby mx.example.com with ESMTP id "), "{text}");
    let id = accepted.trim_end().rsplit(' ').next().unwrap();
    assert!(text.contains(&format!(" id {id};\r\n\t")), "the 250 reply names the Received id: {text}");
    assert_eq!(without_trace_headers(stored), MESSAGE);
}

#[tokio::test]
async fn all_local_recipients_get_the_same_bytes_once_each() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<>", "250").await;
    client.expect("RCPT TO:<alice@example.com>", "250").await;
    client.expect("RCPT TO:<Bob+Lists@EXAMPLE.com>", "250").await;
    client.expect("RCPT TO:<sales@example.com>", "250").await;
    client.expect("RCPT TO:<team@example.com>", "250").await;
    client.expect("DATA", "354").await;
    client.send(stuffed(MESSAGE)).await;
    assert!(client.reply().await.starts_with("250 2.0.0"));
    let alice = server.inbox("alice@example.com").await;
    let bob = server.inbox("bob@example.com").await;
    assert_eq!((alice.len(), bob.len()), (1, 1), "one copy per account, however many addresses reach it");
    assert_eq!(alice[0], bob[0]);
    assert!(alice[0].starts_with(b"Return-Path: <>\r\n"));
}

#[tokio::test]
async fn unknown_local_user_is_refused_at_rcpt() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<sender@remote.example>", "250").await;
    client.expect("RCPT TO:<nobody@example.com>", "550 5.1.1").await;
    client.expect("DATA", "554 5.5.1").await;
}

#[tokio::test]
async fn pipelined_commands_get_their_replies_in_order() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client
        .send("MAIL FROM:<sender@remote.example>\r\nRCPT TO:<alice@example.com>\r\nRCPT TO:<nobody@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\n")
        .await;
    for expected in ["250 2.1.0", "250 2.1.5", "550 5.1.1", "250 2.1.5", "354"] {
        let reply = client.reply().await;
        assert!(reply.starts_with(expected), "expected {expected}, got {reply}");
    }
    // The end of data and the next transaction in one segment.
    let mut rest = stuffed(MESSAGE);
    rest.extend_from_slice(b"RSET\r\nNOOP\r\nQUIT\r\n");
    client.send(rest).await;
    for expected in ["250 2.0.0", "250 2.0.0", "250 2.0.0", "221 2.0.0"] {
        let reply = client.reply().await;
        assert!(reply.starts_with(expected), "expected {expected}, got {reply}");
    }
    assert_eq!(server.inbox("bob@example.com").await.len(), 1);
}

#[tokio::test]
async fn bdat_chunks_make_one_message() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<sender@remote.example> BODY=8BITMIME", "250").await;
    client.expect("RCPT TO:<alice@example.com>", "250").await;
    let (first, second) = MESSAGE.split_at(40);
    let mut chunk = format!("BDAT {}\r\n", first.len()).into_bytes();
    chunk.extend_from_slice(first);
    client.send(chunk).await;
    assert!(client.reply().await.starts_with("250 2.0.0"));
    // The last chunk pipelined with the next command; a lone `.` line in BDAT is just content.
    let mut chunk = format!("BDAT {} LAST\r\n", second.len() + 3).into_bytes();
    chunk.extend_from_slice(second);
    chunk.extend_from_slice(b".\r\nNOOP\r\n");
    client.send(chunk).await;
    assert!(client.reply().await.starts_with("250 2.0.0"));
    assert!(client.reply().await.starts_with("250 2.0.0"));
    let inbox = server.inbox("alice@example.com").await;
    let mut expected = MESSAGE.to_vec();
    expected.extend_from_slice(b".\r\n");
    assert_eq!(without_trace_headers(&inbox[0]), expected);
}

#[tokio::test]
async fn bdat_without_a_transaction_is_refused_and_its_data_skipped() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.send("BDAT 12 LAST\r\nQUIT\r\nQUIT\r\nNOOP\r\n").await;
    assert!(client.reply().await.starts_with("503 5.5.1"));
    assert!(client.reply().await.starts_with("250 2.0.0"), "the chunk's bytes were not read as commands");
}

#[tokio::test]
async fn vrfy_does_not_reveal_users_and_helo_works() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("HELO old.client", "250 mx.example.com").await;
    client.expect("VRFY alice", "252 2.5.0").await;
    client.expect("VRFY nobody", "252 2.5.0").await;
    client.expect("HELP", "214-2.0.0").await;
    client.expect("MAIL FROM:<a@remote.example>", "250").await;
    client.expect("RCPT TO:<alice@example.com>", "250").await;
    client.expect("DATA", "354").await;
    client.send(stuffed(b"Subject: x\r\n\r\nhi\r\n")).await;
    assert!(client.reply().await.starts_with("250"));
    let inbox = server.inbox("alice@example.com").await;
    assert!(String::from_utf8_lossy(&inbox[0]).contains("with SMTP id"), "HELO is plain SMTP in Received");
}

#[tokio::test]
async fn postmaster_and_abuse_are_accepted_without_being_set_up() {
    // RFC 5321 §4.5.1 and RFC 2142: the fixture's domain has alice and no postmaster or abuse of its own.
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<a@remote.example>", "250").await;
    client.expect("RCPT TO:<Postmaster>", "250 2.1.5").await;
    client.expect("RCPT TO:<postmaster@example.com>", "250 2.1.5").await;
    client.expect("RCPT TO:<abuse@example.com>", "250 2.1.5").await;
    client.expect("RCPT TO:<webmaster@example.com>", "550 5.1.1").await;
    client.expect("DATA", "354").await;
    client.send(stuffed(MESSAGE)).await;
    assert!(client.reply().await.starts_with("250"));
    assert_eq!(server.inbox("alice@example.com").await.len(), 1, "the domain's first account reads them");
}

#[tokio::test]
async fn alias_forwarding_to_another_domain_is_queued() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<a@remote.example>", "250").await;
    client.expect("RCPT TO:<fwd@example.com>", "250").await;
    client.expect("DATA", "354").await;
    client.send(stuffed(MESSAGE)).await;
    let reply = client.reply().await;
    let queue = server.fixture.store.queue().await.unwrap();
    assert_eq!(queue.len(), 1);
    // The id the client is given is the one `facteur queue show` takes.
    assert_eq!(reply.trim_end(), format!("250 2.0.0 OK queued as {}", queue[0].id.0));
    assert_eq!(queue[0].recipients[0].address, "carol@elsewhere.net");
    assert_eq!(queue[0].recipients[0].orcpt.as_deref(), Some("rfc822;fwd@example.com"));
    let queued = server.fixture.store.read_blob(queue[0].blob).await.unwrap();
    assert!(queued.starts_with(b"Received: "), "queued copies carry no Return-Path");
}

#[tokio::test]
async fn shutdown_says_goodbye_to_idle_sessions() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    server.fixture.shut_down();
    assert!(client.reply().await.starts_with("421 4.3.2"));
}
