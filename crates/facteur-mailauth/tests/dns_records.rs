//! `dns_records` output is a zone file an independent parser (dnspython) reads back record for record.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::{python_with, script};
use facteur_mailauth::{Algorithm, CaaIssuer, KeyStore, MtaStsPublication, RecordFacts, ServicePorts, dns_records};
use std::io::Write;
use std::process::{Command, Stdio};

fn facts(store: &KeyStore, hostname: &str) -> RecordFacts {
    RecordFacts {
        domain: "example.test".to_string(),
        hostname: hostname.to_string(),
        ipv4: Some("192.0.2.10".parse().unwrap()),
        ipv6: None,
        dkim: store.dns_txt("example.test").unwrap(),
        ports: ServicePorts { pop3: None, ..ServicePorts::with_base(0) },
        mta_sts_id: "20261123T000000".to_string(),
        mta_sts: MtaStsPublication::Enforce,
        tlsa_sha256: Some([0xab; 32]),
        caa: Some(CaaIssuer {
            issuer: "letsencrypt.org".to_owned(),
            account_uri: Some("https://acme-v02.api.letsencrypt.org/acme/acct/12345".to_owned()),
            validation_method: "tls-alpn-01".to_owned(),
        }),
    }
}

#[test]
fn the_caa_record_names_the_ca_the_account_and_the_method() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    store.generate("example.test", Algorithm::Ed25519).unwrap();
    let zone = dns_records(&facts(&store, "mail.example.test"));
    let expected = "@ IN CAA 0 issue \"letsencrypt.org; \
                    accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/12345; validationmethods=tls-alpn-01\"";
    assert!(zone.lines().any(|line| line.split_whitespace().eq(expected.split_whitespace())), "{zone}");
    let without = dns_records(&RecordFacts { caa: None, ..facts(&store, "mail.example.test") });
    assert!(!without.contains("CAA"), "{without}");
}

#[test]
fn the_mta_sts_comment_follows_the_mode_served_and_off_publishes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    store.generate("example.test", Algorithm::Ed25519).unwrap();
    let zone = |mode| dns_records(&RecordFacts { mta_sts: mode, ..facts(&store, "mail.example.test") });
    assert!(zone(MtaStsPublication::Enforce).contains("MTA-STS, senders must deliver over TLS verified"));
    let testing = zone(MtaStsPublication::Testing);
    assert!(testing.contains("mode testing: senders report TLS failures but still deliver"), "{testing}");
    assert!(testing.contains("_mta-sts IN TXT"));
    let off = zone(MtaStsPublication::Off);
    assert!(!off.contains("_mta-sts IN") && !off.contains("\nmta-sts IN"), "{off}");
    assert!(off.contains("MTA-STS is off"));
}

#[test]
fn reverse_dns_is_explained_with_the_ptr_names_of_the_known_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    store.generate("example.test", Algorithm::Ed25519).unwrap();
    let ipv6 = Some("2001:db8::1".parse().unwrap());
    let zone = dns_records(&RecordFacts { ipv6, ..facts(&store, "mail.example.test") });
    assert!(zone.contains("; Reverse DNS: the PTR record of each address"), "{zone}");
    assert!(zone.contains("; 10.2.0.192.in-addr.arpa. IN PTR mail.example.test."), "{zone}");
    let nibbles = "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
    assert!(zone.contains(&format!("; {nibbles} IN PTR mail.example.test.")), "{zone}");
}

fn parse_with_dnspython(python: &std::path::Path, zone: &str) -> Vec<String> {
    let mut child = Command::new(python)
        .arg(script("parse_zone.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(zone.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "dnspython refused:\n{}\n{zone}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().map(String::from).collect()
}

#[test]
fn every_record_is_commented() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    store.generate("example.test", Algorithm::Ed25519).unwrap();
    let zone = dns_records(&facts(&store, "mail.example.test"));
    let lines: Vec<&str> = zone.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let is_record = !line.is_empty() && !line.starts_with(';') && !line.starts_with('$') && !line.starts_with('\t');
        if is_record {
            assert!(
                lines[..index].iter().rev().find(|l| !l.starts_with('$')).is_some_and(|l| l.starts_with(';')),
                "{line}"
            );
        }
    }
}

#[test]
fn output_parses_as_a_zone_file_with_every_record() {
    let Some(python) = python_with(&["dns.zone"]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    store.generate("example.test", Algorithm::Rsa2048).unwrap();
    store.generate("example.test", Algorithm::Ed25519).unwrap();
    let facts = facts(&store, "mail.example.test");
    let records = parse_with_dnspython(&python, &dns_records(&facts));
    let has = |expected: &str| {
        assert!(records.iter().any(|record| record == expected), "missing {expected:?} in {records:#?}");
    };

    has("example.test. 3600 MX 10 mail.example.test.");
    has("mail.example.test. 3600 A 192.0.2.10");
    has("example.test. 3600 TXT v=spf1 mx -all|1");
    has("_dmarc.example.test. 3600 TXT v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test|1");
    has("_submissions._tcp.example.test. 3600 SRV 0 1 465 mail.example.test.");
    has("_submission._tcp.example.test. 3600 SRV 10 1 587 mail.example.test.");
    has("_imaps._tcp.example.test. 3600 SRV 0 1 993 mail.example.test.");
    has("_imap._tcp.example.test. 3600 SRV 10 1 143 mail.example.test.");
    has("_pop3s._tcp.example.test. 3600 SRV 20 1 995 mail.example.test.");
    has("_pop3._tcp.example.test. 3600 SRV 0 0 0 .");
    has("_sieve._tcp.example.test. 3600 SRV 0 1 4190 mail.example.test.");
    has("autoconfig.example.test. 3600 CNAME mail.example.test.");
    has("autodiscover.example.test. 3600 CNAME mail.example.test.");
    has("_mta-sts.example.test. 3600 TXT v=STSv1; id=20261123T000000|1");
    has("_smtp._tls.example.test. 3600 TXT v=TLSRPTv1; rua=mailto:postmaster@example.test|1");
    has(
        "example.test. 3600 CAA 0 issue \"letsencrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/12345; validationmethods=tls-alpn-01\"",
    );
    has(&format!("_25._tcp.mail.example.test. 3600 TLSA 3 1 1 {}", "ab".repeat(32)));
    // The 2048-bit RSA key is longer than one TXT string: split, and rejoined intact.
    let (rsa_selector, rsa_txt) = &facts.dkim[0];
    assert!(rsa_txt.len() > 255);
    has(&format!("{rsa_selector}._domainkey.example.test. 3600 TXT {rsa_txt}|2"));
    let (ed_selector, ed_txt) = &facts.dkim[1];
    has(&format!("{ed_selector}._domainkey.example.test. 3600 TXT {ed_txt}|1"));
    assert!(records.iter().all(|record| !record.contains(" AAAA ")), "no IPv6 address was given");
}

#[test]
fn host_outside_the_domain_gets_a_commented_hint_and_still_parses() {
    let Some(python) = python_with(&["dns.zone"]) else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    let zone = dns_records(&facts(&store, "mx.hosting.example"));
    assert!(zone.contains("; mx.hosting.example. IN A 192.0.2.10"), "{zone}");
    let records = parse_with_dnspython(&python, &zone);
    assert!(records.iter().any(|record| record == "example.test. 3600 MX 10 mx.hosting.example."));
}
