//! POP3 and IMAP on one maildrop (issue 5): an IMAP session sees POP3's deletions as EXPUNGE once the POP3 client
//! says QUIT, and a message delivered during a POP3 session waits for the next one.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

#[test]
fn imap_sees_pop3_deletions_and_pop3_sees_new_mail_at_its_next_session() {
    let server = TestServer::builder().account("alice@example.test", "alice-pw").start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/pop3_imap.py");
    let output = Command::new("python3")
        .arg(script)
        .args(["--smtp-port", &server.addr("smtp").port().to_string()])
        .args(["--pop3-port", &server.addr("pop3").port().to_string()])
        .args(["--imap-port", &server.addr("imap").port().to_string()])
        .args(["--cafile", server.certificate().to_str().unwrap()])
        .args(["--user", "alice@example.test", "--password", "alice-pw"])
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "pop3_imap.py failed:\n{said}");
    assert_eq!(server.messages("alice@example.test", "INBOX").len(), 2);
}
