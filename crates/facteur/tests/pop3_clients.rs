//! POP3 against the real binary with independent clients: Python's poplib, fetchmail and curl. Mail goes in
//! over SMTP (the MX accepts it for local accounts); what the clients retrieve must be the stored bytes, and
//! the store must hold exactly what the POP3 rules say after each session.
//!
//! Coexistence with IMAP is checked on the store IMAP sessions read (no IMAP server yet): deletions at QUIT
//! are expunges with tombstones (what an IMAP session reports as EXPUNGE / VANISHED), RETR sets `\Seen`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output};

use facteur_store::{INBOX, ModSeq, Store, SystemFlags};
use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).start()
}

/// Runs one scenario of `clients/pop3_client.py` as Alice and fails the test with its output if it fails.
fn poplib(server: &TestServer, scenario: &str, listener: &str, extra: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/pop3_client.py");
    let port = server.addr(listener).port().to_string();
    let smtp_port = server.addr("smtp").port().to_string();
    let certificate = server.certificate();
    let output = Command::new("python3")
        .arg(&script)
        .arg(scenario)
        .args(["--port", &port, "--smtp-port", &smtp_port, "--cafile", certificate.to_str().unwrap()])
        .args(["--user", ALICE, "--password", ALICE_PASSWORD])
        .args(extra)
        .output()
        .expect("python3 runs");
    assert!(output.status.success(), "pop3_client.py {scenario} failed:\n{}", said(&output));
}

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Delivers `count` distinct messages to Alice over SMTP; the first has lines that start with a dot.
fn deliver(server: &TestServer, count: usize) {
    let tmp = tempfile::tempdir().unwrap();
    for n in 0..count {
        let path = tmp.path().join("message.eml");
        let content = format!(
            "From: sender@remote.test\r\nTo: {ALICE}\r\nSubject: message {n}\r\n\r\nBody of message {n}.\r\n\
             ..a line that starts with a dot\r\n.\r\n..\r\nEnd.\r\n"
        );
        std::fs::write(&path, content).unwrap();
        poplib(server, "deliver", "pop3", &["--message", path.to_str().unwrap()]);
    }
}

fn inbox_uids(server: &TestServer) -> Vec<u32> {
    server.messages(ALICE, INBOX).iter().map(|message| message.uid.get()).collect()
}

#[test]
fn poplib_over_stls_retrieves_every_message_byte_exact_and_marks_it_seen() {
    let server = server();
    deliver(&server, 3);
    let out = tempfile::tempdir().unwrap();
    poplib(&server, "retrieve_all", "pop3", &["--expect-count", "3", "--out-dir", out.path().to_str().unwrap()]);
    let stored = server.messages(ALICE, INBOX);
    assert_eq!(stored.len(), 3, "retrieving deletes nothing");
    for (number, message) in stored.iter().enumerate() {
        let retrieved = std::fs::read(out.path().join(format!("{}.eml", number + 1))).unwrap();
        assert_eq!(String::from_utf8_lossy(&retrieved), String::from_utf8_lossy(&message.bytes));
        assert!(message.flags.contains(SystemFlags::SEEN), "RETR marks \\Seen for IMAP clients");
    }
    assert!(String::from_utf8_lossy(&stored[0].bytes).contains("\r\n..a line that starts with a dot\r\n"));
    assert!(server.stop().success());
}

#[test]
fn poplib_on_995_with_implicit_tls() {
    let server = server();
    deliver(&server, 2);
    let out = tempfile::tempdir().unwrap();
    poplib(
        &server,
        "retrieve_all",
        "pop3s",
        &["--implicit-tls", "--expect-count", "2", "--out-dir", out.path().to_str().unwrap()],
    );
    assert_eq!(std::fs::read(out.path().join("2.eml")).unwrap(), server.messages(ALICE, INBOX)[1].bytes);
}

#[test]
fn poplib_auth_plain_over_stls() {
    let server = server();
    deliver(&server, 1);
    poplib(&server, "auth_plain", "pop3", &["--expect-count", "1"]);
    assert!(server.log().contains("127.0.0.1"), "auth failures are logged with the peer address");
    assert!(!server.log().contains(ALICE_PASSWORD), "the password is never logged");
}

#[test]
fn dele_then_quit_expunges_the_marked_messages_as_imap_sees_expunges() {
    let server = server();
    deliver(&server, 3);
    let before = inbox_uids(&server);
    let modseq_before = server.with_store(async |store| inbox_modseq(&store).await);
    poplib(&server, "dele_quit", "pop3s", &["--implicit-tls", "--numbers", "1", "3"]);
    assert_eq!(inbox_uids(&server), [before[1]]);
    let vanished = server.with_store(async |store| {
        let inbox = inbox_of(&store).await;
        store.changes_since(inbox, modseq_before).await.unwrap().vanished
    });
    let vanished: Vec<u32> = vanished.iter().map(|uid| uid.get()).collect();
    assert_eq!(vanished, [before[0], before[2]], "IMAP sessions are told of exactly these expunges");
}

#[test]
fn dele_then_rset_keeps_everything() {
    let server = server();
    deliver(&server, 2);
    poplib(&server, "dele_rset", "pop3s", &["--implicit-tls"]);
    assert_eq!(server.messages(ALICE, INBOX).len(), 2);
}

#[test]
fn dele_then_a_dropped_connection_deletes_nothing() {
    let server = server();
    deliver(&server, 2);
    poplib(&server, "dele_drop", "pop3s", &["--implicit-tls"]);
    // The next session can log in (the lock went with the connection) and sees both messages.
    poplib(&server, "dele_rset", "pop3s", &["--implicit-tls", "--retry-in-use"]);
    assert_eq!(server.messages(ALICE, INBOX).len(), 2);
}

#[test]
fn a_second_pop3_session_is_refused_with_in_use() {
    let server = server();
    deliver(&server, 1);
    poplib(&server, "in_use", "pop3s", &["--implicit-tls"]);
}

#[test]
fn a_message_delivered_during_a_session_appears_in_the_next_one() {
    let server = server();
    deliver(&server, 1);
    poplib(&server, "snapshot", "pop3s", &["--implicit-tls"]);
    assert_eq!(server.messages(ALICE, INBOX).len(), 2);
}

#[test]
fn fetchmail_keep_then_nothing_new_then_fetchall_empties_the_mailbox() {
    let server = server();
    deliver(&server, 3);
    let home = tempfile::tempdir().unwrap();
    let delivered = home.path().join("delivered");
    std::fs::create_dir(&delivered).unwrap();

    let first = fetchmail(&server, home.path(), &delivered, "keep");
    assert_eq!(first.status.code(), Some(0), "fetchmail keep:\n{}", said(&first));
    assert_eq!(std::fs::read_dir(&delivered).unwrap().count(), 3);
    assert_eq!(server.messages(ALICE, INBOX).len(), 3, "keep deletes nothing");

    // UIDL tells fetchmail it has seen them all: exit code 1 is "no new mail".
    let second = fetchmail(&server, home.path(), &delivered, "keep");
    assert_eq!(second.status.code(), Some(1), "second fetchmail keep:\n{}", said(&second));
    assert_eq!(std::fs::read_dir(&delivered).unwrap().count(), 3);

    let all = fetchmail(&server, home.path(), &delivered, "fetchall");
    assert_eq!(all.status.code(), Some(0), "fetchmail fetchall:\n{}", said(&all));
    assert_eq!(std::fs::read_dir(&delivered).unwrap().count(), 6);
    assert!(server.messages(ALICE, INBOX).is_empty(), "without keep, fetchmail deletes what it retrieved");
    let first_message = std::fs::read_dir(&delivered).unwrap().next().unwrap().unwrap().path();
    assert!(String::from_utf8_lossy(&std::fs::read(first_message).unwrap()).contains("Subject: message "));
}

/// One fetchmail run over implicit TLS (certificate checked), each message handed to an MDA writing one file.
fn fetchmail(server: &TestServer, home: &Path, delivered: &Path, mode: &str) -> Output {
    let rc = home.join("fetchmailrc");
    let port = server.addr("pop3s").port();
    let certificate = server.certificate();
    let config = format!(
        "set no syslog\n\
         poll localhost protocol pop3 port {port} uidl\n\
         \tuser \"{ALICE}\" password \"{ALICE_PASSWORD}\"\n\
         \tssl sslcertck sslcertfile \"{}\"\n\
         \t{mode}\n\
         \tmda \"/bin/sh -c 'cat > {}/$$.eml'\"\n",
        certificate.display(),
        delivered.display(),
    );
    std::fs::write(&rc, config).unwrap();
    std::fs::set_permissions(&rc, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    Command::new("fetchmail")
        .env("HOME", home)
        .env("FETCHMAILHOME", home)
        .args(["--nodetach", "--fetchmailrc"])
        .arg(&rc)
        .arg("--idfile")
        .arg(home.join("fetchids"))
        .output()
        .expect("fetchmail runs")
}

#[test]
fn curl_pop3s_lists_and_retrieves() {
    let server = server();
    deliver(&server, 2);
    let base = format!("pop3s://localhost:{}/", server.addr("pop3s").port());
    let curl = |url: &str| {
        let output = Command::new("curl")
            .args(["--silent", "--show-error", "--cacert"])
            .arg(server.certificate())
            .args(["--user", &format!("{ALICE}:{ALICE_PASSWORD}"), url])
            .output()
            .expect("curl runs");
        assert!(output.status.success(), "curl {url}:\n{}", said(&output));
        output.stdout
    };
    let stored = server.messages(ALICE, INBOX);
    let listing = String::from_utf8(curl(&base)).unwrap();
    let expected: Vec<String> = stored.iter().zip(1..).map(|(m, n)| format!("{n} {}", m.bytes.len())).collect();
    assert_eq!(listing.lines().collect::<Vec<_>>(), expected);
    assert_eq!(curl(&format!("{base}2")), stored[1].bytes);
}

async fn inbox_of(store: &std::sync::Arc<dyn Store>) -> facteur_store::MailboxId {
    let account = store.account_by_address(ALICE).await.unwrap().unwrap();
    store.mailbox_by_name(account.id, INBOX).await.unwrap().unwrap().id
}

async fn inbox_modseq(store: &std::sync::Arc<dyn Store>) -> ModSeq {
    let inbox = inbox_of(store).await;
    store.mailbox(inbox).await.unwrap().unwrap().highestmodseq
}
