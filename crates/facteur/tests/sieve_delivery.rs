//! Sieve filters at delivery against the real binary, set up as a person would: a script uploaded and
//! activated with Python's sievelib over ManageSieve, mail delivered by smtplib to the MX listener, the
//! mailboxes read with imaplib (tests/clients/sieve_delivery.py, one scenario per test).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use facteur_testkit::TestServer;

mod common;

const ALICE: &str = "alice@example.test";
const PASSWORD: &str = "alice's long passphrase";
const BOB: &str = "bob@example.test";

/// Whether sievelib is there; without it the tests are skipped (except on CI, where it must be).
fn sievelib() -> bool {
    common::python_module("sievelib")
}

/// A port nobody listens on: mail routed there waits in the queue, where the test sees it.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Alice's server, mail for remote.test routed to a closed port, `[sieve]` as `sieve` leaves it.
fn server(sieve: impl FnOnce(&mut facteur_config::SieveConfig) + 'static) -> TestServer {
    let closed = closed_port();
    TestServer::builder()
        .account(ALICE, PASSWORD)
        .account(BOB, "bob's long passphrase")
        .configure(move |config| {
            config.relay.routes.insert("remote.test".into(), format!("127.0.0.1:{closed}"));
            sieve(&mut config.sieve);
        })
        .start()
}

/// Runs the Python client's `scenario` against `server`; panics with its output if it fails.
fn run_scenario(server: &TestServer, scenario: &str) {
    run_scenario_with(server, scenario, &["--second", BOB]);
}

fn run_scenario_with(server: &TestServer, scenario: &str, more: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/sieve_delivery.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--scenario", scenario, "--user", ALICE, "--password", PASSWORD])
        .args(more)
        .args(["--managesieve-port", &server.addr("managesieve").port().to_string()])
        .args(["--smtp-port", &server.addr("smtp").port().to_string()])
        .args(["--imaps-port", &server.addr("imaps").port().to_string()])
        .env("SSL_CERT_FILE", server.certificate())
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{said}");
    assert!(output.status.success(), "{said}\nserver log:\n{}", server.log());
}

fn queue_listing(server: &TestServer) -> String {
    server.cli(&["queue", "list"], None).stdout
}

#[test]
fn mail_is_filed_flagged_discarded_kept_and_answered_as_the_script_says() {
    if !sievelib() {
        return;
    }
    let server = server(|_| {});
    run_scenario(&server, "filing");

    // One vacation reply to Carol for her two lunch messages, none to the discarded sender, none for the
    // report the script filed and stopped on; from the null path.
    let listing = queue_listing(&server);
    let replies = listing.lines().filter(|line| line.contains("<> (a delivery report)")).count();
    assert_eq!(replies, 1, "{listing}");
    assert!(listing.contains("carol@remote.test") && !listing.contains("spammer@remote.test"), "{listing}");
}

#[test]
fn redirects_beyond_the_configured_limit_fail_the_script_and_keep_the_message() {
    if !sievelib() {
        return;
    }
    let server = server(|sieve| sieve.max_redirects = 1);
    run_scenario(&server, "redirect-limit");
    let listing = queue_listing(&server);
    assert_eq!(listing.trim(), "the queue is empty", "no redirect may leave:\n{listing}");
}

#[test]
fn a_runaway_script_is_stopped_and_the_message_kept() {
    if !sievelib() {
        return;
    }
    let server = server(|_| {});
    run_scenario(&server, "runaway");
    let log = server.log();
    assert!(log.contains("include loop") || log.contains("includes itself"), "the log says why:\n{log}");
    assert!(log.contains("steps"), "the step limit is named:\n{log}");
}

#[test]
fn ereject_refuses_in_the_smtp_dialogue_unless_another_recipient_takes_the_message() {
    if !sievelib() {
        return;
    }
    let server = server(|_| {});
    run_scenario(&server, "ereject");
    // The mixed transaction: Bob has his copy, and the sender one report for Alice's refusal (RFC 5429
    // §2.1.2), from the null path; the refused one left no report.
    let bob = server.messages(BOB, "INBOX");
    assert_eq!(bob.len(), 1);
    assert!(String::from_utf8_lossy(&bob[0].bytes).contains("Subject: mixed"));
    let listing = queue_listing(&server);
    let reports = listing.lines().filter(|line| line.contains("<> (a delivery report)")).count();
    assert_eq!(reports, 1, "{listing}");
    assert!(listing.contains("spammer@remote.test"), "{listing}");
    assert!(server.log().contains("refused in the SMTP dialogue"), "the log says why");
}

/// The messages of `address`'s INBOX on `server` once there are `count`, or what there is after 30 s.
fn wait_for_messages(server: &TestServer, address: &str, count: usize) -> Vec<facteur_testkit::StoredMessage> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let messages = server.messages(address, "INBOX");
        if messages.len() >= count || Instant::now() > deadline {
            return messages;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn redirected_mail_leaves_with_an_srs_sender_and_its_bounce_comes_back_to_the_original_sender() {
    if !sievelib() {
        return;
    }
    // B hosts both the redirect's target (b.test) and the original sender's domain (remote.test).
    let b = TestServer::start();
    for domain in ["b.test", "remote.test"] {
        assert!(b.cli(&["domain", "add", domain], None).success());
    }
    for address in ["bob@b.test", "carol@remote.test"] {
        assert!(b.cli(&["account", "add", address, "--password-stdin"], Some("a long passphrase\n")).success());
    }
    let route = b.addr("smtp").to_string();
    let a = TestServer::builder()
        .account(ALICE, PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), route.clone());
            config.relay.routes.insert("remote.test".into(), route);
        })
        .start();
    let key = a.data_dir().join("srs/key");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the SRS secret is the owner's alone");

    run_scenario_with(&a, "srs-redirect", &["--second", "bob@b.test"]);
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&received[0].bytes).into_owned();
    // B wrote the MAIL FROM it received as Return-Path (RFC 5321 §4.4).
    let return_path = text.lines().next().unwrap().strip_prefix("Return-Path: <").unwrap().trim_end_matches('>');
    assert!(return_path.starts_with("SRS0="), "{text}");
    assert!(return_path.ends_with("=remote.test=carol@example.test"), "at Alice's domain: {return_path}");

    run_scenario_with(&a, "srs-bounce", &["--srs-address", return_path]);
    let bounced = wait_for_messages(&b, "carol@remote.test", 1);
    assert_eq!(bounced.len(), 1, "carol got no bounce; A's log:\n{}", a.log());
    let bounce = String::from_utf8_lossy(&bounced[0].bytes).into_owned();
    assert!(bounce.contains("Subject: Undelivered: forward me"), "{bounce}");
    assert!(bounce.starts_with("Return-Path: <>"), "sent on from the null path: {bounce}");
}
