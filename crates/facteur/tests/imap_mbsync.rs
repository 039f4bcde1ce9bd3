//! mbsync (isync), a real synchronising client, against the real binary: flags and deletions both ways.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account("bob@example.test", "bob's passphrase").start()
}

/// Runs one scenario of `clients/imap_mbsync.py` and fails the test with its output if it fails.
fn run(server: &TestServer, scenario: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/imap_mbsync.py");
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
    assert!(output.status.success(), "imap_mbsync.py {scenario} failed:\n{said}\nserver log:\n{}", server.log());
}

#[test]
fn mbsync_two_way_sync_carries_flags_and_deletions_both_ways() {
    let server = server();
    run(&server, "two_way_sync");
    assert_eq!(server.messages(ALICE, "INBOX").len(), 2);
}
