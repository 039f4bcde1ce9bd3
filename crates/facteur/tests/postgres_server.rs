//! The PostgreSQL server as operators meet it: restarted while mail arrives, and reached over TLS signed by a
//! private CA. Each test starts a cluster of its own (it stops it, or gives it TLS), real `facteur` binaries
//! and independent clients. Without PostgreSQL the tests say SKIPPED (and fail under CI).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use facteur_testkit::{ServerTls, TestServer};

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const BOB_PASSWORD: &str = "bob's long passphrase";
/// SMTP clients sending at once, spread over the two nodes.
const CLIENTS: usize = 4;

/// What one SMTP transaction ended with, as the client saw it.
#[derive(Debug)]
enum Outcome {
    /// 250 after DATA: the server took responsibility for the message.
    Accepted,
    /// A 4xx at some step: the client keeps the message and tries later.
    Deferred(String),
    /// A 5xx: the client gives up and bounces. Never right for a database that is briefly away.
    Refused(String),
    /// The connection failed or was cut before the answer to DATA.
    Broken(String),
}

impl Outcome {
    /// What the server (or the socket) said, unless it accepted.
    fn answer(&self) -> Option<&str> {
        match self {
            Outcome::Accepted => None,
            Outcome::Deferred(answer) | Outcome::Refused(answer) | Outcome::Broken(answer) => Some(answer),
        }
    }
}

#[test]
fn postgresql_stopped_and_started_under_load_loses_no_acknowledged_message() {
    let Some(cluster) = facteur_testkit::private_postgres_cluster(None) else { return };
    let url = cluster.create_database();
    let a = TestServer::builder().store(&url).account(BOB, BOB_PASSWORD).start();
    let b = TestServer::builder().store(&url).start();
    let nodes = [a.addr("smtp"), b.addr("smtp")];

    let load = Load::start(nodes);
    std::thread::sleep(Duration::from_secs(2));
    cluster.stop_server().unwrap();
    std::thread::sleep(Duration::from_secs(3));
    cluster.start_server().unwrap();
    let restarted = Instant::now();
    let recovered = load.wait_for_acceptances_after(restarted, Duration::from_secs(60));
    let results = load.stop();

    let logs = || format!("A's log:\n{}\nB's log:\n{}", a.log(), b.log());
    assert!(recovered, "the nodes did not accept mail again after PostgreSQL came back\n{}", logs());
    let refused: Vec<_> = results.iter().filter(|(_, o)| matches!(o, Outcome::Refused(_))).collect();
    assert!(refused.is_empty(), "refused while the database was away: {refused:?}\n{}", logs());
    let broken: Vec<_> = results.iter().filter(|(_, o)| matches!(o, Outcome::Broken(_))).collect();
    assert!(broken.is_empty(), "connections cut instead of a 4xx answer: {broken:?}\n{}", logs());
    let deferred = results.iter().filter(|(_, o)| matches!(o, Outcome::Deferred(_))).count();
    assert!(deferred > 0, "no 4xx at all: the database was not away while mail arrived ({results:?})");

    let accepted: BTreeSet<String> =
        results.iter().filter(|(_, o)| matches!(o, Outcome::Accepted)).map(|(s, _)| s.clone()).collect();
    let stored = inbox_subjects(&b, BOB, BOB_PASSWORD);
    let lost: Vec<_> = accepted.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged with 250 but not in the mailbox: {lost:?}");
    let answers: BTreeSet<&str> = results.iter().filter_map(|(_, outcome)| outcome.answer()).collect();
    eprintln!(
        "{} transactions: {} accepted, {deferred} deferred ({answers:?}); {} stored",
        results.len(),
        accepted.len(),
        stored.len()
    );
}

#[test]
fn a_database_behind_a_private_ca_is_reached_over_verified_tls() {
    let certificates = tempfile::tempdir().unwrap();
    let tls =
        ServerTls { certificate: certificates.path().join("db.crt"), private_key: certificates.path().join("db.key") };
    facteur_net::generate_self_signed("localhost", &tls.certificate, &tls.private_key).unwrap();
    let Some(cluster) = facteur_testkit::private_postgres_cluster(Some(tls.clone())) else { return };
    let url = cluster.tcp_url(&cluster.create_database()).unwrap();

    let untrusting = tempfile::tempdir().unwrap();
    let refused = init(untrusting.path(), &url, None);
    assert!(!refused.status.success(), "init trusted a certificate no CA it knows signed");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.to_lowercase().contains("certificate"), "the error does not say why: {stderr}");

    let trusting = tempfile::tempdir().unwrap();
    let joined = init(trusting.path(), &url, Some(&tls.certificate));
    assert!(joined.status.success(), "init with --store-ca-file: {joined:?}");
    let config = std::fs::read_to_string(trusting.path().join("data/facteur.toml")).unwrap();
    assert!(config.contains(&format!("ca_file = \"{}\"", tls.certificate.display())), "{config}");
    let added = facteur_testkit::cli::run(
        &trusting.path().join("data"),
        &["account", "add", BOB, "--password-stdin"],
        Some(BOB_PASSWORD),
    );
    assert!(added.success(), "account add over TLS: {added:?}");
}

/// `facteur init --store URL [--store-ca-file FILE]` into `dir`.
fn init(dir: &std::path::Path, url: &str, ca_file: Option<&std::path::Path>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_facteur"));
    command.arg("--data-dir").arg(dir.join("data")).args(["init", "--domain", "example.test", "--no-acme"]);
    command.args(["--store", url]);
    if let Some(file) = ca_file {
        command.arg("--store-ca-file").arg(file);
    }
    command.output().unwrap()
}

/// SMTP clients sending to the nodes in turn, each message in its own transaction, until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    results: Arc<Mutex<Vec<(String, Outcome, Instant)>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(nodes: [SocketAddr; 2]) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let results = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..CLIENTS)
            .map(|client| {
                let (stop, results) = (Arc::clone(&stop), Arc::clone(&results));
                std::thread::spawn(move || {
                    for n in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let subject = format!("load {client}-{n}");
                        let outcome = send(nodes[(client + n) % 2], &subject);
                        if !matches!(outcome, Outcome::Accepted) {
                            // As a real client would, not at full speed against a server that said "later".
                            std::thread::sleep(Duration::from_millis(100));
                        }
                        results.lock().unwrap().push((subject, outcome, Instant::now()));
                    }
                })
            })
            .collect();
        Load { stop, results, threads }
    }

    /// Whether every client has had a message accepted after `since`, within `timeout`.
    fn wait_for_acceptances_after(&self, since: Instant, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            let results = self.results.lock().unwrap();
            let clients_accepted: BTreeSet<_> = results
                .iter()
                .filter(|(_, outcome, at)| matches!(outcome, Outcome::Accepted) && *at > since)
                .filter_map(|(subject, _, _)| subject.split(['-', ' ']).nth(1).map(str::to_owned))
                .collect();
            if clients_accepted.len() == CLIENTS {
                return true;
            }
            drop(results);
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    fn stop(self) -> Vec<(String, Outcome)> {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            thread.join().unwrap();
        }
        let results = std::mem::take(&mut *self.results.lock().unwrap());
        results.into_iter().map(|(subject, outcome, _)| (subject, outcome)).collect()
    }
}

/// One message from alice to bob over plain SMTP (the MX listener).
fn send(server: SocketAddr, subject: &str) -> Outcome {
    match transaction(server, subject) {
        Ok(reply) if reply.starts_with('2') => Outcome::Accepted,
        Ok(reply) if reply.starts_with('4') => Outcome::Deferred(reply),
        Ok(reply) => Outcome::Refused(reply),
        Err(error) => Outcome::Broken(error.to_string()),
    }
}

/// The transaction's first reply that is not a success, or the reply to the end of DATA.
fn transaction(server: SocketAddr, subject: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(server)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut replies = BufReader::new(stream.try_clone()?);
    let greeting = reply(&mut replies)?;
    if !greeting.starts_with('2') {
        return Ok(greeting);
    }
    let message = format!("From: <{ALICE}>\r\nTo: <{BOB}>\r\nSubject: {subject}\r\n\r\nSent under load.\r\n.");
    let steps = [
        ("EHLO client.test".to_owned(), '2'),
        (format!("MAIL FROM:<{ALICE}>"), '2'),
        (format!("RCPT TO:<{BOB}>"), '2'),
        ("DATA".to_owned(), '3'),
        (message, '2'),
    ];
    for (command, expected) in steps {
        stream.write_all(format!("{command}\r\n").as_bytes())?;
        let answer = reply(&mut replies)?;
        if !answer.starts_with(expected) || command.ends_with("\r\n.") {
            let _ = stream.write_all(b"QUIT\r\n");
            return Ok(answer);
        }
    }
    Ok("250 (unreachable)".to_owned())
}

/// One SMTP reply, multi-line replies reduced to their last line.
fn reply(replies: &mut impl BufRead) -> std::io::Result<String> {
    loop {
        let mut line = String::new();
        if replies.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed"));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(line.trim_end().to_owned());
        }
    }
}

/// The subjects of the messages in `user`'s INBOX, read over IMAPS by Python's imaplib.
fn inbox_subjects(server: &TestServer, user: &str, password: &str) -> BTreeSet<String> {
    let script = r#"
import imaplib, ssl, sys
port, cafile, user, password = sys.argv[1:5]
imap = imaplib.IMAP4_SSL("localhost", int(port), ssl_context=ssl.create_default_context(cafile=cafile))
imap.login(user, password)
imap.select("INBOX", readonly=True)
typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
for item in data:
    if isinstance(item, tuple):
        print(item[1].decode().strip().removeprefix("Subject: "))
imap.logout()
"#;
    let output = Command::new("python3")
        .args(["-c", script, &server.addr("imaps").port().to_string()])
        .arg(server.certificate())
        .args([user, password])
        .output()
        .unwrap();
    assert!(output.status.success(), "imaplib: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
}
