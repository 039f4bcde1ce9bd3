//! Moving mail in and out (`facteur import`, `export`, `backup`, `restore`) against the real binary, with
//! independent tools on the other side: mbsync makes the Maildir, Python's `mailbox` module makes and reads
//! the mboxes (tests/clients/mail_move.py), another Facteur serves as the IMAP source, SMTP clients deliver
//! during a backup.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use facteur_testkit::{CliOutput, TestServer, tool_available};

const ALICE: &str = "alice@example.test";
const ALICE_PASSWORD: &str = "alice's long passphrase";
const BOB: &str = "bob@example.test";

fn server() -> TestServer {
    TestServer::builder().account(ALICE, ALICE_PASSWORD).account(BOB, "bob's long passphrase").start()
}

/// Runs a scenario of clients/mail_move.py; its output if it succeeds.
fn python(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/mail_move.py");
    let output = Command::new("python3").arg(script).args(args).output().expect("python3 runs");
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "mail_move.py {args:?} failed:\n{said}");
    said
}

/// The arguments that point mail_move.py at alice on `server`.
fn as_alice(server: &TestServer) -> Vec<String> {
    let port = server.addr("imaps").port().to_string();
    let certificate = server.certificate().to_str().unwrap().to_owned();
    ["--imaps-port", &port, "--cafile", &certificate, "--user", ALICE, "--password", ALICE_PASSWORD]
        .map(str::to_owned)
        .to_vec()
}

fn cli(server: &TestServer, args: &[&str]) -> CliOutput {
    let output = server.cli(args, None);
    assert!(output.success(), "facteur {args:?} failed: {output:?}");
    output
}

#[test]
fn a_maildir_made_by_mbsync_comes_back_byte_for_byte_with_its_flags_and_dates() {
    if !tool_available("mbsync") {
        return;
    }
    let (source, destination) = (server(), server());
    let work = tempfile::tempdir().unwrap();
    let work_path = work.path().to_str().unwrap();
    let alice = as_alice(&source);
    let alice: Vec<&str> = alice.iter().map(String::as_str).collect();
    python(&[&["populate"], alice.as_slice()].concat());
    let maildir = python(&[&["mbsync", work_path], alice.as_slice()].concat());
    let maildir = maildir.trim();

    let imported = cli(&destination, &["import", "maildir", maildir, "--account", ALICE]);
    assert!(imported.stdout.contains("done: 9 message(s) copied, 0 already there"), "{}", imported.stdout);
    assert!(imported.stdout.contains("Été: 1 copied"), "modified UTF-7 folder names are decoded: {}", imported.stdout);
    let again = cli(&destination, &["import", "maildir", maildir, "--account", ALICE]);
    assert!(again.stdout.contains("done: 0 message(s) copied, 9 already there"), "{}", again.stdout);

    let exported = work.path().join("exported");
    cli(&destination, &["export", ALICE, "--maildir", exported.to_str().unwrap()]);
    python(&["compare_maildirs", maildir, exported.to_str().unwrap()]);
}

#[test]
fn mboxes_made_by_python_come_back_byte_for_byte_with_their_flags_and_dates() {
    let destination = server();
    let work = tempfile::tempdir().unwrap();
    let (original, exported) = (work.path().join("original"), work.path().join("exported"));
    python(&["write_mboxes", original.to_str().unwrap()]);

    let imported = cli(&destination, &["import", "mbox", original.to_str().unwrap(), "--account", ALICE]);
    assert!(imported.stdout.contains("Spam (into Junk): 1 copied"), "{}", imported.stdout);
    assert!(imported.stdout.contains("done: 10 message(s) copied, 0 already there"), "{}", imported.stdout);
    let again = cli(&destination, &["import", "mbox", original.to_str().unwrap(), "--account", ALICE]);
    assert!(again.stdout.contains("done: 0 message(s) copied, 10 already there"), "{}", again.stdout);
    let flagged = destination.messages(ALICE, "INBOX");
    assert_eq!(flagged.len(), 6);
    assert!(flagged[2].flags.contains(facteur_store::SystemFlags::FLAGGED | facteur_store::SystemFlags::ANSWERED));
    let keywords = &mail_of(&destination, ALICE)["INBOX"][2].2;
    assert_eq!(keywords, &BTreeSet::from(["$Forwarded".to_owned(), "project-x".to_owned()]), "from X-Keywords");

    cli(&destination, &["export", ALICE, "--mbox", exported.to_str().unwrap()]);
    python(&["compare_mboxes", original.to_str().unwrap(), exported.to_str().unwrap()]);
    for name in ["INBOX", "Sent", "Projects/Alpha"] {
        let written = name.replace('/', ".sbd/");
        let (before, after) = (std::fs::read(original.join(name)).unwrap(), std::fs::read(exported.join(written)));
        assert_eq!(before, after.unwrap(), "{name}: the mbox file is not the same");
    }
}

/// Every message of every mailbox of `address`: (bytes, flags, keywords, INTERNALDATE), by mailbox name.
type Mail = BTreeMap<String, Vec<(Vec<u8>, u8, BTreeSet<String>, i64)>>;

fn mail_of(server: &TestServer, address: &str) -> Mail {
    server.with_store(async |store| {
        let account = store.account_by_address(address).await.unwrap().unwrap();
        let mut mail = Mail::new();
        for mailbox in store.list_mailboxes(account.id).await.unwrap() {
            let mut messages = Vec::new();
            for meta in store.messages(mailbox.id).await.unwrap() {
                let bytes = store.read_blob(meta.blob).await.unwrap();
                messages.push((bytes, meta.flags.bits(), meta.keywords.clone(), meta.internal_date));
            }
            mail.insert(mailbox.name, messages);
        }
        mail
    })
}

#[test]
fn import_imap_copies_every_folder_then_only_what_is_new() {
    let (source, destination) = (server(), server());
    let alice = as_alice(&source);
    python(&[&["populate"], alice.iter().map(String::as_str).collect::<Vec<_>>().as_slice()].concat());
    let work = tempfile::tempdir().unwrap();
    let password_file = work.path().join("password");
    std::fs::write(&password_file, format!("{ALICE_PASSWORD}\n")).unwrap();
    let from = format!("imaps://127.0.0.1:{}", source.addr("imaps").port());
    let certificate = source.certificate();
    let import = |expected: &str| {
        let args = ["import", "imap", "--from", &from, "--user", ALICE, "--password-file"];
        let ca = ["--ca-file", certificate.to_str().unwrap(), "--account", BOB];
        let output = cli(&destination, &[&args[..], &[password_file.to_str().unwrap()], &ca[..]].concat());
        assert!(output.stdout.contains(expected), "expected {expected:?}:\n{}", output.stdout);
    };

    import("done: 9 message(s) copied, 0 already there");
    assert_eq!(mail_of(&destination, BOB), mail_of(&source, ALICE), "folders, bytes, flags or dates differ");
    import("done: 0 message(s) copied, 0 already there");
    assert!(deliver(source.addr("smtp"), ALICE, "<late@example.org>", 100).unwrap());
    import("done: 1 message(s) copied, 0 already there");
    assert_eq!(mail_of(&destination, BOB), mail_of(&source, ALICE));

    // The password on standard input this time.
    let args = ["import", "imap", "--from", &from, "--user", ALICE, "--account", BOB];
    let unverified = destination.cli(&args, Some(&format!("{ALICE_PASSWORD}\n")));
    assert_eq!(unverified.code, Some(1), "a certificate no CA vouches for is refused: {unverified:?}");
    assert!(unverified.stderr.contains("--ca-file"), "{}", unverified.stderr);
}

/// Delivers one message to `to` over SMTP (the MX listener); whether it was accepted with 250.
fn deliver(smtp: SocketAddr, to: &str, message_id: &str, body_len: usize) -> std::io::Result<bool> {
    let stream = TcpStream::connect(smtp)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut reply = |writer: &mut TcpStream, command: &str| -> std::io::Result<String> {
        if !command.is_empty() {
            writer.write_all(command.as_bytes())?;
        }
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Ok(String::new());
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(line);
            }
        }
    };
    let body = "x".repeat(76) + "\r\n";
    let body = body.repeat(body_len / 78 + 1);
    let message = format!(
        "From: <sender@example.org>\r\nTo: <{to}>\r\nSubject: load\r\nMessage-ID: {message_id}\r\n\r\n{body}.\r\n"
    );
    let steps = [
        ("", "220"),
        ("EHLO client.example.org\r\n", "250"),
        ("MAIL FROM:<sender@example.org>\r\n", "250"),
        (&format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n", "354"),
    ];
    for (command, expected) in steps {
        if !reply(&mut writer, command)?.starts_with(expected) {
            return Ok(false);
        }
    }
    let accepted = reply(&mut writer, &message)?.starts_with("250");
    let _ = reply(&mut writer, "QUIT\r\n");
    Ok(accepted)
}

/// The Message-IDs of the messages of `address`'s INBOX.
fn message_ids(server: &TestServer, address: &str) -> BTreeSet<String> {
    let ids = server.messages(address, "INBOX").into_iter().filter_map(|message| {
        let text = String::from_utf8_lossy(&message.bytes).into_owned();
        let line = text.lines().find(|line| line.starts_with("Message-ID: "))?;
        Some(line["Message-ID: ".len()..].to_owned())
    });
    ids.collect()
}

/// A message accepted with 250: its Message-ID, its recipient, when the 250 came.
type Acknowledged = (String, &'static str, Instant);

#[test]
fn a_backup_taken_while_twenty_clients_deliver_restores_every_message_acknowledged_before_it() {
    let server = server();
    let smtp = server.addr("smtp");
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged: Arc<Mutex<Vec<Acknowledged>>> = Arc::default();
    let clients: Vec<_> = (0..20)
        .map(|client| {
            let (stop, acknowledged) = (Arc::clone(&stop), Arc::clone(&acknowledged));
            thread::spawn(move || {
                let to = if client % 2 == 0 { ALICE } else { BOB };
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let id = format!("<c{client}-{n}@example.org>");
                    // Every fifth message is large enough to be a blob file rather than a database row.
                    let size = if n % 5 == 4 { 200_000 } else { 2_000 };
                    if deliver(smtp, to, &id, size).unwrap_or(false) {
                        acknowledged.lock().unwrap().push((id, to, Instant::now()));
                    }
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(1500));
    let backup = tempfile::tempdir().unwrap();
    let backup_dir = backup.path().join("backup");
    let began = Instant::now();
    let backed_up = cli(&server, &["backup", backup_dir.to_str().unwrap()]);
    let took = began.elapsed();
    assert!(!backed_up.stdout.contains(" 0 message files"), "no large message in the backup: {}", backed_up.stdout);
    thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Relaxed);
    clients.into_iter().for_each(|client| client.join().unwrap());
    let acknowledged = acknowledged.lock().unwrap().clone();
    let before: Vec<_> = acknowledged.iter().filter(|(_, _, at)| *at < began).collect();
    assert!(before.len() >= 40, "only {} messages delivered before the backup", before.len());
    assert!(acknowledged.len() > before.len(), "no delivery while the backup ran");

    let restored_dir = tempfile::Builder::new().prefix("facteur-restored-").tempdir().unwrap();
    let data_dir = restored_dir.path().join("data");
    let restored = facteur_testkit::cli::run(&data_dir, &["restore", backup_dir.to_str().unwrap()], None);
    assert!(restored.success(), "{restored:?}");
    let refused = facteur_testkit::cli::run(&data_dir, &["restore", backup_dir.to_str().unwrap()], None);
    assert_eq!(refused.code, Some(2), "restored over a data directory: {refused:?}");
    let moved = tempfile::Builder::new().prefix("facteur-restored-").tempdir().unwrap();
    std::fs::remove_dir(moved.path()).unwrap();
    std::fs::rename(&data_dir, moved.path()).unwrap();
    let restored = TestServer::start_in(moved);

    let alice_ids = message_ids(&restored, ALICE);
    let bob_ids = message_ids(&restored, BOB);
    for (id, to, _) in &before {
        let ids = if *to == ALICE { &alice_ids } else { &bob_ids };
        assert!(ids.contains(id), "{id}, acknowledged before the backup, is not in the restored store");
    }
    let (status, selected, fetched) = imap_counts(&restored);
    assert_eq!((status, selected, fetched), (alice_ids.len(), alice_ids.len(), alice_ids.len()));
    println!(
        "backup in {took:?}: {} acknowledged before it, {} during or after; {} in the restored INBOXes",
        before.len(),
        acknowledged.len() - before.len(),
        alice_ids.len() + bob_ids.len()
    );
}

/// Alice's INBOX on `server` as IMAP sees it: STATUS MESSAGES, SELECT's EXISTS, and how many messages a
/// FETCH of every body returns.
fn imap_counts(server: &TestServer) -> (usize, usize, usize) {
    use futures_util::TryStreamExt;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = facteur_testkit::client_config_trusting(&server.certificate());
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(&config));
        let tcp = tokio::net::TcpStream::connect(server.addr("imaps")).await.unwrap();
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut client = async_imap::Client::new(connector.connect(name, tcp).await.unwrap());
        client.read_response().await.unwrap().unwrap();
        let mut session = client.login(ALICE, ALICE_PASSWORD).await.map_err(|(error, _)| error).unwrap();
        let status = session.status("INBOX", "(MESSAGES)").await.unwrap().exists as usize;
        let selected = session.select("INBOX").await.unwrap().exists as usize;
        let bodies: Vec<_> = session.fetch("1:*", "BODY.PEEK[]").await.unwrap().try_collect().await.unwrap();
        let fetched = bodies.iter().filter(|message| message.body().is_some()).count();
        session.logout().await.unwrap();
        (status, selected, fetched)
    })
}

#[test]
fn a_postgresql_store_is_left_to_pg_dump() {
    let data_dir = tempfile::tempdir().unwrap();
    let init = facteur_testkit::cli::run(data_dir.path(), &["init", "--domain", "example.test", "--no-acme"], None);
    assert!(init.success(), "{init:?}");
    let config_path = data_dir.path().join("facteur.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let config = config
        .replace("backend = \"sqlite\"", "backend = \"postgres\"")
        .replace("url = \"\"", "url = \"postgres://facteur@db.example.org:5432/facteur\"");
    std::fs::write(&config_path, config).unwrap();
    let into = data_dir.path().join("backup");
    let refused = facteur_testkit::cli::run(data_dir.path(), &["backup", into.to_str().unwrap()], None);
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("pg_dump --format=custom"), "{}", refused.stderr);
    assert!(!into.exists(), "nothing is written for a PostgreSQL store");
}
