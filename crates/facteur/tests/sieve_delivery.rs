//! Sieve filters at delivery against the real binary, set up as a person would: a script uploaded and
//! activated with Python's sievelib over ManageSieve, mail delivered by smtplib to the MX listener, the
//! mailboxes read with imaplib (tests/clients/sieve_delivery.py). The vacation reply it asks for leaves
//! through the queue, once per sender.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const PASSWORD: &str = "alice's long passphrase";

#[test]
fn mail_is_filed_flagged_discarded_kept_and_answered_as_the_script_says() {
    let sievelib = Command::new("python3").args(["-c", "import sievelib"]).output().is_ok_and(|o| o.status.success());
    if !sievelib {
        assert!(std::env::var_os("CI").is_none(), "sievelib is not installed: .ci/run should have installed it");
        eprintln!("SKIPPED: Python's sievelib is not installed (bash .ci/run installs it)");
        return;
    }
    // Mail to remote.test goes to a port nobody listens on: the reply waits in the queue, where it is seen.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = TestServer::builder()
        .account(ALICE, PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("remote.test".into(), format!("127.0.0.1:{closed}"));
        })
        .start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/sieve_delivery.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--user", ALICE, "--password", PASSWORD])
        .args(["--managesieve-port", &server.addr("managesieve").port().to_string()])
        .args(["--smtp-port", &server.addr("smtp").port().to_string()])
        .args(["--imaps-port", &server.addr("imaps").port().to_string()])
        .env("SSL_CERT_FILE", server.certificate())
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{said}");
    assert!(output.status.success(), "{said}");

    // One vacation reply to Carol for her two lunch messages, none to the discarded sender, none for the
    // report the script filed and stopped on; from the null path.
    let queue = server.cli(&["queue", "list"], None);
    let listing = queue.stdout;
    let replies = listing.lines().filter(|line| line.contains("<> (a delivery report)")).count();
    assert_eq!(replies, 1, "{listing}");
    assert!(listing.contains("carol@remote.test") && !listing.contains("spammer@remote.test"), "{listing}");
}
