//! IMAP message commands against the real binary with Python's imaplib.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account("bob@example.test", "bob's passphrase").start()
}

/// Runs one scenario of `clients/imap_messages.py` and fails the test with its output if it fails.
fn run(server: &TestServer, scenario: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/imap_messages.py");
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
    assert!(output.status.success(), "imap_messages.py {scenario} failed:\n{said}\nserver log:\n{}", server.log());
}

#[test]
fn append_then_fetch_envelope_structure_and_sections() {
    let server = server();
    run(&server, "fetch_family");
}

#[test]
fn store_search_copy_move_and_expunge() {
    let server = server();
    run(&server, "store_search_copy_move");
    assert_eq!(server.messages(ALICE, "INBOX").len(), 1);
    assert_eq!(server.messages(ALICE, "Archive").len(), 1);
}
