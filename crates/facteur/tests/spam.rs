//! The spam defence against the real binary (issue 18): DNS lists served by an in-process DNS server
//! (`[dns] nameservers`), mail from outside delivered with Python's smtplib, the user's mail program played by
//! imaplib (tests/clients/spam.py, one scenario per test); a real rspamd (Debian's) where it is asked.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use facteur_config::{DnsListConfig, DnsListDetails};
use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const PASSWORD: &str = "alice's long passphrase";

mod common;

use common::dns::Dns;

/// remote.test sends from the loopback network, with a DMARC record: its mail is authenticated.
fn start_dns() -> Dns {
    let dns = Dns::start();
    dns.server.add_txt("remote.test", "v=spf1 ip4:127.0.0.0/8 -all");
    dns.server.add_txt("_dmarc.remote.test", "v=DMARC1; p=none");
    dns
}

/// A port nobody listens on: mail Alice sends to remote.test waits in the queue.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Alice's server, checking mail against `dns`, `[spam]` as `spam` leaves it.
fn server(dns: &Dns, spam: impl FnOnce(&mut facteur_config::SpamConfig) + 'static) -> TestServer {
    let nameserver = dns.server.addr();
    let closed = closed_port();
    TestServer::builder()
        .account(ALICE, PASSWORD)
        .configure(move |config| {
            config.mail_auth.verify_inbound = true;
            config.dns.nameservers = vec![nameserver];
            config.relay.routes.insert("remote.test".into(), format!("127.0.0.1:{closed}"));
            spam(&mut config.spam);
        })
        .start()
}

fn run_scenario(server: &TestServer, scenario: &str) {
    run_scenario_with(server, scenario, &[]);
}

fn run_scenario_with(server: &TestServer, scenario: &str, more: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/spam.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(["--scenario", scenario, "--user", ALICE, "--password", PASSWORD])
        .args(["--smtp-port", &server.addr("smtp").port().to_string()])
        .args(["--submissions-port", &server.addr("submissions").port().to_string()])
        .args(["--imaps-port", &server.addr("imaps").port().to_string()])
        .args(more)
        .env("SSL_CERT_FILE", server.certificate())
        .output()
        .unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    eprintln!("{said}");
    assert!(output.status.success(), "{said}\nserver log:\n{}", server.log());
}

#[test]
fn a_listed_client_is_junked_and_a_listed_link_domain_refused_as_configured() {
    let dns = start_dns();
    // RFC 5782 §5: every list names 127.0.0.2, its test entry; the client sending from it is "listed".
    dns.server.add_a("2.0.0.127.bl.test", Ipv4Addr::new(127, 0, 0, 2));
    dns.server.add_a("spam.example.uri.test", Ipv4Addr::new(127, 0, 0, 2));
    // An answer lists use for "query refused" is not a listing.
    dns.server.add_a("fine.example.uri.test", Ipv4Addr::new(127, 0, 0, 1));
    let server = server(&dns, |spam| {
        spam.dnsbl = vec![DnsListConfig::Zone("bl.test".into())];
        spam.uribl =
            vec![DnsListConfig::Detailed(DnsListDetails { zone: "uri.test".into(), score: Some(20.0), codes: vec![] })];
    });
    run_scenario(&server, "lists");
    let log = server.log();
    assert!(log.contains("listed in a DNS list"), "the listing is logged:\n{log}");
    assert!(log.contains("message refused as spam"), "the refusal is logged:\n{log}");
}

#[test]
fn gtube_is_junked_but_a_known_correspondent_reaches_the_inbox() {
    let dns = start_dns();
    // Junked rather than refused, to see where it lands.
    let server = server(&dns, |spam| spam.reject_score = 0.0);
    run_scenario(&server, "correspondents");

    // `facteur spam explain` on the junked message, saved as a file: what was recorded, and why now.
    let junk = server.messages(ALICE, "Junk");
    assert_eq!(junk.len(), 1);
    let file = server.data_dir().join("junked.eml");
    std::fs::write(&file, &junk[0].bytes).unwrap();
    let explained = server.cli(&["spam", "explain", file.to_str().unwrap(), "--account", ALICE], None);
    assert!(explained.success(), "{}{}", explained.stdout, explained.stderr);
    for expected in ["X-Spam-Status: Yes, score=1000.0", "GTUBE", "+1000.0", "junk at 5.0", ": junk"] {
        assert!(explained.stdout.contains(expected), "{expected:?} in:\n{}", explained.stdout);
    }
}

#[test]
fn facteur_spam_train_teaches_from_files_once() {
    let dns = start_dns();
    let server = server(&dns, |_| {});
    let folder = server.data_dir().join("old-spam");
    std::fs::create_dir_all(folder.join("cur")).unwrap();
    for n in 0..3 {
        let message = format!("Message-ID: <{n}@deals.test>\r\nSubject: offer {n}\r\n\r\nbig casino bonus {n}\r\n");
        std::fs::write(folder.join("cur").join(format!("{n}.eml")), message).unwrap();
    }
    let train = |class: &str| server.cli(&["spam", "train", "--account", ALICE, class, folder.to_str().unwrap()], None);
    let first = train("--spam");
    assert!(first.success(), "{}", first.stderr);
    assert!(first.stdout.contains("3 messages learnt as spam, 0 already so"), "{}", first.stdout);
    assert!(train("--spam").stdout.contains("0 messages learnt as spam, 3 already so"));
    assert!(train("--forget").stdout.contains("3 messages forgotten, 0 not learnt before"));
    let refused = server.cli(&["spam", "train", "--account", "nobody@example.test", "--ham", "/nonexistent"], None);
    assert!(!refused.success());
}

#[test]
fn moving_mail_into_junk_teaches_the_classifier_and_moving_it_back_unteaches_it() {
    let dns = start_dns();
    let server = server(&dns, |_| {});
    run_scenario(&server, "classifier");
    assert!(server.log().contains("spam classifier trained"), "training is logged");
}

#[test]
fn rspamd_decides_when_asked_and_mail_flows_without_it() {
    let Some(mut rspamd) = facteur_testkit::rspamd::Rspamd::start() else { return };
    let dns = start_dns();
    let url = rspamd.url();
    let server = server(&dns, move |spam| {
        spam.rspamd = url;
        spam.rspamd_mode = facteur_config::RspamdMode::Replace;
    });
    run_scenario(&server, "rspamd_up");
    rspamd.stop();
    run_scenario(&server, "rspamd_down");
    assert!(server.log().contains("rspamd did not answer"), "the fallback is logged");
}

#[test]
fn greylisting_delays_a_first_attempt_but_never_a_correspondent() {
    let dns = start_dns();
    let server = server(&dns, |spam| {
        spam.greylisting = true;
        spam.greylist_delay_secs = 1;
    });
    run_scenario_with(&server, "greylisting", &["--delay", "1"]);
    assert!(server.log().contains("greylisted"), "the delay is logged");
}
