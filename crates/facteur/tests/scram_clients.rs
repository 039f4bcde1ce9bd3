//! SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 7677, RFC 5802, channel binding `tls-exporter` RFC 9266) against
//! the real binary over SMTP, IMAP and POP3. The SCRAM side is scramp, an independent Python implementation,
//! in `clients/scram_client.py`: SCRAM-SHA-256 through smtplib, imaplib and poplib after STARTTLS; -PLUS over
//! pyOpenSSL, whose OpenSSL computes the exporter value (not rustls, which the server uses).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output};

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).start()
}

/// The STARTTLS listener (SCRAM-SHA-256 through the standard library) and the implicit-TLS one (-PLUS).
fn listeners(protocol: &str) -> (&'static str, &'static str) {
    match protocol {
        "smtp" => ("submission", "submissions"),
        "imap" => ("imap", "imaps"),
        _ => ("pop3", "pop3s"),
    }
}

const PROTOCOLS: [&str; 3] = ["smtp", "imap", "pop3"];

/// Runs `clients/scram_client.py` for `protocol`; `extra` says the mechanism, the expectation, the tampering.
fn scramp(server: &TestServer, protocol: &str, password: &str, extra: &[&str]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/scram_client.py");
    let (starttls, implicit) = listeners(protocol);
    let plus = extra.iter().any(|arg| arg.ends_with("-PLUS") || *arg == "--tamper-binding");
    let port = server.addr(if plus { implicit } else { starttls }).port().to_string();
    let certificate = server.certificate();
    Command::new("python3")
        .arg(&script)
        .args(["--protocol", protocol, "--port", &port, "--cafile", certificate.to_str().unwrap()])
        .args(["--user", ALICE, "--password", password])
        .args(extra)
        .output()
        .expect("python3 runs")
}

fn expect_success(server: &TestServer, protocol: &str, password: &str, extra: &[&str]) {
    let output = scramp(server, protocol, password, extra);
    assert!(output.status.success(), "scram_client.py {protocol} {extra:?}:\n{}\n{}", said(&output), server.log());
}

fn said(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// Whether python3 imports scramp and pyOpenSSL. `.ci/run` installs them, so under CI their absence fails the
/// test; on a developer's machine the test says loudly that it did not run.
fn clients_available() -> bool {
    let imports = Command::new("python3").args(["-c", "import scramp, OpenSSL"]).output();
    let found = imports.is_ok_and(|output| output.status.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "python3 lacks scramp or pyOpenSSL: .ci/run installs them");
        eprintln!("SKIPPED: python3 lacks scramp or pyOpenSSL (python3 -m pip install scramp pyOpenSSL)");
    }
    found
}

#[test]
fn scramp_logs_in_with_scram_sha_256_over_smtp_imap_and_pop3_and_a_wrong_password_fails() {
    if !clients_available() {
        return;
    }
    let server = server();
    for protocol in PROTOCOLS {
        expect_success(&server, protocol, ALICE_PASSWORD, &["--mechanism", "SCRAM-SHA-256"]);
    }
    let log = server.log();
    let logins = log.lines().filter(|line| line.contains("authenticated") && line.contains("SCRAM-SHA-256"));
    assert_eq!(logins.count(), 3, "one log line per login, naming the mechanism:\n{log}");
    for protocol in PROTOCOLS {
        expect_success(&server, protocol, "not the password", &["--mechanism", "SCRAM-SHA-256", "--expect", "refused"]);
    }
    let log = server.log();
    assert_eq!(log.matches("authentication failed").count(), 3, "failures are logged as for PLAIN:\n{log}");
    assert!(!log.contains(ALICE_PASSWORD) && !log.contains("not the password"), "no password in the log");
    assert!(server.stop().success());
}

#[test]
fn scramp_logs_in_with_scram_sha_256_plus_bound_to_the_tls_exporter_and_a_tampered_binding_fails() {
    if !clients_available() {
        return;
    }
    let server = server();
    for protocol in PROTOCOLS {
        expect_success(&server, protocol, ALICE_PASSWORD, &["--mechanism", "SCRAM-SHA-256-PLUS"]);
    }
    for protocol in PROTOCOLS {
        let tampered = ["--mechanism", "SCRAM-SHA-256-PLUS", "--tamper-binding", "--expect", "refused"];
        expect_success(&server, protocol, ALICE_PASSWORD, &tampered);
    }
    let log = server.log();
    assert_eq!(log.matches("authentication failed").count(), 3, "a foreign binding is a failed login:\n{log}");
    assert!(server.stop().success());
}

#[test]
fn the_y_flag_is_refused_as_a_downgrade_where_plus_is_offered_and_accepted_on_tls_1_2() {
    if !clients_available() {
        return;
    }
    let server = server();
    for protocol in PROTOCOLS {
        let downgrade = ["--mechanism", "SCRAM-SHA-256", "--flag-y", "--expect", "refused"];
        expect_success(&server, protocol, ALICE_PASSWORD, &downgrade);
        // On TLS 1.2 the server offers no -PLUS, so the client was right to think it could not bind.
        expect_success(&server, protocol, ALICE_PASSWORD, &["--mechanism", "SCRAM-SHA-256", "--flag-y", "--tls12"]);
    }
    assert!(server.log().contains("downgrade"), "the refusal says why:\n{}", server.log());
    assert!(server.stop().success());
}

#[test]
fn an_account_from_before_verifiers_fails_scram_until_one_plain_login_stores_its_verifier() {
    if !clients_available() {
        return;
    }
    let server = server();
    // What an account whose password was set before store migration 9 looks like: a hash, no verifier.
    let hash = facteur_auth::hash_password(ALICE_PASSWORD).unwrap();
    server.with_store(async |store| store.set_password(ALICE, &hash).await.unwrap());
    let refused = ["--mechanism", "SCRAM-SHA-256", "--expect", "refused"];
    expect_success(&server, "imap", ALICE_PASSWORD, &refused);
    assert!(server.log().contains("no usable SCRAM verifier"), "the log says why:\n{}", server.log());
    expect_success(&server, "smtp", ALICE_PASSWORD, &["--mechanism", "PLAIN"]);
    let stored = server.with_store(async |store| store.account_by_address(ALICE).await.unwrap().unwrap());
    assert!(stored.scram_sha256.is_some_and(|verifier| verifier.starts_with("SCRAM-SHA-256$")));
    for protocol in PROTOCOLS {
        expect_success(&server, protocol, ALICE_PASSWORD, &["--mechanism", "SCRAM-SHA-256"]);
    }
    expect_success(&server, "pop3", ALICE_PASSWORD, &["--mechanism", "SCRAM-SHA-256-PLUS"]);
    assert!(!server.log().contains(ALICE_PASSWORD));
    assert!(server.stop().success());
}

#[test]
fn a_changed_password_is_the_only_one_scram_accepts() {
    if !clients_available() {
        return;
    }
    let server = server();
    let changed = server.cli(&["account", "passwd", ALICE, "--password-stdin"], Some("a brand new passphrase"));
    assert!(changed.success(), "{changed:?}");
    expect_success(&server, "smtp", "a brand new passphrase", &["--mechanism", "SCRAM-SHA-256"]);
    expect_success(&server, "imap", ALICE_PASSWORD, &["--mechanism", "SCRAM-SHA-256", "--expect", "refused"]);
    assert!(server.stop().success());
}
