//! IMAP mailbox commands against the real binary with Python's imaplib, including the special-folder names.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account("bob@example.test", "bob's passphrase").start()
}

/// Runs one scenario of `clients/imap_mailboxes.py` and fails the test with its output if it fails.
fn run(server: &TestServer, scenario: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/imap_mailboxes.py");
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
    assert!(output.status.success(), "imap_mailboxes.py {scenario} failed:\n{said}\nserver log:\n{}", server.log());
}

#[test]
fn folders_are_listed_created_renamed_and_deleted() {
    let server = server();
    run(&server, "folders");
}

#[test]
fn outlook_and_thunderbird_names_of_sent_and_trash_land_in_the_one_mailbox() {
    let server = server();
    run(&server, "special_folder_names");
    assert_eq!(server.messages(ALICE, "Sent").len(), 2);
    assert_eq!(server.messages(ALICE, "Trash").len(), 1);
}
