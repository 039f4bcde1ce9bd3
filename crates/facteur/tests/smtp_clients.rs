//! SMTP against the real binary with independent clients: Python's smtplib, swaks and lettre. What they send is
//! read back from the store and must be byte-identical, apart from the trace headers we add in front.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::{StoredMessage, TestServer, tool_available};

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
const BOB: &str = "bob@example.test";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account(BOB, "bob's passphrase").start()
}

/// Runs one scenario of `clients/smtp_client.py` and fails the test with its output if it fails.
fn smtplib(server: &TestServer, scenario: &str, listener: &str, extra: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/smtp_client.py");
    let port = server.addr(listener).port().to_string();
    let certificate = server.certificate();
    let output = Command::new("python3")
        .arg(&script)
        .arg(scenario)
        .args(["--port", &port, "--cafile", certificate.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "smtp_client.py {scenario} failed:\n{said}");
}

fn write_message(dir: &Path, content: &[u8]) -> String {
    let path = dir.join("message.eml");
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The message without the header fields the server adds: trace fields (`Return-Path:`, `Received:`), on the MX
/// our spam verdict (`X-Spam-Status:`, `X-Spam-Reasons:`), and on submission our `DKIM-Signature:`.
fn without_trace_headers(stored: &[u8]) -> &[u8] {
    let mut rest = stored;
    loop {
        let is_trace = ["return-path:", "received:", "dkim-signature:", "x-spam-status:", "x-spam-reasons:"]
            .iter()
            .any(|name| rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes()));
        if !is_trace {
            return rest;
        }
        // Skip the field and its folded continuation lines.
        let mut end = 0;
        loop {
            let newline = rest[end..].iter().position(|&b| b == b'\n').map_or(rest.len(), |at| end + at + 1);
            end = newline;
            if !matches!(rest.get(end), Some(b' ' | b'\t')) {
                break;
            }
        }
        rest = &rest[end..];
    }
}

fn trace_headers(stored: &[u8]) -> String {
    let body = without_trace_headers(stored);
    String::from_utf8_lossy(&stored[..stored.len() - body.len()]).into_owned()
}

fn only_message(server: &TestServer, address: &str) -> StoredMessage {
    let mut messages = server.messages(address, "INBOX");
    assert_eq!(messages.len(), 1, "{address} should have exactly one message");
    messages.remove(0)
}

const PLAIN: &[u8] = b"From: Sender <sender@remote.test>\r\nTo: alice@example.test\r\nSubject: hello\r\n\
Message-ID: <1@remote.test>\r\n\r\nHello Alice.\r\n.. a line that starts with a dot\r\n\r\nBye.\r\n";

#[test]
fn mx_delivery_from_smtplib_is_stored_byte_identical_with_trace_headers() {
    let server = server();
    let tmp = tempfile::tempdir().unwrap();
    let message = write_message(tmp.path(), PLAIN);
    smtplib(&server, "mx_delivery", "smtp", &["--rcpt", ALICE, "--message", &message]);
    let stored = only_message(&server, ALICE);
    assert_eq!(without_trace_headers(&stored.bytes), PLAIN);
    let trace = trace_headers(&stored.bytes);
    assert!(trace.starts_with("Return-Path: <sender@remote.test>\r\n"), "{trace}");
    assert!(trace.contains("Received: from client.remote.test"), "{trace}");
    assert!(trace.contains("by localhost"), "{trace}");
    assert!(server.stop().success());
}

#[test]
fn mx_delivery_over_starttls_is_marked_esmtps() {
    let server = server();
    let tmp = tempfile::tempdir().unwrap();
    let message = write_message(tmp.path(), PLAIN);
    smtplib(
        &server,
        "mx_delivery",
        "smtp",
        &["--rcpt", "Alice+News@Example.TEST", "--message", &message, "--starttls"],
    );
    let stored = only_message(&server, ALICE);
    assert_eq!(without_trace_headers(&stored.bytes), PLAIN);
    assert!(trace_headers(&stored.bytes).contains("ESMTPS"), "{}", trace_headers(&stored.bytes));
}

#[test]
fn submission_on_587_with_starttls_and_auth_plain_delivers_locally_and_queues_remote_mail() {
    let server = server();
    let tmp = tempfile::tempdir().unwrap();
    let content = b"From: Alice <alice@example.test>\r\nTo: bob@example.test, friend@remote.test\r\n\
Subject: lunch\r\n\r\nNoon?\r\n";
    let message = write_message(tmp.path(), content);
    let rcpts = format!("{BOB},friend@remote.test");
    smtplib(
        &server,
        "submission",
        "submission",
        &["--user", ALICE, "--password", ALICE_PASSWORD, "--rcpt", &rcpts, "--message", &message],
    );
    let stored = only_message(&server, BOB);
    assert_eq!(without_trace_headers(&stored.bytes), content);
    assert!(trace_headers(&stored.bytes).contains("ESMTPSA"), "{}", trace_headers(&stored.bytes));
    let signature = "DKIM-Signature: v=1; a=rsa-sha256; s=";
    assert!(
        trace_headers(&stored.bytes).contains(signature),
        "signed for example.test: {}",
        trace_headers(&stored.bytes)
    );
    let queued = server.with_store(async |store| store.queue().await.unwrap());
    assert_eq!(queued.len(), 1, "{queued:?}");
    let recipients: Vec<_> = queued[0].recipients.iter().map(|r| r.address.clone()).collect();
    assert_eq!(recipients, ["friend@remote.test"]);
    assert!(server.messages(ALICE, "Sent").is_empty(), "saving to Sent is the client's job");
}

#[test]
fn submission_on_465_with_implicit_tls_and_auth_login() {
    let server = server();
    let tmp = tempfile::tempdir().unwrap();
    let content = b"From: alice@example.test\r\nTo: bob@example.test\r\nSubject: via 465\r\n\r\nHi.\r\n";
    let message = write_message(tmp.path(), content);
    smtplib(
        &server,
        "submission",
        "submissions",
        &[
            "--implicit-tls",
            "--mechanism",
            "LOGIN",
            "--user",
            ALICE,
            "--password",
            ALICE_PASSWORD,
            "--rcpt",
            BOB,
            "--message",
            &message,
        ],
    );
    assert_eq!(without_trace_headers(&only_message(&server, BOB).bytes), content);
}

#[test]
fn submission_refuses_wrong_passwords_and_foreign_senders() {
    let server = server();
    smtplib(
        &server,
        "submission_refusals",
        "submissions",
        &["--user", ALICE, "--password", ALICE_PASSWORD, "--rcpt", BOB],
    );
    assert!(server.messages(BOB, "INBOX").is_empty());
    assert!(server.log().contains("127.0.0.1"), "auth failures are logged with the peer address");
    assert!(!server.log().contains(ALICE_PASSWORD), "the password is never logged");
}

#[test]
fn mx_refuses_relaying_however_dressed_and_unknown_users() {
    let server = server();
    smtplib(&server, "mx_refusals", "smtp", &[]);
    let queued = server.with_store(async |store| store.queue().await.unwrap());
    assert!(queued.is_empty(), "{queued:?}");
}

#[test]
fn smtputf8_sender_and_headers_are_accepted_and_kept() {
    let server = server();
    let tmp = tempfile::tempdir().unwrap();
    let content = "From: José <josé@remote.test>\r\nTo: alice@example.test\r\nSubject: Ça marche, señor\r\n\r\n\
Résumé: naïve café.\r\n"
        .as_bytes();
    let message = write_message(tmp.path(), content);
    smtplib(&server, "smtputf8", "smtp", &["--rcpt", ALICE, "--message", &message]);
    let stored = only_message(&server, ALICE);
    assert_eq!(without_trace_headers(&stored.bytes), content);
    assert!(trace_headers(&stored.bytes).contains("Return-Path: <josé@remote.test>"));
}

#[test]
fn eight_bit_body_with_8bitmime_is_kept_byte_for_byte() {
    let server = server();
    let tmp = tempfile::tempdir().unwrap();
    let content = b"From: sender@remote.test\r\nTo: alice@example.test\r\nSubject: latin-1\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf\xe9 cr\xe8me \xfcber\r\n";
    let message = write_message(tmp.path(), content);
    smtplib(&server, "eight_bit", "smtp", &["--rcpt", ALICE, "--message", &message]);
    assert_eq!(without_trace_headers(&only_message(&server, ALICE).bytes), content);
}

#[test]
fn bdat_chunks_are_reassembled() {
    let server = server();
    let tmp = tempfile::tempdir().unwrap();
    let message = write_message(tmp.path(), PLAIN);
    smtplib(&server, "bdat", "smtp", &["--rcpt", ALICE, "--message", &message]);
    assert_eq!(without_trace_headers(&only_message(&server, ALICE).bytes), PLAIN);
}

#[test]
fn swaks_delivers_to_the_mx_and_submits_with_auth() {
    if !tool_available("swaks") {
        return;
    }
    let server = server();
    let swaks = |args: &[&str]| {
        let output = Command::new("swaks").args(args).output().expect("swaks is installed (.ci/run installs it)");
        let said = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "swaks {args:?} failed:\n{said}{}", String::from_utf8_lossy(&output.stderr));
        said
    };
    let mx = server.addr("smtp").to_string().replace(':', " ");
    let (host, port) = mx.split_once(' ').unwrap();
    swaks(&[
        "--server",
        host,
        "--port",
        port,
        "--from",
        "x@remote.test",
        "--to",
        ALICE,
        "--header",
        "Subject: swaks mx",
    ]);
    let submission = server.addr("submission");
    swaks(&[
        "--server",
        host,
        "--port",
        &submission.port().to_string(),
        "--tls",
        "--auth",
        "PLAIN",
        "--auth-user",
        ALICE,
        "--auth-password",
        ALICE_PASSWORD,
        "--from",
        ALICE,
        "--to",
        BOB,
        "--header",
        "Subject: swaks submission",
    ]);
    let to_alice = only_message(&server, ALICE);
    assert!(String::from_utf8_lossy(&to_alice.bytes).contains("Subject: swaks mx"));
    let to_bob = only_message(&server, BOB);
    assert!(String::from_utf8_lossy(&to_bob.bytes).contains("Subject: swaks submission"));
}

#[test]
fn lettre_submits_over_implicit_tls() {
    let server = server();
    let email = lettre::Message::builder()
        .from(ALICE.parse().unwrap())
        .to(BOB.parse().unwrap())
        .subject("from lettre")
        .body("Sent by lettre.\r\n".to_owned())
        .unwrap();
    let sent = email.formatted();
    server.submission(ALICE, ALICE_PASSWORD).send(email);
    // lettre always writes CRLF "." CRLF after the message, even one that ends with CRLF: by RFC 5321 §4.1.1.4
    // the data then ends with an empty line, which the server must keep.
    let expected = [sent.as_slice(), b"\r\n"].concat();
    assert_eq!(without_trace_headers(&only_message(&server, BOB).bytes), expected.as_slice());
}

#[test]
fn trace_header_stripping_handles_folded_fields() {
    let stored = b"Return-Path: <a@b>\r\nReceived: from x\r\n\tby y; date\r\nReceived: z\r\nSubject: s\r\n\r\nbody";
    assert_eq!(without_trace_headers(stored), b"Subject: s\r\n\r\nbody");
}
