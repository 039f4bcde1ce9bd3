//! Brute force: a network that keeps failing to log in is banned at connection on every listener for
//! `[auth] ban_minutes`, with one log line fail2ban can read; a person who mistypes, or who logs in from
//! elsewhere, is never affected. Driven by `clients/login_ban.py` (smtplib and sockets from chosen loopback
//! addresses) against the real binary.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
const BAN_AFTER: u32 = 4;

#[test]
fn a_network_guessing_passwords_is_refused_while_another_logs_in() {
    let server = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(|config| {
            config.auth.ban_after_failures = BAN_AFTER;
            config.auth.ban_minutes = 1;
        })
        .start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/login_ban.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--submission-port", &server.addr("submission").port().to_string()])
        .args(["--imap-port", &server.addr("imap").port().to_string()])
        .args(["--cafile", server.certificate().to_str().unwrap()])
        .args(["--user", ALICE, "--password", ALICE_PASSWORD, "--ban-after", &BAN_AFTER.to_string()])
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "login_ban.py:\n{said}\n{}", server.log());
    let log = server.log();
    let bans: Vec<&str> = log.lines().filter(|line| line.contains("client banned")).collect();
    assert_eq!(bans.len(), 1, "one line per ban:\n{log}");
    assert!(bans[0].contains("ip=127.0.0.1") && bans[0].contains("facteur::ban"), "{}", bans[0]);
}
