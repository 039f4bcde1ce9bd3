//! Nothing accepted is ever lost: kill -9 the server while 20 clients send; after a restart every message that got
//! its `250` is present and intact, and nothing half-written is visible.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use facteur_store::Uid;
use facteur_testkit::TestServer;

const ALICE: &str = "alice@example.test";
const CLIENTS: usize = 20;

/// The message client `client` sends as its `sequence`-th: distinct, a few KB, recognisable by its subject.
fn message(client: usize, sequence: usize) -> Vec<u8> {
    let mut text = format!("From: c{client}@remote.test\r\nTo: {ALICE}\r\nSubject: crash {client} {sequence}\r\n\r\n");
    for line in 0..60 {
        text.push_str(&format!("client {client} message {sequence} line {line}: the quick brown fox\r\n"));
    }
    text.into_bytes()
}

/// Sends messages until the connection fails; returns the sequence numbers that got a 250 after DATA.
fn send_until_failure(address: SocketAddr, client: usize, stop: &AtomicBool) -> Vec<usize> {
    let mut acknowledged = Vec::new();
    for sequence in 0.. {
        if stop.load(Ordering::Relaxed) || send_one(address, client, sequence).is_err() {
            break;
        }
        acknowledged.push(sequence);
    }
    acknowledged
}

fn send_one(address: SocketAddr, client: usize, sequence: usize) -> std::io::Result<()> {
    let mut socket = TcpStream::connect(address)?;
    socket.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut replies = BufReader::new(socket.try_clone()?);
    let mut expect = |code: &str| -> std::io::Result<()> {
        loop {
            let mut line = String::new();
            if replies.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            if line.len() < 4 || !line.starts_with(code) {
                return Err(std::io::Error::other(format!("expected {code}, got {line:?}")));
            }
            if line.as_bytes()[3] == b' ' {
                return Ok(());
            }
        }
    };
    expect("220")?;
    socket.write_all(b"EHLO crash.remote.test\r\n")?;
    expect("250")?;
    socket.write_all(format!("MAIL FROM:<c{client}@remote.test>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n").as_bytes())?;
    expect("250")?;
    expect("250")?;
    expect("354")?;
    socket.write_all(&message(client, sequence))?;
    socket.write_all(b".\r\n")?;
    expect("250")?;
    let _ = socket.write_all(b"QUIT\r\n");
    Ok(())
}

fn without_trace_headers(stored: &[u8]) -> &[u8] {
    let start = stored.windows(9).position(|w| w == b"\r\nFrom: c").map_or(0, |at| at + 2);
    &stored[start..]
}

#[test]
fn kill_9_during_deliveries_loses_no_acknowledged_message() {
    let mut server = TestServer::builder().account(ALICE, "alice's passphrase").start();
    let address = server.addr("smtp");
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(BTreeSet::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (stop, acknowledged) = (Arc::clone(&stop), Arc::clone(&acknowledged));
            thread::spawn(move || {
                for sequence in send_until_failure(address, client, &stop) {
                    acknowledged.lock().unwrap().insert((client, sequence));
                }
            })
        })
        .collect();
    // Let deliveries run a while, so the kill lands in the middle of many of them.
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(2) {
        thread::sleep(Duration::from_millis(50));
    }
    server.crash_and_restart();
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let mut present = BTreeSet::new();
    let mut uids = Vec::new();
    for stored in server.messages(ALICE, "INBOX") {
        let text = String::from_utf8_lossy(&stored.bytes).into_owned();
        let subject = text.lines().find_map(|line| line.strip_prefix("Subject: crash ")).expect("a crash-test message");
        let (client, sequence) = subject.split_once(' ').unwrap();
        let key: (usize, usize) = (client.parse().unwrap(), sequence.trim().parse().unwrap());
        assert_eq!(without_trace_headers(&stored.bytes), message(key.0, key.1), "message {key:?} is intact");
        assert!(present.insert(key), "message {key:?} stored twice");
        uids.push((stored.uid, key));
    }
    // Once the background indexer has read them, the index itself (not its work list) names each one.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.with_store(async |store| store.text_pending(1).await.unwrap().is_empty()) {
        assert!(Instant::now() < deadline, "the indexer did not index the messages:\n{}", server.log());
        thread::sleep(Duration::from_millis(100));
    }
    let unfound = not_found_by_the_index(&server, &uids);
    assert!(unfound.is_empty(), "present but not found through the full-text index: {unfound:?}");
    eprintln!("{} acknowledged before the kill, {} present after the restart", acknowledged.len(), present.len());
    let missing: Vec<_> = acknowledged.difference(&present).collect();
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // A message may be committed while its 250 was lost with the process: at most one in flight per client.
    assert!(
        present.len() - acknowledged.len() <= CLIENTS,
        "{} unacknowledged extras",
        present.len() - acknowledged.len()
    );
    assert!(acknowledged.len() >= CLIENTS, "the clients delivered too little before the kill: {}", acknowledged.len());
}

/// The messages (by UID) that the full-text index does not name for a phrase of their own: each delivery lists its
/// message for the index in its own transaction, so none may be missing, indexed or waiting.
fn not_found_by_the_index(server: &TestServer, messages: &[(Uid, (usize, usize))]) -> Vec<(usize, usize)> {
    server.with_store(async |store| {
        let account = store.account_by_address(ALICE).await.unwrap().unwrap();
        let inbox = store.mailbox_by_name(account.id, "INBOX").await.unwrap().unwrap();
        let mut unfound = Vec::new();
        for (uid, (client, sequence)) in messages {
            let needle = format!("client {client} message {sequence} line 59");
            let candidates = store.text_candidates(inbox.id, &needle).await.unwrap().unwrap();
            if !candidates.iter().any(|meta| meta.uid == *uid) {
                unfound.push((*client, *sequence));
            }
        }
        unfound
    })
}
