//! The `http` listeners of the real binary: a client that knows only an address and a password configures
//! itself from the autoconfig document (fetched over HTTPS by Python's urllib, parsed with xml.etree) and
//! logs in over IMAP and sends over submission; other documents and refusals over curl.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

/// A loopback port free now. The documents publish the configured ports, so these tests cannot use port 0.
fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// A server whose https, imaps and submissions listeners are on fixed ports the documents can name.
fn server() -> TestServer {
    let (https, imaps, submissions) = (free_port(), free_port(), free_port());
    TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            for (name, address) in [("https", https), ("imaps", imaps), ("submissions", submissions)] {
                config.listeners.get_mut(name).unwrap().bind = vec![address];
            }
            config.http.mta_sts_mode = "enforce".to_owned();
        })
        .start()
}

/// `curl` over HTTPS (trusting the server's certificate for localhost), with `extra` arguments.
fn curl(server: &TestServer, path: &str) -> (String, String) {
    curl_with(server, path, &[])
}

fn curl_with(server: &TestServer, path: &str, extra: &[&str]) -> (String, String) {
    let url = format!("https://localhost:{}{path}", server.addr("https").port());
    let certificate = server.certificate();
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--cacert", certificate.to_str().unwrap(), "--write-out", "\n%{http_code}"])
        .args(extra)
        .arg(&url)
        .output()
        .expect("curl runs (Debian package curl)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap();
    (status.to_owned(), body.to_owned())
}

#[test]
fn a_client_configures_itself_from_autoconfig_then_reads_and_sends_mail() {
    let server = server();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/autoconfig_client.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--https-port", &server.addr("https").port().to_string()])
        .args(["--cafile", server.certificate().to_str().unwrap()])
        .args(["--address", ALICE, "--password", ALICE_PASSWORD])
        .output()
        .expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "autoconfig_client.py failed:\n{said}\n{}", server.log());
}

#[test]
fn documents_answer_for_our_domains_only_and_mta_sts_follows_the_config() {
    let server = server();
    let (status, body) = curl(&server, "/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=bob@example.test");
    assert_eq!(status, "200", "{body}");
    assert!(body.contains(&format!("<port>{}</port>", server.addr("imaps").port())), "{body}");
    let (status, _) = curl(&server, "/mail/config-v1.1.xml?emailaddress=eve@elsewhere.test");
    assert_eq!(status, "404", "an address outside our domains gets no configuration");
    // Senders fetch the policy from https://mta-sts.DOMAIN/ (RFC 8461 §3.3): the domain is in the Host header.
    let (status, body) = curl_with(&server, "/.well-known/mta-sts.txt", &["--header", "Host: mta-sts.example.test"]);
    assert_eq!(status, "200", "{body}");
    assert!(body.contains("mode: enforce"), "{body}");
    assert!(body.contains("mx: localhost"), "{body}");
}
