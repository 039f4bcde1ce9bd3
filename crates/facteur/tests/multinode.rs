//! Several `facteur serve` nodes on one PostgreSQL database (README: "Several nodes on one PostgreSQL
//! database"): what one node stores, the others see at once, and the queue they share is delivered once.
//! What else they share: the POP3 maildrop lock, login throttling and the DKIM keys (here), and the ACME
//! certificate (`acme.rs`, which drives the CA).
//!
//! Each node is a real binary with its own data directory and free ports; the database is a fresh one in the
//! test process's private PostgreSQL cluster. Without PostgreSQL the tests say SKIPPED (and fail under CI).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use facteur_config::Config;
use facteur_testkit::TestServer;

mod common;
use common::sink::Sink;

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
const BOB: &str = "bob@example.test";
const BOB_PASSWORD: &str = "bob's long passphrase";

/// `count` nodes on one new database, each configured by `configure`; the first creates the schema and the
/// accounts, the others join. `None` when there is no PostgreSQL (the harness has said SKIPPED).
fn nodes(count: usize, configure: impl Fn(&mut Config) + Clone + 'static) -> Option<Vec<TestServer>> {
    let url = facteur_testkit::postgres_cluster()?.create_database();
    let mut nodes = vec![first_node(&url, configure.clone())];
    for _ in 1..count {
        nodes.push(joining_node(&url, configure.clone()));
    }
    Some(nodes)
}

/// The node that creates the schema in the database at `url`, and alice and bob.
fn first_node(url: &str, configure: impl FnOnce(&mut Config) + 'static) -> TestServer {
    let builder = TestServer::builder().store(url).account(ALICE, ALICE_PASSWORD).account(BOB, BOB_PASSWORD);
    builder.configure(configure).start()
}

/// Another node on the database at `url`, with its own data directory and ports.
fn joining_node(url: &str, configure: impl FnOnce(&mut Config) + 'static) -> TestServer {
    TestServer::builder().store(url).configure(configure).start()
}

#[test]
fn mail_received_by_one_node_wakes_an_idle_session_on_another() {
    let Some(nodes) = nodes(2, |_| {}) else { return };
    let (a, b) = (&nodes[0], &nodes[1]);
    let idle = IdleClient::start(b, BOB, BOB_PASSWORD);

    smtp_send(a.addr("smtp"), ALICE, BOB, "Subject: across nodes\r\n\r\nStored by A, announced by B.\r\n");

    let exists = idle.wait_for_exists(Duration::from_secs(20));
    assert_eq!(exists.as_deref(), Some("* 1 EXISTS"), "A's log:\n{}\nB's log:\n{}", a.log(), b.log());
}

#[test]
fn two_nodes_deliver_a_shared_queue_of_1000_messages_each_exactly_once() {
    const MESSAGES: usize = 1000;
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let Some(nodes) = nodes(2, move |config| {
        config.relay.routes.insert("remote.test".into(), route.clone());
        // One account sends them all: `[outbound]`'s hourly limits and volume hold are for people.
        config.outbound.max_messages_per_hour = 0;
        config.outbound.max_recipients_per_hour = 0;
        config.outbound.hold_volume_factor = 0;
    }) else {
        return;
    };
    // Half submitted to each node, at once: both queue, both deliver, each what its lease wins.
    std::thread::scope(|scope| {
        scope.spawn(|| submit_remote(&nodes[0], (0..MESSAGES).step_by(2)));
        scope.spawn(|| submit_remote(&nodes[1], (1..MESSAGES).step_by(2)));
    });

    let wrong = copies_not_one(&sink, MESSAGES);
    let logs = || nodes.iter().map(|node| node.log()).collect::<Vec<_>>().join("\n---- next node ----\n");
    assert!(wrong.is_empty(), "not delivered exactly once: {wrong:?}\n{}", logs());
    let dequeued: Vec<usize> =
        nodes.iter().map(|node| node.log().matches("message settled for every recipient, dequeued").count()).collect();
    eprintln!("messages dequeued by each node: {dequeued:?}");
}

#[test]
fn the_hourly_limit_of_an_account_is_counted_once_for_every_node() {
    let Some(nodes) = nodes(2, |config| config.outbound.max_messages_per_hour = 3) else { return };
    let (a, b) = (&nodes[0], &nodes[1]);
    let alice = (ALICE, ALICE_PASSWORD);
    common::outbound_abuse_client(a, "send", alice, &["--recipient", BOB, "--subject", "a1", "--subject", "a2"]);
    common::outbound_abuse_client(b, "send", alice, &["--recipient", BOB, "--subject", "b1"]);
    // Three sent between the nodes: the next MAIL FROM gets 450 4.7.1 on either.
    for node in [a, b] {
        common::outbound_abuse_client(node, "message-limit", alice, &["--recipient", BOB, "--limit", "0"]);
    }
}

#[test]
fn messages_of_a_node_killed_mid_delivery_are_delivered_by_another_once_its_lease_expires() {
    const MESSAGES: usize = 20;
    let Some(url) = facteur_testkit::postgres_cluster().map(|cluster| cluster.create_database()) else { return };
    // A delivers into a tarpit: it connects, claims, and waits for a greeting that never comes.
    let mut tarpit = Tarpit::start();
    let lease = |config: &mut Config| config.queue.lease_secs = 5;
    let tarpit_route = tarpit.address.to_string();
    let a = first_node(&url, move |config| {
        lease(config);
        config.relay.routes.insert("remote.test".into(), tarpit_route);
    });
    submit_remote(&a, 0..MESSAGES);
    assert!(tarpit.wait_for_connection(Duration::from_secs(20)), "A never tried to deliver:\n{}", a.log());
    a.kill();

    let sink = Sink::start();
    let sink_route = format!("127.0.0.1:{}", sink.port);
    let b = joining_node(&url, move |config| {
        lease(config);
        config.relay.routes.insert("remote.test".into(), sink_route);
    });
    let wrong = copies_not_one(&sink, MESSAGES);
    assert!(wrong.is_empty(), "not delivered exactly once: {wrong:?}\nB's log:\n{}", b.log());
}

#[test]
fn a_pop3_session_on_one_node_holds_the_maildrop_against_the_other_until_it_quits() {
    let Some(nodes) = nodes(2, |config| config.auth.allow_plaintext = true) else { return };
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut on_a = Pop3Client::connect(a);
    on_a.login(ALICE, ALICE_PASSWORD, "+OK");
    let mut on_b = Pop3Client::connect(b);
    on_b.login(ALICE, ALICE_PASSWORD, "-ERR [IN-USE]");
    // Bob's maildrop is another one.
    Pop3Client::connect(b).login(BOB, BOB_PASSWORD, "+OK");

    on_a.command("QUIT", "+OK");
    on_b.login(ALICE, ALICE_PASSWORD, "+OK");
    on_b.command("QUIT", "+OK");
}

#[test]
fn a_dkim_key_rotated_through_one_node_signs_mail_sent_through_the_other() {
    let sink = Sink::start();
    let route = format!("127.0.0.1:{}", sink.port);
    let Some(nodes) = nodes(2, move |config| {
        config.relay.routes.insert("remote.test".into(), route.clone());
    }) else {
        return;
    };
    let (a, b) = (&nodes[0], &nodes[1]);
    // The joining node took the first node's key at init: both sign with it from the start.
    let first = active_rsa_selector(a);
    assert_eq!(active_rsa_selector(b), first, "B's own listing");
    submit_remote(b, [0]);
    let received = sink.received_at_least(1);
    assert_eq!(dkim_selectors(&received[0]), [first.as_str()], "B signs with A's key:\n{}", b.log());

    let rotated = a.cli(&["dkim", "rotate", "example.test"], None);
    assert!(rotated.success(), "{rotated:?}");
    let second = active_rsa_selector(a);
    assert_ne!(second, first);
    // B takes the new key within its follow period (5 s); mail sent meanwhile is signed with the old one.
    let deadline = Instant::now() + Duration::from_secs(30);
    for n in 1.. {
        submit_remote(b, [n]);
        let received = sink.received_at_least(n + 1);
        let latest = received.iter().find(|m| header(m, "Message-ID").as_deref() == Some(&*message_id(n))).unwrap();
        if dkim_selectors(latest) == [second.as_str()] {
            break;
        }
        assert!(Instant::now() < deadline, "B never signed with {second}:\n{}", b.log());
        std::thread::sleep(Duration::from_secs(1));
    }
    assert!(b.log().contains("took the shared files changed elsewhere"), "{}", b.log());
}

#[test]
fn every_node_signs_srs_addresses_with_the_first_nodes_secret() {
    let Some(nodes) = nodes(2, |_| {}) else { return };
    let (a, b) = (&nodes[0], &nodes[1]);
    // A bounce to an SRS address may reach any node: B took the secret A made and shared, not its own.
    let secret = |node: &TestServer| std::fs::read(node.data_dir().join("srs/key")).unwrap();
    assert_eq!(secret(a).len(), 32);
    assert_eq!(secret(a), secret(b), "B's log:\n{}", b.log());
}

#[test]
fn failed_logins_on_one_node_slow_logins_on_the_other() {
    let Some(nodes) = nodes(2, |config| config.auth.allow_plaintext = true) else { return };
    let (a, b) = (&nodes[0], &nodes[1]);
    // Six failures on A: three free, then the fourth to sixth cost A 0 + 1 + 2 s. A seventh attempt anywhere
    // waits 2^(6-4) = 4 s (the per-account cap is 5 s, the network's 30 s).
    for _ in 0..6 {
        Pop3Client::connect(a).login(ALICE, "not alice's passphrase", "-ERR [AUTH]");
    }
    let started = Instant::now();
    Pop3Client::connect(b).login(ALICE, ALICE_PASSWORD, "+OK");
    let waited = started.elapsed();
    // A lower bound only: an unthrottled login takes a fraction of a second, however busy the machine.
    assert!(waited >= Duration::from_millis(3_500), "B answered after {waited:?}:\n{}", b.log());
    // Alice got in: her mistakes are forgiven on every node.
    let started = Instant::now();
    Pop3Client::connect(a).login(ALICE, ALICE_PASSWORD, "+OK");
    assert!(started.elapsed() < Duration::from_millis(3_500), "A still delays after the success");
}

/// The active RSA key's selector, as `facteur dkim list` on `node` prints it.
fn active_rsa_selector(node: &TestServer) -> String {
    let listed = node.cli(&["dkim", "list", "example.test"], None);
    assert!(listed.success(), "{listed:?}");
    let line =
        listed.stdout.lines().find(|line| line.ends_with(" rsa  active")).unwrap_or_else(|| panic!("{listed:?}"));
    line.split_whitespace().nth(1).unwrap().to_owned()
}

/// The `s=` tag of each DKIM-Signature field of a stored message (fields unfolded).
fn dkim_selectors(stored: &str) -> Vec<String> {
    let unfolded = stored.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ");
    unfolded
        .lines()
        .filter(|line| line.to_ascii_lowercase().starts_with("dkim-signature:"))
        .filter_map(|line| {
            line.split(';')
                .map(str::trim)
                .find_map(|tag| tag.strip_prefix("s="))
                .map(|selector| selector.trim().to_owned())
        })
        .collect()
}

/// A POP3 client on a node's plain pop3 listener (the test allows USER/PASS without TLS).
struct Pop3Client {
    stream: TcpStream,
    replies: BufReader<TcpStream>,
}

impl Pop3Client {
    fn connect(node: &TestServer) -> Pop3Client {
        let stream = TcpStream::connect(node.addr("pop3")).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut client = Pop3Client { replies: BufReader::new(stream.try_clone().unwrap()), stream };
        let mut greeting = String::new();
        client.replies.read_line(&mut greeting).unwrap();
        assert!(greeting.starts_with("+OK"), "{greeting:?}");
        client
    }

    /// Sends `line`; the reply must start with `expected`.
    fn command(&mut self, line: &str, expected: &str) {
        self.stream.write_all(format!("{line}\r\n").as_bytes()).unwrap();
        let mut reply = String::new();
        self.replies.read_line(&mut reply).unwrap();
        assert!(reply.starts_with(expected), "{line:?}: expected {expected:?}, got {reply:?}");
    }

    /// USER and PASS; the answer to PASS must start with `expected`.
    fn login(&mut self, user: &str, password: &str, expected: &str) {
        self.command(&format!("USER {user}"), "+OK");
        self.command(&format!("PASS {password}"), expected);
    }
}

/// Submits message `n` for every `n` to `someone@remote.test`, as alice, through `node`.
fn submit_remote(node: &TestServer, numbers: impl IntoIterator<Item = usize>) {
    let submission = node.submission(ALICE, ALICE_PASSWORD);
    for n in numbers {
        let message = lettre::Message::builder()
            .from(ALICE.parse().unwrap())
            .to("someone@remote.test".parse().unwrap())
            .message_id(Some(message_id(n)))
            .subject(format!("shared queue {n:03}"))
            .body("One of many.\r\n".to_owned())
            .unwrap();
        submission.send(message);
    }
}

fn message_id(n: usize) -> String {
    format!("<multinode-{n:03}@example.test>")
}

/// The value of the first `name:` field of a message (as the sink stored it: envelope lines, a blank line, the
/// message), unfolded lines not needed here.
fn header(stored: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", name.to_ascii_lowercase());
    stored
        .lines()
        .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
        .map(|line| line[prefix.len()..].trim().to_owned())
}

/// Sends one message over plain SMTP (the MX listener), failing the test on any refusal.
fn smtp_send(server: SocketAddr, from: &str, to: &str, message: &str) {
    let mut stream = TcpStream::connect(server).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut replies = BufReader::new(stream.try_clone().unwrap());
    let mut expect = |code: &str| {
        // Multi-line replies ("250-…") end at the line whose code is followed by a space.
        loop {
            let mut line = String::new();
            replies.read_line(&mut line).unwrap();
            assert!(line.starts_with(code), "expected {code}, got {line:?}");
            if line.as_bytes().get(3) != Some(&b'-') {
                return;
            }
        }
    };
    expect("220");
    let mut command = |text: &str, code: &str| {
        stream.write_all(format!("{text}\r\n").as_bytes()).unwrap();
        expect(code);
    };
    command("EHLO client.test", "250");
    command(&format!("MAIL FROM:<{from}>"), "250");
    command(&format!("RCPT TO:<{to}>"), "250");
    command("DATA", "354");
    command(&format!("{message}."), "250");
    command("QUIT", "221");
}

/// `clients/imap_idle_wait.py`, idling in INBOX on a node's IMAPS listener.
struct IdleClient {
    process: Child,
    lines: mpsc::Receiver<String>,
}

impl IdleClient {
    /// Returns once the server has accepted IDLE.
    fn start(server: &TestServer, user: &str, password: &str) -> IdleClient {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/imap_idle_wait.py");
        let certificate = server.certificate();
        let mut process = Command::new("python3")
            .arg(script)
            .args(["--port", &server.addr("imaps").port().to_string()])
            .args(["--cafile", certificate.to_str().unwrap(), "--user", user, "--password", password])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = process.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let client = IdleClient { process, lines };
        let ready = client.lines.recv_timeout(Duration::from_secs(20));
        assert_eq!(ready.as_deref(), Ok("IDLING"), "the IMAP client did not get into IDLE:\n{}", server.log());
        client
    }

    /// The first EXISTS the server sent while idling.
    fn wait_for_exists(&self, timeout: Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }
}

impl Drop for IdleClient {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Once `count` messages (numbered from 0, see [`message_id`]) arrived or 30 s passed, and 2 s more for a
/// second copy to arrive: each Message-ID not received exactly once, with its count.
fn copies_not_one(sink: &Sink, count: usize) -> Vec<(String, usize)> {
    sink.received_at_least(count);
    std::thread::sleep(Duration::from_secs(2));
    let mut copies: BTreeMap<String, usize> = (0..count).map(|n| (message_id(n), 0)).collect();
    for message in sink.received_within(0, Duration::ZERO) {
        if let Some(id) = header(&message, "Message-ID") {
            *copies.entry(id).or_default() += 1;
        }
    }
    copies.into_iter().filter(|(_, copies)| *copies != 1).collect()
}

/// A listener that accepts connections and never answers: a delivery to it hangs until its timeout.
struct Tarpit {
    address: SocketAddr,
    accepted: mpsc::Receiver<TcpStream>,
    held: Vec<TcpStream>,
}

impl Tarpit {
    fn start() -> Tarpit {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let (sender, accepted) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                if sender.send(stream).is_err() {
                    return;
                }
            }
        });
        Tarpit { address, accepted, held: Vec::new() }
    }

    /// Whether a connection came within `timeout`; it is kept open (and silent) until the tarpit is dropped.
    fn wait_for_connection(&mut self, timeout: Duration) -> bool {
        self.accepted.recv_timeout(timeout).map(|stream| self.held.push(stream)).is_ok()
    }
}
