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
            config.http.metrics_bind = vec!["127.0.0.1:0".parse().unwrap()];
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

/// The value of the sample `name{labels}` in a Prometheus text exposition, 0 when absent.
fn sample(exposition: &str, series: &str) -> f64 {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
        .unwrap_or(0.0)
}

fn scrape(server: &TestServer) -> String {
    let url = format!("http://{}/metrics", server.addr("metrics"));
    let output = Command::new("curl").args(["--silent", "--fail", &url]).output().expect("curl runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// One message to alice over the MX listener, in plain SMTP.
fn send_over_mx(server: &TestServer) {
    use std::io::{BufRead, BufReader, Write};
    let stream = std::net::TcpStream::connect(server.addr("smtp")).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut reply = || {
        let mut code = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.as_bytes().get(3) != Some(&b'-') {
                code.push_str(&line[..3]);
                return code;
            }
        }
    };
    assert_eq!(reply(), "220");
    for (command, expected) in [
        ("EHLO client.remote.test\r\n", "250"),
        ("MAIL FROM:<someone@remote.test>\r\n", "250"),
        ("RCPT TO:<alice@example.test>\r\n", "250"),
        ("DATA\r\n", "354"),
        ("Subject: counted\r\n\r\nhello\r\n.\r\n", "250"),
        ("QUIT\r\n", "221"),
    ] {
        writer.write_all(command.as_bytes()).unwrap();
        assert_eq!(reply(), expected, "after {command:?}");
    }
}

#[test]
fn metrics_count_accepted_messages_and_failed_logins() {
    let server = server();
    let before = scrape(&server);
    send_over_mx(&server);
    let login = format!(
        "import imaplib, ssl\n\
         c = imaplib.IMAP4_SSL('localhost', {port}, ssl_context=ssl.create_default_context(cafile='{ca}'))\n\
         try:\n    c.login('alice@example.test', 'wrong password')\nexcept imaplib.IMAP4.error:\n    pass\n",
        port = server.addr("imaps").port(),
        ca = server.certificate().display()
    );
    let failed = Command::new("python3").args(["-c", &login]).output().expect("python3 runs");
    assert!(failed.status.success(), "{failed:?}");
    let after = scrape(&server);
    let accepted = "facteur_messages_accepted_total{protocol=\"smtp\"}";
    let failures = "facteur_auth_failures_total{protocol=\"imap\"}";
    assert_eq!(sample(&after, accepted) - sample(&before, accepted), 1.0, "{after}");
    assert_eq!(sample(&after, failures) - sample(&before, failures), 1.0, "{after}");
}
