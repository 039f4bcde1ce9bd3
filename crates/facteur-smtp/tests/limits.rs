//! Limits and bad input: line lengths, sizes, recipients, errors, timeouts, smuggling, content checks.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, start, start_with_limits};
use facteur_net::{Limits, TlsMode};
use facteur_smtp::Face;
use facteur_testkit::in_process::{ALICE, LineClient, TEST_LIMITS};

async fn in_transaction(server: &TestServer, mail_parameters: &str) -> LineClient {
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect(&format!("MAIL FROM:<sender@remote.example>{mail_parameters}"), "250").await;
    client.expect("RCPT TO:<alice@example.com>", "250").await;
    client
}

#[tokio::test]
async fn smuggling_sequences_never_end_data_and_the_message_is_refused() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    for smuggled in ["\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n"] {
        let mut client = in_transaction(&server, "").await;
        client.expect("DATA", "354").await;
        let payload = format!(
            "Subject: first\r\n\r\nbody{smuggled}MAIL FROM:<ceo@bank.example>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nSubject: forged\r\n\r\nsend money\r\n.\r\n"
        );
        client.send(payload).await;
        let reply = client.reply().await;
        assert!(reply.starts_with("550 5.6.11"), "{smuggled:?}: {reply}");
        client.expect("NOOP", "250").await;
    }
    assert!(server.inbox("alice@example.com").await.is_empty());
    assert!(server.inbox("bob@example.com").await.is_empty(), "a smuggled message was delivered");
}

#[tokio::test]
async fn overlong_command_line_is_refused_and_the_session_continues() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect(&format!("EHLO {}", "a".repeat(5000)), "500 5.5.2").await;
    client.expect("EHLO client.example", "250").await;
}

#[tokio::test]
async fn overlong_data_line_refuses_the_message() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send(format!("Subject: x\r\n\r\n{}\r\nshort\r\n.\r\n", "y".repeat(100_000))).await;
    assert!(client.reply().await.starts_with("500 5.5.2"));
    client.expect("NOOP", "250").await;
    assert!(server.inbox("alice@example.com").await.is_empty());
}

#[tokio::test]
async fn a_dot_right_after_an_overlong_data_line_ends_data_then_the_session() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send(format!("Subject: x\r\n\r\n{}\n.\r\nMAIL FROM:<ceo@bank.example>\r\n", "y".repeat(100_000))).await;
    assert!(client.reply().await.starts_with("500 5.5.2"));
    assert!(client.reply().await.starts_with("421 4.7.0"), "nothing after an ambiguous end is read as commands");
    assert!(client.is_closed().await);
}

#[tokio::test]
async fn size_parameter_over_the_limit_is_refused_at_mail() {
    let server = start(Face::Mx, TlsMode::Plain, |settings| settings.max_message_size = 1000).await;
    let mut client = server.connect().await;
    let ehlo = client.expect("EHLO client.example", "250").await;
    assert!(ehlo.contains("SIZE 1000"));
    client.expect("MAIL FROM:<a@remote.example> SIZE=1001", "552 5.3.4").await;
    client.expect("MAIL FROM:<a@remote.example> SIZE=1000", "250").await;
}

#[tokio::test]
async fn actual_data_over_the_limit_is_refused_after_reading_it_all() {
    let server = start(Face::Mx, TlsMode::Plain, |settings| settings.max_message_size = 1000).await;
    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    let line = format!("{}\r\n", "z".repeat(98));
    client.send(format!("Subject: big\r\n\r\n{}.\r\n", line.repeat(20))).await;
    assert!(client.reply().await.starts_with("552 5.3.4"));
    client.expect("NOOP", "250").await;

    let mut client = in_transaction(&server, "").await;
    client.send(format!("BDAT 600\r\n{}", "x".repeat(600))).await;
    assert!(client.reply().await.starts_with("250"));
    client.send(format!("BDAT 600 LAST\r\n{}", "x".repeat(600))).await;
    assert!(client.reply().await.starts_with("552 5.3.4"));
    client.expect("NOOP", "250").await;
    assert!(server.inbox("alice@example.com").await.is_empty());
}

#[tokio::test]
async fn recipients_beyond_the_limit_get_452_and_the_rest_is_delivered() {
    let server = start(Face::Mx, TlsMode::Plain, |settings| settings.max_recipients = 2).await;
    let mut client = in_transaction(&server, "").await;
    client.expect("RCPT TO:<bob@example.com>", "250").await;
    client.expect("RCPT TO:<sales@example.com>", "452 4.5.3").await;
    client.expect("DATA", "354").await;
    client.send("Subject: x\r\n\r\nhi\r\n.\r\n").await;
    assert!(client.reply().await.starts_with("250"));
}

#[tokio::test]
async fn too_many_errors_end_the_session() {
    let server = start(Face::Mx, TlsMode::Plain, |settings| settings.max_errors = 3).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("FROB", "500 5.5.1").await;
    client.expect("MAIL FROM:<a@remote.example> FROB=1", "555 5.5.4").await;
    client.send("DATA\r\n").await;
    assert!(client.reply().await.starts_with("503 5.5.1"));
    assert!(client.reply().await.starts_with("421 4.7.0"));
    assert!(client.is_closed().await);
}

#[tokio::test]
async fn command_timeout_closes_with_421() {
    let server =
        start(Face::Mx, TlsMode::Plain, |settings| settings.command_timeout = Duration::from_millis(300)).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    assert!(client.reply().await.starts_with("421 4.4.2"));
    assert!(client.is_closed().await);
}

#[tokio::test]
async fn data_timeout_closes_with_421() {
    let server = start(Face::Mx, TlsMode::Plain, |settings| settings.data_timeout = Duration::from_millis(300)).await;
    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send("Subject: slow\r\n").await;
    assert!(client.reply().await.starts_with("421 4.4.2"));
    assert!(server.inbox("alice@example.com").await.is_empty());
}

#[tokio::test]
async fn data_timeout_applies_while_the_idle_timeout_is_shorter() {
    // The connection's idle timeout is the read limit of a protocol with none of its own. SMTP has its own
    // (RFC 5321 §4.5.3.2), per line of DATA: a pause between two lines of content is judged by it alone.
    let idle = Limits { idle_timeout: Duration::from_secs(1), ..TEST_LIMITS };
    let data_timeout = Duration::from_secs(3);
    let server = start_with_limits(Face::Mx, TlsMode::Plain, idle, |settings| {
        settings.data_timeout = data_timeout;
        settings.command_timeout = Duration::from_secs(1);
    })
    .await;

    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send("Subject: slow\r\n\r\nfirst line\r\n").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    client.send("second line\r\n.\r\n").await;
    client.expect_reply("250 2.0.0").await;
    let inbox = server.inbox(ALICE).await;
    assert!(inbox[0].ends_with(b"first line\r\nsecond line\r\n"), "{:?}", String::from_utf8_lossy(&inbox[0]));

    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send("Subject: too slow\r\n").await;
    let started = Instant::now();
    let pause = tokio::time::timeout(Duration::from_millis(4500), client.reply()).await;
    let reply = pause.expect("the data timeout ends a 4.5 s pause");
    assert!(reply.starts_with("421 4.4.2"), "{reply:?}");
    assert!(started.elapsed() >= data_timeout - Duration::from_millis(100), "cut after {:?}", started.elapsed());
    assert_eq!(server.inbox(ALICE).await.len(), 1);
}

#[tokio::test]
async fn nul_octets_are_refused() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send(b"Subject: x\r\n\r\na\0b\r\n.\r\n").await;
    assert!(client.reply().await.starts_with("554 5.6.0"));
}

#[tokio::test]
async fn eight_bit_data_needs_8bitmime() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send("Subject: café\r\n\r\nà bientôt\r\n.\r\n").await;
    assert!(client.reply().await.starts_with("554 5.6.1"));

    let mut client = in_transaction(&server, " BODY=8BITMIME").await;
    client.expect("DATA", "354").await;
    client.send("Subject: café\r\n\r\nà bientôt\r\n.\r\n").await;
    assert!(client.reply().await.starts_with("250"));
    let inbox = server.inbox("alice@example.com").await;
    assert!(String::from_utf8(inbox[0].clone()).unwrap().ends_with("Subject: café\r\n\r\nà bientôt\r\n"));
}

#[tokio::test]
async fn utf8_addresses_need_the_smtputf8_parameter() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    server.fixture.store.create_account("jürgen@example.com", "x").await.unwrap();
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<rené@remote.example>", "553 5.6.7").await;
    client.expect("MAIL FROM:<sender@remote.example>", "250").await;
    client.expect("RCPT TO:<jürgen@example.com>", "553 5.6.7").await;
    client.expect("RSET", "250").await;
    client.expect("MAIL FROM:<rené@remote.example> SMTPUTF8", "250").await;
    client.expect("RCPT TO:<jürgen@example.com>", "250").await;
    client.expect("DATA", "354").await;
    client.send("From: rené@remote.example\r\nSubject: grüße\r\n\r\nhi\r\n.\r\n").await;
    assert!(client.reply().await.starts_with("250"));
    let inbox = server.inbox("jürgen@example.com").await;
    assert!(String::from_utf8_lossy(&inbox[0]).contains("with UTF8SMTP id"));
}

#[tokio::test]
async fn requiretls_is_refused_outside_tls() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<a@remote.example> REQUIRETLS", "530 5.7.10").await;
    client.expect("MAIL FROM:<a@remote.example>", "250").await;
}

#[tokio::test]
async fn invalid_utf8_in_a_command_is_a_syntax_error() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.send(b"EHLO \xff\xfe\r\n").await;
    assert!(client.reply().await.starts_with("500 5.5.2"));
}

#[tokio::test]
async fn quota_is_enforced_at_rcpt_and_at_the_end_of_data() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    server.fixture.store.set_quota("alice@example.com", Some(500)).await.unwrap();
    let mut client = in_transaction(&server, "").await;
    client.expect("DATA", "354").await;
    client.send(format!("Subject: big\r\n\r\n{}\r\n.\r\n", "q".repeat(600))).await;
    assert!(client.reply().await.starts_with("552 5.2.2"), "the message that would overflow the mailbox");
    client.expect("MAIL FROM:<a@remote.example> SIZE=600", "250").await;
    // Known at RCPT: that recipient alone is refused, temporarily (RFC 3463 X.2.2).
    client.expect("RCPT TO:<alice@example.com>", "452 4.2.2").await;
    assert!(server.inbox("alice@example.com").await.is_empty());
}

#[tokio::test]
async fn a_full_mailbox_costs_only_its_owner_the_message_and_the_sender_is_told() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    server.fixture.store.create_account("sender@example.com", "x").await.unwrap();
    server.fixture.store.set_quota("alice@example.com", Some(500)).await.unwrap();
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<sender@example.com>", "250").await;
    // No SIZE declared: alice's mailbox has room for something, so RCPT cannot tell yet.
    client.expect("RCPT TO:<alice@example.com>", "250").await;
    client.expect("RCPT TO:<bob@example.com>", "250").await;
    client.expect("DATA", "354").await;
    client.send(format!("Subject: big\r\n\r\n{}\r\n.\r\n", "q".repeat(600))).await;
    assert!(client.reply().await.starts_with("250"), "stored for bob");
    assert_eq!(server.inbox("bob@example.com").await.len(), 1);
    assert!(server.inbox("alice@example.com").await.is_empty());
    let reports = server.inbox("sender@example.com").await;
    assert_eq!(reports.len(), 1, "the sender is told about alice");
    let report = String::from_utf8_lossy(&reports[0]);
    assert!(report.contains("Final-Recipient: rfc822; alice@example.com"), "{report}");
    assert!(report.contains("Status: 5.2.2") && !report.contains("rfc822; bob@"), "{report}");
}
