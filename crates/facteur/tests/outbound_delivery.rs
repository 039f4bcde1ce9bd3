//! Outbound delivery between two real Facteur instances on loopback: A (alice, example.test) routes b.test
//! to B's MX listener through `[relay.routes]`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::time::{Duration, Instant};

use facteur_testkit::TestServer;

mod common;

use common::dns::Dns;
use common::sink::Sink;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";

fn instance_b() -> TestServer {
    let b = TestServer::start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "bob@b.test", "--password-stdin"], Some("bob's pw\n")).success());
    b
}

fn instance_a(b: &TestServer) -> TestServer {
    let route = b.addr("smtp").to_string();
    TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), route);
        })
        .start()
}

fn submit(server: &TestServer, to: &str, subject: &str) {
    submit_to(server, &[to], subject);
}

fn submit_to(server: &TestServer, recipients: &[&str], subject: &str) {
    submit_many(server, recipients, &[subject.to_owned()], "Across the network.\r\n");
}

/// One message per subject, to every recipient, over one pooled submission transport.
fn submit_many(server: &TestServer, recipients: &[&str], subjects: &[String], body: &str) {
    let submission = server.submission(ALICE, ALICE_PASSWORD);
    for subject in subjects {
        let mut email = lettre::Message::builder().from(ALICE.parse().unwrap());
        for to in recipients {
            email = email.to(to.parse().unwrap());
        }
        submission.send(email.subject(subject).body(body.to_owned()).unwrap());
    }
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

#[test]
fn submitted_mail_for_a_remote_domain_reaches_the_other_server() {
    let b = instance_b();
    let a = instance_a(&b);
    submit(&a, "bob@b.test", "hello from A");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&received[0].bytes).into_owned();
    assert!(text.contains("Subject: hello from A"), "{text}");
    assert!(text.contains("Across the network."));
}

#[test]
fn an_unknown_remote_user_bounces_to_the_sender_with_the_reply() {
    let b = instance_b();
    let a = instance_a(&b);
    submit(&a, "nobody@b.test", "to nobody");
    let bounces = wait_for_messages(&a, ALICE, 1);
    assert_eq!(bounces.len(), 1, "alice got no report; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&bounces[0].bytes).into_owned();
    assert!(text.contains("multipart/report"), "{text}");
    assert!(text.contains("Final-Recipient: rfc822; nobody@b.test"), "{text}");
    assert!(text.contains("Action: failed"), "{text}");
    assert!(text.contains("Diagnostic-Code: smtp; 55"), "{text}");
    assert!(text.contains("Subject: to nobody"), "the original header is attached:\n{text}");
}

#[test]
fn a_message_that_cannot_be_delivered_before_it_expires_bounces() {
    // A port nobody listens on: every attempt fails temporarily until the 1-second lifetime is over.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), closed);
            config.queue.lifetime_secs = 1;
        })
        .start();
    submit(&a, "bob@b.test", "never arrives");
    let bounces = wait_for_messages(&a, ALICE, 1);
    assert_eq!(bounces.len(), 1, "alice got no report; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&bounces[0].bytes).into_owned();
    assert!(text.contains("Final-Recipient: rfc822; bob@b.test"), "{text}");
    assert!(text.contains("Status: 5.4.7"), "{text}");
    assert!(text.contains("gave up after"), "the reason is given:\n{text}");
}

/// Waits until `facteur queue list` on `server` shows `wanted`, and returns that listing.
fn wait_for_queue_listing(server: &TestServer, wanted: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listing = server.cli(&["queue", "list"], None);
        assert!(listing.success(), "{listing:?}");
        if listing.stdout.contains(wanted) || Instant::now() > deadline {
            return listing.stdout;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The queue id at the start of the first message line of a `queue list`.
fn first_queue_id(listing: &str) -> String {
    listing.lines().next().and_then(|line| line.split_whitespace().next()).unwrap().to_owned()
}

#[test]
fn while_the_remote_server_is_down_the_queue_shows_why_and_retry_delivers_once_it_is_up() {
    // B's future MX port, closed for now.
    let b_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let route = b_port.to_string();
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), route);
        })
        .start();
    submit(&a, "bob@b.test", "waits for B");

    let listing = wait_for_queue_listing(&a, "attempts 1");
    assert!(listing.contains(&format!("from {ALICE}")), "{listing}");
    assert!(listing.contains("bob@b.test  pending  attempts 1  next attempt in "), "{listing}");
    assert!(listing.contains("last reply: 4.4.1 cannot connect"), "{listing}");
    assert!(listing.contains("will retry"), "the reply is explained:\n{listing}");
    let id = first_queue_id(&listing);
    let shown = a.cli(&["queue", "show", &id], None);
    assert!(shown.success() && shown.stdout.contains("Subject:  waits for B"), "{shown:?}");

    // Held, the message is not tried even when asked to retry.
    assert!(a.cli(&["queue", "hold", &id], None).success());
    assert!(a.cli(&["queue", "list"], None).stdout.contains("held until released"));

    let b = TestServer::builder()
        .configure(move |config| config.listeners.get_mut("smtp").unwrap().bind = vec![b_port])
        .start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "bob@b.test", "--password-stdin"], Some("bob's pw\n")).success());
    assert!(a.cli(&["queue", "retry", "--all"], None).success());
    std::thread::sleep(Duration::from_secs(2));
    assert!(b.messages("bob@b.test", "INBOX").is_empty(), "a held message was delivered");

    // Released: tried at once rather than at the next scheduled attempt, minutes away.
    let released = a.cli(&["queue", "release", &id], None);
    assert!(released.success() && released.stdout.contains("1 recipient(s) released"), "{released:?}");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
    assert_eq!(wait_for_queue_listing(&a, "the queue is empty").trim(), "the queue is empty");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(b.messages("bob@b.test", "INBOX").len(), 1, "delivered exactly once");
}

#[test]
fn queue_commands_refuse_unknown_ids_and_delete_with_a_bounce_tells_the_sender() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), closed);
        })
        .start();
    let unknown = a.cli(&["queue", "retry", "4242"], None);
    assert_eq!(unknown.code, Some(2), "{unknown:?}");
    assert!(unknown.stderr.contains("no queued message with id 4242"), "{unknown:?}");
    assert_eq!(a.cli(&["queue", "hold"], None).code, Some(2), "an id or --all is required");

    submit(&a, "bob@b.test", "deleted by the admin");
    submit(&a, "carol@b.test", "deleted silently");
    let listing = wait_for_queue_listing(&a, "carol@b.test");
    let ids: Vec<&str> = listing.lines().filter(|l| !l.starts_with(' ')).filter_map(|l| l.split(' ').next()).collect();
    let (bounced, silent) = (ids[0], ids[1]);
    assert!(a.cli(&["queue", "delete", silent], None).success());
    assert!(a.cli(&["queue", "delete", bounced, "--bounce"], None).success());
    let reports = wait_for_messages(&a, ALICE, 1);
    assert_eq!(reports.len(), 1, "one report, for the bounced one; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&reports[0].bytes).into_owned();
    assert!(text.contains("Final-Recipient: rfc822; bob@b.test"), "{text}");
    assert!(!text.contains("carol@b.test"), "{text}");
    assert_eq!(wait_for_queue_listing(&a, "the queue is empty").trim(), "the queue is empty");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(a.messages(ALICE, "INBOX").len(), 1, "no report for the silent delete");
}

fn subjects_of(messages: &[facteur_testkit::StoredMessage]) -> Vec<String> {
    let subject = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        text.lines().find_map(|line| line.strip_prefix("Subject: ")).unwrap_or_default().to_owned()
    };
    messages.iter().map(|message| subject(&message.bytes)).collect()
}

/// Instance A resolving through `dns`, delivering to MX hosts on `mx_port` (B's smtp port in these tests).
fn instance_a_using_dns(dns: &Dns, mx_port: u16) -> TestServer {
    let nameserver = dns.server.addr();
    TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.dns.nameservers = vec![nameserver];
            config.relay.mx_port = mx_port;
        })
        .start()
}

#[test]
fn mail_goes_to_the_mx_hosts_found_in_dns_in_preference_order() {
    let b = instance_b();
    let dns = Dns::start();
    // The preferred MX refuses connections (nothing listens on 127.0.0.2), so the next one gets the mail.
    dns.server.add_mx("b.test", 10, "down.b.test");
    dns.server.add_a("down.b.test", std::net::Ipv4Addr::new(127, 0, 0, 2));
    dns.server.add_mx("b.test", 20, "mx.b.test");
    dns.server.add_a("mx.b.test", std::net::Ipv4Addr::LOCALHOST);
    let a = instance_a_using_dns(&dns, b.addr("smtp").port());
    submit(&a, "bob@b.test", "found through MX");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
    assert!(String::from_utf8_lossy(&received[0].bytes).contains("Subject: found through MX"));
}

#[test]
fn a_domain_with_a_null_mx_bounces_at_once() {
    let dns = Dns::start();
    dns.server.add_mx("nomail.test", 0, ".");
    let a = instance_a_using_dns(&dns, 25);
    submit(&a, "anyone@nomail.test", "to a domain that takes no mail");
    let bounces = wait_for_messages(&a, ALICE, 1);
    assert_eq!(bounces.len(), 1, "alice got no report; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&bounces[0].bytes).into_owned();
    assert!(text.contains("Final-Recipient: rfc822; anyone@nomail.test"), "{text}");
    assert!(text.contains("Status: 5.1.10"), "{text}");
    assert!(text.contains("null MX"), "the reason is given:\n{text}");
}

#[test]
fn a_452_for_some_recipients_is_retried_for_them_only() {
    // B takes one recipient per transaction and answers 452 4.5.3 to the next (RFC 5321 §4.5.3.1.10).
    let b = TestServer::builder().configure(|config| config.smtp.max_recipients = 1).start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    for user in ["bob@b.test", "carol@b.test"] {
        assert!(b.cli(&["account", "add", user, "--password-stdin"], Some("a long password\n")).success());
    }
    let a = instance_a(&b);
    submit_to(&a, &["bob@b.test", "carol@b.test"], "two recipients");
    assert_eq!(wait_for_messages(&b, "bob@b.test", 1).len(), 1, "A's log:\n{}", a.log());
    let listing = wait_for_queue_listing(&a, "452 4.5.3");
    assert!(listing.contains("carol@b.test  pending  attempts 1"), "{listing}");
    assert!(!listing.contains("bob@b.test  pending"), "bob is done:\n{listing}");
    assert!(b.messages("carol@b.test", "INBOX").is_empty());

    assert!(a.cli(&["queue", "retry", "--all"], None).success());
    assert_eq!(wait_for_messages(&b, "carol@b.test", 1).len(), 1, "A's log:\n{}", a.log());
    assert_eq!(wait_for_queue_listing(&a, "the queue is empty").trim(), "the queue is empty");
    assert_eq!(b.messages("bob@b.test", "INBOX").len(), 1, "bob got his copy once");
}

#[test]
fn a_crash_in_the_middle_of_delivering_100_messages_loses_none_and_repeats_only_those_in_flight() {
    let b_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let route = b_port.to_string();
    let mut a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("b.test".into(), route);
            // A hundred messages at once from a new account is what `[outbound]`'s volume rule holds.
            config.outbound.hold_volume_factor = 0;
        })
        .start();
    let subjects: Vec<String> = (0..100).map(|n| format!("crash test {n:03}")).collect();
    // Large enough (256 KB) that delivering them all takes a while: the kill lands while some are in flight.
    let body = "A line of a large message, so that deliveries take some time.\r\n".repeat(4096);
    submit_many(&a, &["bob@b.test"], &subjects, &body);
    assert!(wait_for_queue_listing(&a, "100 message(s) queued").contains("100 message(s) queued"));
    // Held while B starts: a B listening before it knows b.test would refuse them for good (550).
    assert!(a.cli(&["queue", "hold", "--all"], None).success());

    let b = TestServer::builder()
        .configure(move |config| config.listeners.get_mut("smtp").unwrap().bind = vec![b_port])
        .start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "bob@b.test", "--password-stdin"], Some("bob's pw\n")).success());
    assert!(a.cli(&["queue", "release", "--all"], None).success());
    // Kill A as soon as B accepts the first message: the others are in flight or waiting.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !b.log().contains("message accepted") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    a.crash_and_restart();
    let arrived_before_crash = b.log().matches("message accepted").count();
    assert!(arrived_before_crash < 100, "everything was delivered before the crash: the test proves nothing");

    // Every subject at least once (duplicates may arrive before the last missing one).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = loop {
        let mut seen = subjects_of(&b.messages("bob@b.test", "INBOX"));
        seen.sort();
        let mut distinct = seen.clone();
        distinct.dedup();
        if distinct == subjects || Instant::now() > deadline {
            break seen;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let duplicates = seen.len() - {
        seen.dedup();
        seen.len()
    };
    let missing: Vec<&String> = subjects.iter().filter(|subject| !seen.contains(subject)).collect();
    let queue = a.cli(&["queue", "list"], None).stdout;
    assert!(
        missing.is_empty(),
        "missing {missing:?}; A's queue:\n{queue}\nB's log:\n{}\nA's log:\n{}",
        b.log(),
        a.log()
    );
    assert_eq!(seen, subjects);
    // RFC 5321 §6.1: a message may be repeated if the crash came between B's 250 and A's record of it; only
    // deliveries in progress at the kill can be (the engine runs at most 32 at once).
    assert!(duplicates <= 32, "{duplicates} duplicates");
    assert_eq!(wait_for_queue_listing(&a, "the queue is empty").trim(), "the queue is empty");
}

#[test]
fn a_remote_without_starttls_still_gets_the_mail_with_the_envelope_pipelined() {
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("plain.test".into(), route);
        })
        .start();
    submit_to(&a, &["one@plain.test", "two@plain.test"], "no TLS on the way");
    let received = sink.received_at_least(1);
    assert_eq!(received.len(), 1, "the sink got nothing; A's log:\n{}", a.log());
    let message = &received[0];
    assert!(message.contains("Subject: no TLS on the way"), "{message}");
    // RFC 2920: MAIL and both RCPTs in one write, so each but the last had company.
    assert!(message.contains("MAIL FROM:<alice@example.test>") && message.contains("batched=True"), "{message}");
    assert!(message.contains("RCPT TO:<one@plain.test> batched=True"), "{message}");
    assert!(message.contains("RCPT TO:<two@plain.test> batched=False"), "{message}");
    // The sink saw the message before A recorded the 250: give A a moment to dequeue it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut listing = a.cli(&["queue", "list"], None);
    while listing.stdout.contains("plain.test") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        listing = a.cli(&["queue", "list"], None);
    }
    assert!(!listing.stdout.contains("plain.test"), "delivered mail left in the queue: {}", listing.stdout);
}

#[test]
fn a_smarthost_takes_the_mail_over_verified_tls_with_auth() {
    // B is the smarthost: its submission listener (implicit TLS, AUTH) relays for alice, and holds bob@b.test.
    let b = TestServer::builder().account(ALICE, "relay passphrase").start();
    assert!(b.cli(&["domain", "add", "b.test"], None).success());
    assert!(b.cli(&["account", "add", "bob@b.test", "--password-stdin"], Some("bob's pw\n")).success());
    let secrets = tempfile::tempdir().unwrap();
    let password_file = secrets.path().join("smarthost-password");
    std::fs::write(&password_file, "relay passphrase\n").unwrap();
    let smarthost = b.addr("submissions").to_string();
    let ca_file = b.certificate().to_string_lossy().into_owned();
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.smarthost = smarthost;
            config.relay.smarthost_tls = facteur_config::SmarthostTls::Implicit;
            config.relay.smarthost_user = ALICE.to_owned();
            config.relay.smarthost_password_file = password_file.to_string_lossy().into_owned();
            config.relay.smarthost_ca_file = ca_file;
        })
        .start();
    // No route and no DNS for b.test: only the smarthost can take it.
    submit(&a, "bob@b.test", "through the smarthost");
    let received = wait_for_messages(&b, "bob@b.test", 1);
    assert_eq!(received.len(), 1, "bob got nothing; A's log:\n{}", a.log());
    let text = String::from_utf8_lossy(&received[0].bytes).into_owned();
    assert!(text.contains("Subject: through the smarthost"), "{text}");
    // B's Received: field says the message came over TLS, authenticated (RFC 3848 ESMTPSA).
    assert!(text.contains("with ESMTPSA"), "{text}");
}

#[test]
fn the_next_message_for_a_server_reuses_the_open_connection() {
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let a = TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("plain.test".into(), route);
        })
        .start();
    submit(&a, "one@plain.test", "first");
    assert_eq!(sink.received_at_least(1).len(), 1, "A's log:\n{}", a.log());
    submit(&a, "two@plain.test", "second");
    let received = sink.received_at_least(2);
    assert_eq!(received.len(), 2, "A's log:\n{}", a.log());
    let connection = |message: &String| message.lines().next().unwrap_or_default().to_owned();
    assert_eq!(connection(&received[0]), "connection=1", "{received:?}");
    assert_eq!(connection(&received[1]), "connection=1", "the second message opened a new connection");
}
