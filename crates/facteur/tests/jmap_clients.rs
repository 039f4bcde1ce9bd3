//! JMAP (RFC 8620, RFC 8621) on the real binary's https listener, driven by raw JSON from Python's urllib
//! (`clients/jmap_client.py`) next to independent IMAP and SMTP clients on the same accounts: one store, one
//! truth.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::jmap::run_jmap_script;
use facteur_testkit::TestServer;

mod common;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
const BOB: &str = "bob@example.test";
const BOB_PASSWORD: &str = "bob's long passphrase";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account(BOB, BOB_PASSWORD).start()
}

/// Runs one scenario of jmap_client.py as alice; `extra` adds arguments.
fn scenario(server: &TestServer, name: &str, extra: &[&str]) {
    run_jmap_script(server, name, (ALICE, ALICE_PASSWORD), extra);
}

#[test]
fn the_session_resource_names_capabilities_limits_and_endpoints() {
    scenario(&server(), "discovery", &[]);
}

#[test]
fn imap_and_jmap_see_one_mailbox_keywords_moves_and_changes() {
    scenario(&server(), "imap-then-jmap", &[]);
}

#[test]
fn email_submission_delivers_an_uploaded_attachment_intact_and_files_the_sent_copy() {
    scenario(&server(), "send-with-attachment", &["--recipient", BOB, "--recipient-password", BOB_PASSWORD]);
}

#[test]
fn email_submission_reaches_a_second_instance() {
    let b = TestServer::start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "carol@b.test", "--password-stdin"], Some("carol's pw\n")).success());
    let route = b.addr("smtp").to_string();
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), route);
        })
        .start();
    scenario(&a, "send-with-attachment", &["--recipient", "carol@b.test"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while b.messages("carol@b.test", "INBOX").is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let received = b.messages("carol@b.test", "INBOX");
    assert_eq!(received.len(), 1, "B received the JMAP submission through A's queue:\n{}", a.log());
    let text = String::from_utf8_lossy(&received[0].bytes);
    assert!(text.contains("Subject: the report, attached"), "{text}");
}

#[test]
fn an_smtp_delivery_is_pushed_over_event_source() {
    scenario(&server(), "push-after-smtp", &[]);
}

#[test]
fn the_jmap_out_of_office_is_the_sieve_script_managesieve_clients_see() {
    if common::python_module("sievelib") {
        scenario(&server(), "vacation-is-sieve", &[]);
    }
}

#[test]
fn vacation_response_answers_once_per_sender_and_never_bulk() {
    scenario(&server(), "vacation", &["--recipient", BOB, "--recipient-password", BOB_PASSWORD]);
}

#[test]
fn identities_are_editable_for_owned_addresses_only() {
    scenario(&server(), "identities", &[]);
}

#[test]
fn every_limit_answers_with_the_rfc_error() {
    scenario(&server(), "limits", &[]);
}

#[test]
fn jmap_is_not_served_without_tls() {
    // The redirect names the configured https port, so these two are fixed (free now) rather than port 0.
    let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (http, https) = (free(), free());
    let server = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.listeners.get_mut("http").unwrap().bind = vec![http];
            config.listeners.get_mut("https").unwrap().bind = vec![https];
        })
        .start();
    let url = format!("http://localhost:{}/.well-known/jmap", server.addr("http").port());
    let output = Command::new("curl")
        .args([
            "--silent",
            "--output",
            "/dev/null",
            "--write-out",
            "%{http_code}",
            "--user",
            &format!("{ALICE}:{ALICE_PASSWORD}"),
        ])
        .arg(&url)
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "404", "no JMAP, and no password accepted, in clear");
    // A browser that types the plain address is sent to the webmail over TLS.
    let output = Command::new("curl")
        .args(["--silent", "--output", "/dev/null", "--write-out", "%{http_code} %{redirect_url}"])
        .arg(format!("http://localhost:{}/", server.addr("http").port()))
        .output()
        .expect("curl runs");
    let expected = format!("308 https://localhost:{}/", server.addr("https").port());
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}

#[test]
fn jmapc_an_independent_client_reads_sets_and_listens() {
    let server = server();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/jmap_jmapc.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--https-port", &server.addr("https").port().to_string()])
        .args(["--imaps-port", &server.addr("imaps").port().to_string()])
        .args(["--cafile", server.certificate().to_str().unwrap()])
        .args(["--user", ALICE, "--password", ALICE_PASSWORD])
        .output()
        .expect("python3 runs, with jmapc (.ci/run installs it from PyPI)");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "jmap_jmapc.py failed:\n{said}\n{}", server.log());
}
