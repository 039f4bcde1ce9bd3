//! Outbound abuse (issue 18), against the real binary: the hourly limits of what an account sends answer 4xx at
//! exactly the configured count (SMTP submission, and JMAP, which goes through the same submission path); GTUBE
//! is refused on submission; an account whose remote deliveries start bouncing has its outgoing mail held,
//! shown held by `facteur queue list`, and sent once the operator releases it. SMTP is driven by
//! `clients/outbound_abuse.py` (smtplib), JMAP by `clients/jmap_client.py`; the remote server is
//! `clients/smtp_sink.py`, which bounces `bounce-*` recipients with 550.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::time::{Duration, Instant};

use facteur_testkit::TestServer;

mod common;
use common::jmap::run_jmap_script;
use common::sink::Sink;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
const BOB: &str = "bob@example.test";
const BOB_PASSWORD: &str = "bob's long passphrase";
const CAROL: &str = "carol@example.test";

fn smtplib(server: &TestServer, scenario: &str, user: (&str, &str), extra: &[&str]) {
    common::outbound_abuse_client(server, scenario, user, extra);
}

fn with_limits(messages: u32, recipients: u32) -> TestServer {
    TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .account(BOB, BOB_PASSWORD)
        .account(CAROL, "carol's long passphrase")
        .configure(move |config| {
            config.outbound.max_messages_per_hour = messages;
            config.outbound.max_recipients_per_hour = recipients;
        })
        .start()
}

#[test]
fn submission_answers_4xx_at_exactly_the_hourly_limits() {
    let server = with_limits(3, 5);
    // Alice: three messages of one recipient each, then 450 4.7.1 at the fourth MAIL FROM.
    smtplib(&server, "message-limit", (ALICE, ALICE_PASSWORD), &["--recipient", CAROL, "--limit", "3"]);
    // Bob, counted apart: five recipients, then 452 4.7.1 at the sixth RCPT, in this message and the next.
    smtplib(&server, "recipient-limit", (BOB, BOB_PASSWORD), &["--recipient", CAROL, "--limit", "5"]);
    let subjects: Vec<String> = server
        .messages(CAROL, "INBOX")
        .iter()
        .filter_map(|message| {
            let text = String::from_utf8_lossy(&message.bytes).into_owned();
            text.lines().find_map(|line| line.strip_prefix("Subject: ").map(str::to_owned))
        })
        .collect();
    for subject in ["message 1", "message 2", "message 3", "to many"] {
        assert!(subjects.iter().any(|found| found == subject), "{subject:?} was delivered: {subjects:?}");
    }
    let log = server.log();
    let refusals: Vec<&str> = log.lines().filter(|line| line.contains("hourly limit reached")).collect();
    assert!(
        refusals.iter().any(|line| line.contains(ALICE) && line.contains("limit=3") && line.contains("messages")),
        "a log line names alice and her limit:\n{log}"
    );
    assert!(
        refusals.iter().any(|line| line.contains(BOB) && line.contains("limit=5") && line.contains("recipients")),
        "a log line names bob and his limit:\n{log}"
    );
}

#[test]
fn jmap_submission_is_held_to_the_same_limit_and_refuses_gtube() {
    let server = with_limits(2, 0);
    let said =
        run_jmap_script(&server, "sending-refused", (ALICE, ALICE_PASSWORD), &["--recipient", CAROL, "--limit", "2"]);
    assert!(said.contains("limit 2"), "the description names the limit: {said}");
    let subjects: Vec<String> = server
        .messages(CAROL, "INBOX")
        .iter()
        .map(|message| String::from_utf8_lossy(&message.bytes).into_owned())
        .collect();
    assert_eq!(subjects.len(), 2, "the two plain messages only");
    assert!(subjects.iter().all(|text| !text.contains("GTUBE")), "the GTUBE message went nowhere");
}

#[test]
fn gtube_is_refused_on_smtp_submission() {
    let server = with_limits(0, 0);
    smtplib(&server, "gtube", (ALICE, ALICE_PASSWORD), &["--recipient", CAROL]);
    let delivered = server.messages(CAROL, "INBOX");
    assert_eq!(delivered.len(), 1, "only the plain message");
    assert!(String::from_utf8_lossy(&delivered[0].bytes).contains("Subject: plain after gtube"));
    let log = server.log();
    let line = log.lines().find(|line| line.contains("GTUBE")).unwrap_or_default();
    assert!(line.contains(ALICE), "the refusal is logged with the account:\n{log}");
    assert!(!log.contains("Testing the filter"), "the log never holds the message body");
}

/// Waits until `facteur queue list` shows `wanted` (30 s at most), and returns the listing.
fn wait_for_listing(server: &TestServer, wanted: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listing = server.cli(&["queue", "list"], None);
        assert!(listing.success(), "{listing:?}");
        if listing.stdout.contains(wanted) || Instant::now() > deadline {
            return listing.stdout;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn an_account_that_starts_bouncing_is_held_until_the_operator_releases_it() {
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let server = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("remote.test".into(), route);
            // Held when more than half of the last four outcomes bounced.
            config.outbound.hold_bounce_percent = 50;
            config.outbound.hold_bounce_window = 4;
        })
        .start();
    let alice = (ALICE, ALICE_PASSWORD);
    // One delivery, then three bounces: three of the last four.
    smtplib(&server, "send", alice, &["--recipient", "ok-1@remote.test", "--subject", "fine"]);
    assert_eq!(sink.received_at_least(1).len(), 1, "the first message is delivered:\n{}", server.log());
    let bounces = ["--subject", "b1", "--subject", "b2"];
    smtplib(&server, "send", alice, &[&["--recipient", "bounce-1@remote.test"][..], &bounces].concat());
    let listing = wait_for_listing(&server, "the queue is empty");
    assert!(!listing.contains("held"), "two bounces of three outcomes hold nothing yet:\n{listing}");
    smtplib(&server, "send", alice, &["--recipient", "bounce-2@remote.test", "--subject", "b3"]);
    let listing = wait_for_listing(&server, &format!("account {ALICE} held"));
    assert!(listing.contains("3 of its last 4 remote deliveries bounced"), "why, with the figures:\n{listing}");
    assert!(listing.contains(&format!("facteur queue release --account {ALICE}")), "{listing}");
    let log = server.log();
    let warning = log.lines().find(|line| line.contains("outgoing mail is held")).unwrap_or_default();
    assert!(warning.contains("WARN") && warning.contains(ALICE) && warning.contains("3 of its last 4"), "{log}");

    // Still accepted, but held with the account's other mail: not tried.
    smtplib(&server, "send", alice, &["--recipient", "ok-2@remote.test", "--subject", "while held"]);
    let listing = wait_for_listing(&server, "held with account");
    assert!(listing.contains(&format!("held with account {ALICE}")), "{listing}");
    assert!(listing.contains("ok-2@remote.test  pending  attempts 0  held with its account"), "{listing}");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sink.received_within(2, Duration::ZERO).len(), 1, "a held account's message was delivered");

    let unknown = server.cli(&["queue", "release", "--account", "nobody@example.test"], None);
    assert_eq!(unknown.code, Some(2), "{unknown:?}");
    let released = server.cli(&["queue", "release", "--account", ALICE], None);
    assert!(released.success() && released.stdout.contains("released"), "{released:?}");
    let received = sink.received_at_least(2);
    assert_eq!(received.len(), 2, "the held message is sent once released:\n{}", server.log());
    assert!(received.iter().any(|text| text.contains("Subject: while held")), "{received:?}");
    let listing = wait_for_listing(&server, "the queue is empty");
    assert!(!listing.contains("held"), "{listing}");
}

#[test]
fn the_operator_holds_an_account_by_hand() {
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let server = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("remote.test".into(), route);
        })
        .start();
    let held = server.cli(&["queue", "hold", "--account", ALICE], None);
    assert!(held.success() && held.stdout.contains("held"), "{held:?}");
    smtplib(&server, "send", (ALICE, ALICE_PASSWORD), &["--recipient", "ok@remote.test", "--subject", "waits"]);
    let listing = wait_for_listing(&server, "held with account");
    assert!(listing.contains("held by the operator"), "{listing}");
    let line = listing.lines().find(|line| line.contains("held with account")).unwrap();
    let id = line.split_whitespace().next().unwrap();
    let shown = server.cli(&["queue", "show", id], None);
    assert!(shown.stdout.contains(&format!("held:     with account {ALICE}: held by the operator")), "{shown:?}");
    std::thread::sleep(Duration::from_secs(2));
    assert!(sink.received_within(1, Duration::ZERO).is_empty(), "a held account's message was delivered");
    assert!(server.cli(&["queue", "release", "--account", ALICE], None).success());
    assert_eq!(sink.received_at_least(1).len(), 1, "{}", server.log());
}
