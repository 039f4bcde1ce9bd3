//! Outbound TLS policy between two real Facteur instances (issue 14): A (alice, example.test) sends to
//! bob@b.test, whose MX host mx.b.test is instance B, found through a private DNS server. B's certificate comes
//! from a test CA made here; B also serves b.test's MTA-STS policy over HTTPS itself. A trusts the test CA
//! through `[relay] tls_ca_file` (for MTA-STS), and TLSA records stand for DNSSEC-signed ones by carrying the
//! AD bit (DANE).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::dns::Dns;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

/// A test CA and the files of one certificate it issued (chain and key), in a temporary directory.
struct Certificates {
    dir: tempfile::TempDir,
    /// The SubjectPublicKeyInfo of the server's key, for TLSA records (selector 1).
    server_spki: Vec<u8>,
}

impl Certificates {
    /// A CA and a server certificate for `names`.
    fn issue(names: &[&str]) -> Certificates {
        let dir = tempfile::tempdir().unwrap();
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Facteur test CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let server_key = rcgen::KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let server = rcgen::CertificateParams::new(names).unwrap().signed_by(&server_key, &ca).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("chain.pem"), format!("{}{}", server.pem(), ca.pem())).unwrap();
        std::fs::write(dir.path().join("key.pem"), server_key.serialize_pem()).unwrap();
        Certificates { dir, server_spki: rcgen::PublicKeyData::subject_public_key_info(&server_key) }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// `3 1 1`: the SHA-256 of the server's public key (RFC 7671 §5.1).
    fn dane_ee_digest(&self) -> Vec<u8> {
        ring::digest::digest(&ring::digest::SHA256, &self.server_spki).as_ref().to_vec()
    }
}

/// b.test's MX is mx.b.test, and it and mta-sts.b.test are on loopback.
fn start_dns() -> Dns {
    let dns = Dns::start();
    let server = &dns.server;
    server.add_mx("b.test", 10, "mx.b.test");
    server.add_a("mx.b.test", Ipv4Addr::LOCALHOST);
    server.add_a("mta-sts.b.test", Ipv4Addr::LOCALHOST);
    dns
}

/// B: mx.b.test, with `certificates`, publishing an MTA-STS policy in `mode` for b.test.
fn instance_b(certificates: &Certificates, mode: &str) -> TestServer {
    let (chain, key, mode) = (certificates.path("chain.pem"), certificates.path("key.pem"), mode.to_owned());
    let b = TestServer::builder()
        .configure(move |config| {
            config.server.hostname = "mx.b.test".into();
            config.tls.certificate = chain;
            config.tls.private_key = key;
            config.http.mta_sts_mode = mode;
        })
        .start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "bob@b.test", "--password-stdin"], Some("bob's pw\n")).success());
    b
}

/// A: resolving through `dns`, reaching B's SMTP and HTTPS listeners on their test ports, trusting `ca` if any.
fn instance_a(dns: &Dns, b: &TestServer, ca: Option<&Path>) -> TestServer {
    let nameserver = dns.server.addr();
    let (mx_port, https_port) = (b.addr("smtp").port(), b.addr("https").port());
    let ca = ca.map(|path| path.to_string_lossy().into_owned()).unwrap_or_default();
    TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.dns.nameservers = vec![nameserver];
            config.relay.mx_port = mx_port;
            config.relay.mta_sts_port = https_port;
            config.relay.tls_ca_file = ca;
        })
        .start()
}

fn submit(server: &TestServer, to: &str, subject: &str) {
    let email = lettre::Message::builder()
        .from(ALICE.parse().unwrap())
        .to(to.parse().unwrap())
        .subject(subject)
        .body("Over a policy.\r\n".to_owned())
        .unwrap();
    server.submission(ALICE, ALICE_PASSWORD).send(email);
}

fn wait_for_messages(server: &TestServer, address: &str, count: usize) -> Vec<facteur_testkit::StoredMessage> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let messages = server.messages(address, "INBOX");
        if messages.len() >= count || Instant::now() > deadline {
            return messages;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits for the first attempt on the one queued message and returns what `facteur queue show` says of it.
fn deferred_and_shown(a: &TestServer) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let listing = loop {
        let listing = a.cli(&["queue", "list"], None).stdout;
        if listing.contains("attempts 1") || Instant::now() > deadline {
            break listing;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(listing.contains("bob@b.test  pending  attempts 1"), "{listing}\nA's log:\n{}", a.log());
    let id = listing.lines().next().and_then(|line| line.split_whitespace().next()).unwrap();
    let shown = a.cli(&["queue", "show", id], None);
    assert!(shown.success(), "{shown:?}");
    shown.stdout
}

#[test]
fn an_enforced_mta_sts_policy_defers_mail_to_an_mx_whose_certificate_does_not_match_and_says_why() {
    // The certificate is good for the policy host, not for the MX host.
    let certificates = Certificates::issue(&["mta-sts.b.test", "other.b.test"]);
    let b = instance_b(&certificates, "enforce");
    let dns = start_dns();
    dns.server.add_txt("_mta-sts.b.test", "v=STSv1; id=20261207a;");
    let a = instance_a(&dns, &b, Some(&certificates.path("ca.pem")));
    submit(&a, "bob@b.test", "refused by policy");
    let shown = deferred_and_shown(&a);
    assert!(shown.contains("MTA-STS policy of b.test (enforce)"), "{shown}");
    assert!(shown.contains("4.7.5 TLS handshake failed"), "{shown}");
    assert!(shown.contains("not valid for name"), "the certificate's trouble is named:\n{shown}");
    assert!(b.messages("bob@b.test", "INBOX").is_empty(), "delivered despite the policy");
}

#[test]
fn an_enforced_mta_sts_policy_delivers_over_a_certificate_that_verifies() {
    let certificates = Certificates::issue(&["mx.b.test", "mta-sts.b.test"]);
    let b = instance_b(&certificates, "enforce");
    let dns = start_dns();
    dns.server.add_txt("_mta-sts.b.test", "v=STSv1; id=20261207b;");
    let a = instance_a(&dns, &b, Some(&certificates.path("ca.pem")));
    submit(&a, "bob@b.test", "verified by policy");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
    assert!(a.log().contains("MTA-STS: policy fetched"), "{}", a.log());
}

#[test]
fn an_mx_not_named_by_an_enforced_policy_is_not_used() {
    let certificates = Certificates::issue(&["mx.b.test", "mta-sts.b.test", "mta-sts.c.test", "alias.b.test"]);
    let b = instance_b(&certificates, "enforce");
    let dns = start_dns();
    dns.server.add_txt("_mta-sts.b.test", "v=STSv1; id=20261207c;");
    // The policy names mx.b.test (B's hostname); the domain's only MX is another name for the same server.
    dns.server.add_mx("c.test", 10, "alias.b.test");
    dns.server.add_a("alias.b.test", Ipv4Addr::LOCALHOST);
    dns.server.add_txt("_mta-sts.c.test", "v=STSv1; id=1;");
    dns.server.add_a("mta-sts.c.test", Ipv4Addr::LOCALHOST);
    assert!(b.cli(&["domain", "add", "c.test"], None).success());
    assert!(b.cli(&["alias", "add", "bob@c.test", "bob@b.test"], None).success());
    let a = instance_a(&dns, &b, Some(&certificates.path("ca.pem")));
    submit(&a, "bob@c.test", "to an unnamed MX");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut listing = String::new();
    while !listing.contains("attempts 1") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        listing = a.cli(&["queue", "list"], None).stdout;
    }
    assert!(listing.contains("does not name the MX host alias.b.test"), "{listing}\nA's log:\n{}", a.log());
}

#[test]
fn matching_dane_tlsa_records_deliver_even_without_a_trusted_ca() {
    // No MTA-STS, and A does not trust the test CA: only DANE can vouch for B's certificate.
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    let tlsa_name = format!("_{}._tcp.mx.b.test", b.addr("smtp").port());
    dns.server.add_tlsa(&tlsa_name, 3, 1, 1, certificates.dane_ee_digest());
    // A PKIX-EE record (usage 1) that would not match is ignored (RFC 7672 §3.1.3).
    dns.server.add_tlsa(&tlsa_name, 1, 1, 1, vec![0; 32]);
    dns.server.authentic(&tlsa_name);
    let a = instance_a(&dns, &b, None);
    submit(&a, "bob@b.test", "vouched for by DANE");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
}

#[test]
fn a_dane_tlsa_record_that_does_not_match_defers_the_message() {
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    let tlsa_name = format!("_{}._tcp.mx.b.test", b.addr("smtp").port());
    dns.server.add_tlsa(&tlsa_name, 3, 1, 1, vec![0xab; 32]);
    dns.server.authentic(&tlsa_name);
    let a = instance_a(&dns, &b, None);
    submit(&a, "bob@b.test", "refused by DANE");
    let shown = deferred_and_shown(&a);
    assert!(shown.contains("DANE TLSA records of mx.b.test"), "{shown}");
    assert!(shown.contains("no TLSA record matches"), "{shown}");
    assert!(b.messages("bob@b.test", "INBOX").is_empty(), "delivered despite DANE");
}

#[test]
fn tlsa_records_without_the_ad_bit_are_ignored() {
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    let tlsa_name = format!("_{}._tcp.mx.b.test", b.addr("smtp").port());
    // Not DNSSEC-authenticated: an attacker could have written it, so it neither helps nor hurts.
    dns.server.add_tlsa(&tlsa_name, 3, 1, 1, vec![0xab; 32]);
    let a = instance_a(&dns, &b, None);
    submit(&a, "bob@b.test", "opportunistic after all");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
}

/// The TLS-RPT report in `message` (RFC 8460 §5.3), read by Python's email, gzip and json modules.
fn tls_report_json(message: &[u8]) -> serde_json::Value {
    use std::io::Write;
    const READER: &str = "import sys, email, email.policy, gzip, json\n\
        m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)\n\
        assert m.get_content_type() == 'multipart/report', m.get_content_type()\n\
        assert m.get_param('report-type') == 'tlsrpt', m.get_param('report-type')\n\
        parts = [p for p in m.walk() if p.get_content_type() == 'application/tlsrpt+gzip']\n\
        assert len(parts) == 1, 'one report attachment'\n\
        print(json.dumps(json.loads(gzip.decompress(parts[0].get_payload(decode=True)))))\n";
    let mut python = std::process::Command::new("python3")
        .args(["-c", READER])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    python.stdin.take().unwrap().write_all(message).unwrap();
    let output = python.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_tls_report_of_the_sessions_is_sent_to_the_domain_and_reads_as_rfc_8460_json() {
    let certificates = Certificates::issue(&["mx.b.test", "mta-sts.b.test"]);
    let b = instance_b(&certificates, "enforce");
    assert!(b.cli(&["account", "add", "tls-reports@b.test", "--password-stdin"], Some("reports pw\n")).success());
    let dns = start_dns();
    dns.server.add_txt("_mta-sts.b.test", "v=STSv1; id=20261207d;");
    dns.server.add_txt("_smtp._tls.b.test", "v=TLSRPTv1; rua=mailto:tls-reports@b.test,https://tlsrpt.b.test/v1");
    // The preferred MX is not named by the policy: a failure to report, before the success with mx.b.test.
    dns.server.add_mx("b.test", 5, "unnamed.b.test");
    dns.server.add_a("unnamed.b.test", Ipv4Addr::LOCALHOST);
    let a = instance_a(&dns, &b, Some(&certificates.path("ca.pem")));
    submit(&a, "bob@b.test", "counted for the report");
    assert_eq!(wait_for_messages(&b, "bob@b.test", 1).len(), 1, "A's log:\n{}", a.log());

    let sent = a.cli(&["tls-report", "send"], None);
    assert!(sent.success() && sent.stdout.contains("1 TLS report(s) queued"), "{sent:?}\nA's log:\n{}", a.log());
    let reports = wait_for_messages(&b, "tls-reports@b.test", 1);
    assert_eq!(reports.len(), 1, "no report arrived; A's log:\n{}", a.log());
    let report = tls_report_json(&reports[0].bytes);
    assert_eq!(report["organization-name"], "localhost", "{report}");
    assert!(report["report-id"].as_str().unwrap().contains("b.test"), "{report}");
    let start = report["date-range"]["start-datetime"].as_str().unwrap();
    let end = report["date-range"]["end-datetime"].as_str().unwrap();
    assert!(start.ends_with("T00:00:00Z") && end.ends_with("T23:59:59Z") && start[..10] == end[..10], "{report}");
    let policies = report["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 1, "{report}");
    let policy = &policies[0];
    assert_eq!(policy["policy"]["policy-type"], "sts", "{report}");
    assert_eq!(policy["policy"]["policy-domain"], "b.test", "{report}");
    assert!(policy["policy"]["policy-string"].as_array().unwrap().contains(&"mode: enforce".into()), "{report}");
    assert_eq!(policy["summary"]["total-successful-session-count"], 1, "{report}");
    assert_eq!(policy["summary"]["total-failure-session-count"], 1, "{report}");
    let failure = &policy["failure-details"][0];
    assert_eq!(failure["result-type"], "validation-failure", "{report}");
    assert_eq!(failure["receiving-mx-hostname"], "unnamed.b.test", "{report}");
    assert_eq!(failure["failed-session-count"], 1, "{report}");
}

#[test]
fn a_failed_tlsa_lookup_for_a_secure_mx_host_defers_the_message() {
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    // The MX host's address is DNSSEC-secure, so its TLSA records matter; their lookup fails (as for bogus data).
    dns.server.authentic("mx.b.test");
    dns.server.fail(&format!("_{}._tcp.mx.b.test", b.addr("smtp").port()));
    let a = instance_a(&dns, &b, None);
    submit(&a, "bob@b.test", "waits for DNSSEC");
    let shown = deferred_and_shown(&a);
    assert!(shown.contains("DANE: the TLSA lookup for mx.b.test failed"), "{shown}");
    assert!(b.messages("bob@b.test", "INBOX").is_empty(), "delivered without knowing the TLSA records");
}

#[test]
fn a_failed_tlsa_lookup_for_an_insecure_mx_host_does_not_stop_the_mail() {
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    // Unsigned zones whose servers answer SERVFAIL to TLSA queries: DANE does not apply (RFC 7672 §2.2.2).
    dns.server.fail(&format!("_{}._tcp.mx.b.test", b.addr("smtp").port()));
    let a = instance_a(&dns, &b, None);
    submit(&a, "bob@b.test", "insecure, so opportunistic");
    assert_eq!(wait_for_messages(&b, "bob@b.test", 1).len(), 1, "bob got nothing; A's log:\n{}", a.log());
}

#[test]
fn tls_required_no_lets_a_message_through_a_failing_dane_policy() {
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    let tlsa_name = format!("_{}._tcp.mx.b.test", b.addr("smtp").port());
    dns.server.add_tlsa(&tlsa_name, 3, 1, 1, vec![0xab; 32]);
    dns.server.authentic(&tlsa_name);
    let a = instance_a(&dns, &b, None);
    // RFC 8689 §3: the sender prefers delivery to the recipient domain's TLS policy.
    let tls_optional = lettre::message::header::HeaderValue::new(
        lettre::message::header::HeaderName::new_from_ascii_str("TLS-Required"),
        "No".to_owned(),
    );
    let email = lettre::Message::builder()
        .from(ALICE.parse().unwrap())
        .to("bob@b.test".parse().unwrap())
        .subject("deliver anyway")
        .raw_header(tls_optional)
        .body("Not secret.\r\n".to_owned())
        .unwrap();
    a.submission(ALICE, ALICE_PASSWORD).send(email);
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
}

#[test]
fn a_testing_mta_sts_policy_delivers_despite_a_mismatching_certificate_and_reports_it() {
    let certificates = Certificates::issue(&["mta-sts.b.test", "other.b.test"]);
    let b = instance_b(&certificates, "testing");
    assert!(b.cli(&["account", "add", "tls-reports@b.test", "--password-stdin"], Some("reports pw\n")).success());
    let dns = start_dns();
    dns.server.add_txt("_mta-sts.b.test", "v=STSv1; id=20261207e;");
    dns.server.add_txt("_smtp._tls.b.test", "v=TLSRPTv1; rua=mailto:tls-reports@b.test");
    let a = instance_a(&dns, &b, Some(&certificates.path("ca.pem")));
    submit(&a, "bob@b.test", "delivered in testing mode");
    assert_eq!(wait_for_messages(&b, "bob@b.test", 1).len(), 1, "A's log:\n{}", a.log());

    assert!(a.cli(&["tls-report", "send"], None).success());
    let reports = wait_for_messages(&b, "tls-reports@b.test", 1);
    assert_eq!(reports.len(), 1, "no report arrived; A's log:\n{}", a.log());
    let report = tls_report_json(&reports[0].bytes);
    let policy = &report["policies"][0];
    assert!(policy["policy"]["policy-string"].as_array().unwrap().contains(&"mode: testing".into()), "{report}");
    assert_eq!(policy["summary"]["total-failure-session-count"], 1, "{report}");
    assert_eq!(policy["failure-details"][0]["result-type"], "certificate-host-mismatch", "{report}");
    assert_eq!(policy["failure-details"][0]["receiving-mx-hostname"], "mx.b.test", "{report}");
}

/// Submits a message to `server` over STARTTLS with Python's smtplib, with `MAIL FROM:<…> REQUIRETLS`.
fn submit_requiring_tls(server: &TestServer, to: &str, subject: &str) {
    const SCRIPT: &str = r#"
import smtplib, ssl, sys
port, user, password, to, subject, cafile = sys.argv[1:]
context = ssl.create_default_context(cafile=cafile)
with smtplib.SMTP("localhost", int(port)) as client:
    client.starttls(context=context)
    client.login(user, password)
    body = f"From: {user}\r\nTo: {to}\r\nSubject: {subject}\r\n\r\nOnly over verified TLS.\r\n"
    client.sendmail(user, [to], body, mail_options=["REQUIRETLS"])
"#;
    let port = server.addr("submission").port().to_string();
    let certificate = server.certificate();
    let args = [SCRIPT, &port, ALICE, ALICE_PASSWORD, to, subject, certificate.to_str().unwrap()];
    let output = std::process::Command::new("python3").arg("-c").args(args).output().unwrap();
    assert!(output.status.success(), "smtplib: {}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_requiretls_message_goes_over_dane_to_a_server_that_offers_requiretls() {
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    let tlsa_name = format!("_{}._tcp.mx.b.test", b.addr("smtp").port());
    dns.server.add_tlsa(&tlsa_name, 3, 1, 1, certificates.dane_ee_digest());
    dns.server.authentic(&tlsa_name);
    let a = instance_a(&dns, &b, None);
    submit_requiring_tls(&a, "bob@b.test", "REQUIRETLS over DANE");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
}

#[test]
fn a_requiretls_message_to_a_domain_without_a_verified_policy_is_returned_to_its_sender() {
    let certificates = Certificates::issue(&["mx.b.test"]);
    let b = instance_b(&certificates, "none");
    let dns = start_dns();
    let a = instance_a(&dns, &b, None);
    submit_requiring_tls(&a, "bob@b.test", "REQUIRETLS without a policy");
    let bounces = wait_for_messages(&a, ALICE, 1);
    assert_eq!(bounces.len(), 1, "no report to alice; A's log:\n{}", a.log());
    let report = String::from_utf8_lossy(&bounces[0].bytes);
    assert!(report.contains("Status: 5.7.10") && report.contains("REQUIRETLS"), "{report}");
    assert!(b.messages("bob@b.test", "INBOX").is_empty(), "sent without verified TLS");
}
