//! Two IMAP sessions on one mailbox against the real binary, and IDLE woken by an SMTP delivery.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account("bob@example.test", "bob's passphrase").start()
}

/// Runs one scenario of `clients/imap_sync.py` and fails the test with its output if it fails.
fn run(server: &TestServer, scenario: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/imap_sync.py");
    let port = |name: &str| server.addr(name).port().to_string();
    let certificate = server.certificate();
    let output = Command::new("python3")
        .arg(&script)
        .arg(scenario)
        .args(["--imap-port", &port("imap"), "--imaps-port", &port("imaps"), "--smtp-port", &port("smtp")])
        .args(["--cafile", certificate.to_str().unwrap(), "--user", ALICE, "--password", ALICE_PASSWORD])
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "imap_sync.py {scenario} failed:\n{said}\nserver log:\n{}", server.log());
}

#[test]
fn flags_and_expunges_of_one_device_reach_the_other_at_the_right_time() {
    let server = server();
    run(&server, "flags_and_expunge_between_sessions");
}

#[test]
fn idle_is_woken_by_mail_arriving_over_smtp() {
    let server = server();
    run(&server, "idle_wakes_on_smtp_delivery");
    assert_eq!(server.messages(ALICE, "INBOX").len(), 1);
}
