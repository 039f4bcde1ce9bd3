//! Sender authentication in the real binary: SPF, DKIM and DMARC on mail arriving at the MX listener, with the
//! records served by an in-process DNS server (`[dns] nameservers`); DKIM signing on submission, verified by a
//! second instance; `facteur dkim` and `facteur dns-records`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use facteur_mailauth::KeyStore;
use facteur_testkit::{CliOutput, StoredMessage, TestServer};

const CAROL: &str = "carol@example.test";
const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
/// Our host name in tests, hence the authserv-id of every `Authentication-Results` we write.
const AUTHSERV_ID: &str = "localhost";
/// An address that is not the test client's (127.0.0.1): SPF records authorising only it fail.
const ELSEWHERE: &str = "ip4:192.0.2.1";

mod common;

use common::dns::Dns;

/// Records of the senders' domains.
trait SenderDomains {
    /// SPF authorising `mechanism`, and optionally a DMARC record, for `domain`.
    fn sender_domain(&self, domain: &str, mechanism: &str, dmarc: Option<&str>);
}

impl SenderDomains for Dns {
    fn sender_domain(&self, domain: &str, mechanism: &str, dmarc: Option<&str>) {
        self.server.add_txt(domain, &format!("v=spf1 {mechanism} -all"));
        if let Some(dmarc) = dmarc {
            self.server.add_txt(&format!("_dmarc.{domain}"), dmarc);
        }
    }
}

/// A server checking inbound mail against `dns`, with the account carol@example.test.
fn checking_server(dns: &Dns) -> TestServer {
    let nameserver = dns.server.addr();
    TestServer::builder()
        .account(CAROL, "carol's passphrase")
        .configure(move |config| {
            config.mail_auth.verify_inbound = true;
            config.dns.nameservers = vec![nameserver];
        })
        .start()
}

/// A plain SMTP client, to send exactly the envelope and bytes a test needs.
struct Smtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Smtp {
    fn connect(address: SocketAddr) -> Smtp {
        let stream = TcpStream::connect(address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut client = Smtp { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream };
        assert!(client.reply().starts_with("220"));
        client
    }

    /// The last line of the next (possibly multi-line) reply.
    fn reply(&mut self) -> String {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return line.trim_end().to_owned();
            }
        }
    }

    fn command(&mut self, line: &str) -> String {
        self.writer.write_all(format!("{line}\r\n").as_bytes()).unwrap();
        self.reply()
    }
}

/// Sends `message` from `from` to `to` over the MX listener; the reply to the end of DATA (or to the first
/// command refused before it).
fn send(server: &TestServer, from: &str, to: &str, message: &str) -> String {
    let mut smtp = Smtp::connect(server.addr("smtp"));
    assert!(smtp.command("EHLO client.sender.test").starts_with("250"));
    for command in [format!("MAIL FROM:<{from}>"), format!("RCPT TO:<{to}>")] {
        let reply = smtp.command(&command);
        if !reply.starts_with("250") {
            return reply;
        }
    }
    assert!(smtp.command("DATA").starts_with("354"));
    smtp.writer.write_all(message.as_bytes()).unwrap();
    let reply = smtp.command(".");
    smtp.command("QUIT");
    reply
}

fn message(from: &str, extra_headers: &str) -> String {
    format!(
        "{extra_headers}From: <{from}>\r\nTo: <{CAROL}>\r\nSubject: authenticated?\r\n\
         Message-ID: <auth-1@sender.test>\r\n\r\nHello.\r\n"
    )
}

fn text(message: &StoredMessage) -> String {
    String::from_utf8_lossy(&message.bytes).into_owned()
}

#[test]
fn failing_dmarc_with_p_reject_is_refused_at_data_and_nothing_is_stored() {
    let dns = Dns::start();
    dns.sender_domain("bank.test", ELSEWHERE, Some("v=DMARC1; p=reject"));
    let server = checking_server(&dns);
    let reply = send(&server, "ceo@bank.test", CAROL, &message("ceo@bank.test", ""));
    assert!(reply.starts_with("550 5.7.1 "), "{reply}");
    assert!(reply.contains("bank.test"), "the reply names the domain: {reply}");
    assert!(server.messages(CAROL, "INBOX").is_empty());
    assert!(server.messages(CAROL, "Junk").is_empty());
    assert!(server.log().contains("sender authentication verdict"), "one log line per verdict");
}

#[test]
fn failing_dmarc_with_p_quarantine_is_delivered_to_junk() {
    let dns = Dns::start();
    dns.sender_domain("shop.test", ELSEWHERE, Some("v=DMARC1; p=quarantine"));
    let server = checking_server(&dns);
    let reply = send(&server, "offers@shop.test", CAROL, &message("offers@shop.test", ""));
    assert!(reply.starts_with("250 "), "{reply}");
    assert!(server.messages(CAROL, "INBOX").is_empty(), "not in the inbox");
    let junk = server.messages(CAROL, "Junk");
    assert_eq!(junk.len(), 1);
    assert!(text(&junk[0]).contains("dmarc=fail header.from=shop.test"), "{}", text(&junk[0]));
}

#[test]
fn dns_failures_defer_the_message_with_451() {
    let dns = Dns::start();
    dns.server.fail("broken.test");
    dns.sender_domain("flaky.test", "ip4:127.0.0.1", None);
    dns.server.fail("_dmarc.flaky.test");
    let server = checking_server(&dns);

    let spf = send(&server, "a@broken.test", CAROL, &message("a@broken.test", ""));
    assert!(spf.starts_with("451 4.7.24 "), "SPF temperror: {spf}");
    let dmarc = send(&server, "a@flaky.test", CAROL, &message("a@flaky.test", ""));
    assert!(dmarc.starts_with("451 4.7.0 "), "DMARC temperror: {dmarc}");
    assert!(server.messages(CAROL, "INBOX").is_empty());
}

/// Return-Path first (RFC 5321 §4.4), then our spam verdict, then our results above our Received (RFC 8601 §5).
#[test]
fn a_passing_message_carries_our_exact_authentication_results_above_received() {
    let dns = Dns::start();
    dns.sender_domain("good.test", "ip4:127.0.0.1", Some("v=DMARC1; p=reject"));
    let server = checking_server(&dns);
    let reply = send(&server, "alice@good.test", CAROL, &message("alice@good.test", ""));
    assert!(reply.starts_with("250 "), "{reply}");
    let inbox = server.messages(CAROL, "INBOX");
    assert_eq!(inbox.len(), 1);
    let expected = format!(
        "Return-Path: <alice@good.test>\r\n\
         X-Spam-Status: No, score=1.0 required=5.0\r\n\
         \ttests=MISSING_DATE\r\n\
         X-Spam-Reasons: {AUTHSERV_ID};\r\n\
         \tMISSING_DATE=+1.0 (no Date: field)\r\n\
         Authentication-Results: {AUTHSERV_ID};\r\n\
         \tspf=pass smtp.mailfrom=alice@good.test;\r\n\
         \tdkim=none;\r\n\
         \tdmarc=pass header.from=good.test;\r\n\
         \tarc=none\r\n\
         Received: from client.sender.test "
    );
    let stored = text(&inbox[0]);
    assert!(stored.starts_with(&expected), "{stored}");
}

#[test]
fn forged_results_claiming_our_name_are_removed_and_others_kept() {
    let dns = Dns::start();
    dns.sender_domain("good.test", "ip4:127.0.0.1", None);
    let forged = format!(
        "Authentication-Results: {AUTHSERV_ID}; dkim=pass header.d=bank.test\r\n\
         Authentication-Results: mx.other.test; spf=pass smtp.mailfrom=alice@good.test\r\n"
    );
    let server = checking_server(&dns);
    let reply = send(&server, "alice@good.test", CAROL, &message("alice@good.test", &forged));
    assert!(reply.starts_with("250 "), "{reply}");
    let stored = text(&server.messages(CAROL, "INBOX")[0]);
    assert!(!stored.contains("header.d=bank.test"), "the forged field is gone:\n{stored}");
    assert!(stored.contains("Authentication-Results: mx.other.test;"), "another host's field stays:\n{stored}");
    assert_eq!(stored.matches(&format!("Authentication-Results: {AUTHSERV_ID};")).count(), 1, "{stored}");
}

fn submit(server: &TestServer, to: &str) {
    let email = lettre::Message::builder()
        .from(ALICE.parse().unwrap())
        .to(to.parse().unwrap())
        .subject("signed by A")
        .body("Verify me.\r\n".to_owned())
        .unwrap();
    server.submission(ALICE, ALICE_PASSWORD).send(email);
}

#[test]
fn mail_signed_by_one_instance_passes_spf_dkim_and_dmarc_at_the_other() {
    let dns = Dns::start();
    let nameserver = dns.server.addr();
    let b = TestServer::builder()
        .configure(move |config| {
            config.mail_auth.verify_inbound = true;
            config.dns.nameservers = vec![nameserver];
        })
        .start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "bob@b.test", "--password-stdin"], Some("bob's pw\n")).success());
    let route = b.addr("smtp").to_string();
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), route);
            config.dns.nameservers = vec![nameserver];
        })
        .start();
    // What A's operator would publish for example.test: its DKIM key, SPF for the sending address, DMARC.
    let a_keys = KeyStore::new(a.data_dir().join("dkim"));
    let published = a_keys.dns_txt("example.test").unwrap();
    assert_eq!(published.len(), 1, "init made one RSA key");
    let selector = published[0].0.to_string();
    dns.server.add_txt(&format!("{selector}._domainkey.example.test"), &published[0].1);
    dns.sender_domain("example.test", "ip4:127.0.0.1", Some("v=DMARC1; p=reject"));

    submit(&a, "bob@b.test");
    let deadline = Instant::now() + Duration::from_secs(30);
    let received = loop {
        let messages = b.messages("bob@b.test", "INBOX");
        if !messages.is_empty() || Instant::now() > deadline {
            break messages;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}\nB's log:\n{}", a.log(), b.log());
    let stored = text(&received[0]);
    assert!(stored.contains("spf=pass smtp.mailfrom=alice@example.test;"), "{stored}");
    assert!(stored.contains(&format!("dkim=pass header.d=example.test header.s={selector};")), "{stored}");
    assert!(stored.contains("dmarc=pass header.from=example.test;"), "{stored}");
    assert!(stored.contains("DKIM-Signature: "), "{stored}");
}

fn facteur(data_dir: &Path, args: &[&str]) -> CliOutput {
    let output = facteur_testkit::cli::run(data_dir, args, None);
    eprintln!("facteur {args:?} -> {:?}\n{}{}", output.code, output.stdout, output.stderr);
    output
}

/// A data directory made by `facteur init`, not served.
fn initialised(tmp: &tempfile::TempDir) -> std::path::PathBuf {
    let dir = tmp.path().join("data");
    let args = ["init", "--domain", "example.test", "--hostname", "mail.example.test", "--port-base", "20000"];
    assert!(facteur(&dir, &args).success());
    dir
}

/// `facteur dkim list` as (selector, algorithm, state) for `domain`.
fn key_list(dir: &Path, domain: &str) -> Vec<(String, String, String)> {
    let listed = facteur(dir, &["dkim", "list", domain]);
    assert!(listed.success());
    listed
        .stdout
        .lines()
        .filter_map(|line| match line.split_whitespace().collect::<Vec<_>>()[..] {
            [listed_domain, selector, algorithm, state] if listed_domain == domain => {
                Some((selector.to_owned(), algorithm.to_owned(), state.to_owned()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn init_makes_an_rsa_key_and_rotate_and_retire_manage_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = initialised(&tmp);
    let first = key_list(&dir, "example.test");
    assert_eq!(first.len(), 1);
    let (old, algorithm, state) = first[0].clone();
    assert!(old.starts_with('f'), "dated selector: {old}");
    assert_eq!((algorithm.as_str(), state.as_str()), ("rsa", "active"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.join("dkim/example.test")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "key directory is private");

    let rotated = facteur(&dir, &["dkim", "rotate", "example.test"]);
    assert!(rotated.success());
    // In zone-file syntax, split in strings of at most 255 bytes.
    assert!(rotated.stdout.contains("._domainkey.example.test. IN TXT ( \"v=DKIM1; k=rsa; p="), "{}", rotated.stdout);
    let after = key_list(&dir, "example.test");
    assert_eq!(after.len(), 2);
    assert!(after.contains(&(old.clone(), "rsa".into(), "published".into())), "{after:?}");
    let new = after.iter().find(|key| key.2 == "active").unwrap().0.clone();
    assert_ne!(new, old);

    let active = facteur(&dir, &["dkim", "retire", "example.test", &new]);
    assert_eq!(active.code, Some(2), "the active key cannot be retired");
    assert!(facteur(&dir, &["dkim", "retire", "example.test", &old]).success());
    assert_eq!(key_list(&dir, "example.test"), vec![(new, "rsa".into(), "active".into())]);
    assert_eq!(facteur(&dir, &["dkim", "retire", "example.test", &old]).code, Some(2), "unknown selector");
    assert_eq!(facteur(&dir, &["dkim", "rotate", "unknown.test"]).code, Some(2), "not our domain");
}

#[test]
fn domain_add_makes_keys_with_an_ed25519_one_when_configured() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = initialised(&tmp);
    let config_path = dir.join(facteur_config::CONFIG_FILE);
    let mut config = facteur_config::load(&config_path).unwrap();
    config.mail_auth.ed25519_signature = true;
    std::fs::write(&config_path, facteur_config::template::render(&config)).unwrap();

    let added = facteur(&dir, &["domain", "add", "b.test"]);
    assert!(added.success());
    assert!(added.stdout.contains("k=ed25519"), "{}", added.stdout);
    let mut algorithms: Vec<String> = key_list(&dir, "b.test").into_iter().map(|key| key.1).collect();
    algorithms.sort();
    assert_eq!(algorithms, ["ed25519", "rsa"]);
}

#[test]
fn dns_records_lists_what_to_publish_as_a_valid_zone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = initialised(&tmp);
    let printed = facteur(&dir, &["dns-records", "example.test"]);
    assert!(printed.success());
    let zone = printed.stdout;
    assert_eq!(facteur(&dir, &["dns-records", "unknown.test"]).code, Some(2));

    let selector = key_list(&dir, "example.test")[0].0.clone();
    let (_, txt) = KeyStore::new(dir.join("dkim")).dns_txt("example.test").unwrap().remove(0);
    let Some(python) = python_with_dnspython() else {
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../facteur-mailauth/tests/parse_zone.py");
    let mut parser = std::process::Command::new(python)
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    parser.stdin.take().unwrap().write_all(zone.as_bytes()).unwrap();
    let output = parser.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "dnspython refused the zone: {stderr}\n{zone}");
    let records = String::from_utf8_lossy(&output.stdout).into_owned();
    let expected = [
        "example.test. 3600 MX 10 mail.example.test.".to_owned(),
        format!("{selector}._domainkey.example.test. 3600 TXT {txt}|"),
        "_submissions._tcp.example.test. 3600 SRV 0 1 20465 mail.example.test.".to_owned(),
        "_imaps._tcp.example.test. 3600 SRV 0 1 20993 mail.example.test.".to_owned(),
        "_dmarc.example.test. 3600 TXT v=DMARC1;".to_owned(),
    ];
    for record in expected {
        assert!(records.contains(&record), "missing {record:?} in:\n{records}");
    }
}

/// A Python that imports dnspython: `$FACTEUR_PYTHON`, `python3`, then Debian's (where `.ci/run` installs
/// python3-dnspython). None, with a notice, when there is none, except under CI, where that fails.
fn python_with_dnspython() -> Option<std::path::PathBuf> {
    let candidates = std::env::var_os("FACTEUR_PYTHON")
        .map(std::path::PathBuf::from)
        .into_iter()
        .chain(["python3", "/usr/bin/python3"].map(std::path::PathBuf::from));
    for candidate in candidates {
        let imports = std::process::Command::new(&candidate).args(["-c", "import dns.zone"]).output();
        if imports.is_ok_and(|output| output.status.success()) {
            return Some(candidate);
        }
    }
    assert!(std::env::var_os("CI").is_none(), "no python3 with dnspython (apt-get install python3-dnspython)");
    eprintln!("SKIPPED: no python3 with dnspython");
    None
}
