//! `facteur store migrate --to URL` against the real binary (README: "Moving from SQLite to PostgreSQL"): a
//! server with mail, folders, flags, expunged messages, an alias and a queued message is stopped, migrated,
//! and started again on PostgreSQL; IMAP clients find every UIDVALIDITY, UID and MODSEQ as they were, JMAP
//! clients every state string and id, and mbsync has nothing to do. An interrupted migration resumes.
//!
//! Without PostgreSQL or mbsync the tests say SKIPPED (and fail under CI).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::imap::{ALICE, ALICE_PASSWORD, BOB, BOB_PASSWORD, run_script_as};
use common::jmap::run_jmap_script;
use facteur_config::StoreBackend;
use facteur_testkit::{CliOutput, TestServer, facteur_binary, tool_available};

/// A server with alice and bob whose mail for `remote.test` goes to a port where nothing listens: it stays
/// queued.
fn server() -> TestServer {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    TestServer::builder()
        .account(ALICE, ALICE_PASSWORD)
        .account(BOB, BOB_PASSWORD)
        .configure(move |config| {
            config.relay.routes.insert("remote.test".into(), closed.to_string());
        })
        .start()
}

/// A fresh database, or `None` (SKIPPED) without PostgreSQL.
fn database() -> Option<String> {
    facteur_testkit::postgres_cluster().map(|cluster| cluster.create_database())
}

/// Mail over SMTP submission (to bob, to an alias of both, and to a remote address, which stays queued) and
/// over IMAP (APPEND, a folder, flags, keywords, an expunge).
fn populate(server: &TestServer) {
    let added = server.cli(&["alias", "add", "team@example.test", ALICE, BOB], None);
    assert!(added.success(), "{added:?}");
    let submission = server.submission(ALICE, ALICE_PASSWORD);
    for (n, to) in [BOB, "team@example.test", "someone@remote.test"].into_iter().enumerate() {
        let message = lettre::Message::builder()
            .from(ALICE.parse().unwrap())
            .to(to.parse().unwrap())
            .message_id(Some(format!("<submitted-{n}@example.test>")))
            .subject(format!("submitted {n}"))
            .body(format!("Sent to {to}.\r\n"))
            .unwrap();
        submission.send(message);
    }
    run_script_as(server, "store_migrate.py", "populate", &[(ALICE, ALICE_PASSWORD)]);
    wait_for_a_delivery_attempt(server);
}

/// Waits until the queued message has been tried once, so that what the queue holds no longer changes.
fn wait_for_a_delivery_attempt(server: &TestServer) {
    for _ in 0..100 {
        if server.cli(&["queue", "list"], None).stdout.contains("attempts 1") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the queued message was never tried:\n{}", server.log());
}

/// What IMAP says of every mailbox of alice and bob: STATUS and each message's UID, flags, MODSEQ and hash.
fn imap_snapshot(server: &TestServer) -> String {
    run_script_as(server, "store_migrate.py", "snapshot", &[(ALICE, ALICE_PASSWORD), (BOB, BOB_PASSWORD)])
}

/// What JMAP clients of alice and bob keep: state strings, mailbox and email ids.
fn jmap_snapshot(server: &TestServer) -> String {
    [(ALICE, ALICE_PASSWORD), (BOB, BOB_PASSWORD)].map(|user| run_jmap_script(server, "states", user, &[])).concat()
}

/// `facteur queue show 1` without its relative times ("queued 5s ago"), which move with the clock.
fn queued_message(data_dir: &Path) -> String {
    let shown = facteur_testkit::cli::run(data_dir, &["queue", "show", "1"], None);
    assert!(shown.success(), "{shown:?}");
    let timeless = |line: &str| {
        let cut = ["queued", "expires:", "next attempt"].iter().filter_map(|word| line.find(word)).min();
        line[..cut.unwrap_or(line.len())].to_owned()
    };
    shown.stdout.lines().map(timeless).collect::<Vec<_>>().join("\n")
}

/// `facteur store migrate --to URL`, with the test hooks in `env`.
fn migrate(data_dir: &Path, url: &str, env: &[(&str, &str)]) -> CliOutput {
    let output = Command::new(facteur_binary())
        .arg("--data-dir")
        .arg(data_dir)
        .args(["store", "migrate", "--to", url])
        .envs(env.iter().copied())
        .output()
        .unwrap();
    CliOutput {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The rows of each table as the migration's summary gives them: (SQLite, PostgreSQL).
fn verified_counts(stdout: &str) -> BTreeMap<String, (u64, u64)> {
    stdout
        .lines()
        .filter(|line| line.ends_with("identical") || line.ends_with("DIFFERENT"))
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            (words[0].to_owned(), (words[1].parse().unwrap(), words[2].parse().unwrap()))
        })
        .collect()
}

/// mbsync (isync) keeping a maildir copy of every folder of alice's.
struct Mbsync {
    dir: tempfile::TempDir,
}

impl Mbsync {
    fn new() -> Mbsync {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("mail")).unwrap();
        Mbsync { dir }
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// Synchronises both ways with the server (at its current port) and returns what mbsync said.
    fn sync(&self, server: &TestServer) -> String {
        let config = self.dir.path().join("mbsyncrc");
        let local = self.maildir().display().to_string();
        std::fs::write(
            &config,
            format!(
                "IMAPAccount facteur\nHost 127.0.0.1\nPort {port}\nUser {ALICE}\nPass \"{ALICE_PASSWORD}\"\n\
                 SSLType IMAPS\nCertificateFile {cert}\n\n\
                 IMAPStore remote\nAccount facteur\n\n\
                 MaildirStore local\nPath {local}/\nInbox {local}/INBOX\n\n\
                 Channel everything\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nExpunge Both\n\
                 Sync All\nSyncState *\n",
                port = server.addr("imaps").port(),
                cert = server.certificate().display(),
            ),
        )
        .unwrap();
        let output = Command::new("mbsync").arg("-V").arg("-c").arg(&config).arg("-a").output().unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert!(output.status.success(), "mbsync failed:\n{said}\nserver log:\n{}", server.log());
        said
    }

    /// Every file of the maildir (messages, whose names carry their UID and flags, and mbsync's sync state
    /// with each folder's UIDVALIDITY and UIDs) with its content.
    fn state(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut dirs = vec![self.maildir()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().map(Result::unwrap) {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if !path.to_string_lossy().contains(".lock") {
                    let content = std::fs::read(&path).unwrap();
                    files.insert(path.strip_prefix(self.maildir()).unwrap().to_owned(), content);
                }
            }
        }
        files
    }
}

/// The differences between two maildir states, by file.
fn changed_files(before: &BTreeMap<PathBuf, Vec<u8>>, after: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let mut changed = Vec::new();
    for path in before.keys().chain(after.keys()).collect::<std::collections::BTreeSet<_>>() {
        match (before.get(path), after.get(path)) {
            (Some(old), Some(new)) if old == new => {}
            (Some(old), Some(new)) => changed.push(format!(
                "{} changed:\n{}\n----\n{}",
                path.display(),
                String::from_utf8_lossy(old),
                String::from_utf8_lossy(new)
            )),
            (Some(_), None) => changed.push(format!("{} removed", path.display())),
            _ => changed.push(format!("{} added", path.display())),
        }
    }
    changed
}

#[test]
fn a_migrated_server_keeps_every_uid_and_modseq_and_mbsync_has_nothing_to_fetch() {
    if !tool_available("mbsync") {
        return;
    }
    let Some(url) = database() else { return };
    let mut server = server();
    populate(&server);
    let mbsync = Mbsync::new();
    mbsync.sync(&server);
    mbsync.sync(&server);
    let synced = mbsync.state();
    assert!(synced.keys().any(|path| path.starts_with("Projects")), "mbsync copied the folders: {synced:?}");
    let imap_before = imap_snapshot(&server);
    assert!(imap_before.contains("HIGHESTMODSEQ"), "{imap_before}");
    let jmap_before = jmap_snapshot(&server);
    assert!(jmap_before.contains("\"threadId\""), "{jmap_before}");

    let refused = server.cli(&["store", "migrate", "--to", &url], None);
    assert_eq!(refused.code, Some(1), "refused while the server runs: {refused:?}");
    assert!(refused.stderr.contains("stop the server"), "{refused:?}");

    let (mut queue_before, mut queue_after, mut migrated) = (String::new(), String::new(), None);
    server.stop_and_restart(|dir| {
        queue_before = queued_message(dir);
        migrated = Some(migrate(dir, &url, &[]));
        queue_after = queued_message(dir);
    });
    let migrated = migrated.unwrap();
    assert!(migrated.success(), "{migrated:?}");
    eprintln!("facteur store migrate said:\n{}", migrated.stdout);
    let counts = verified_counts(&migrated.stdout);
    assert!(counts.len() >= 20 && counts.values().all(|(sqlite, postgres)| sqlite == postgres), "{}", migrated.stdout);
    assert!(!migrated.stdout.contains("DIFFERENT"), "{}", migrated.stdout);
    assert!(migrated.stdout.contains("the same SHA-256 on both sides"), "{}", migrated.stdout);
    assert!(migrated.stdout.contains("is no longer used"), "{}", migrated.stdout);
    assert_eq!(server.config().store.backend, StoreBackend::Postgres);
    assert_eq!(server.config().store.url, url);
    assert!(server.data_dir().join("store/facteur.db").exists(), "the SQLite store is left in place");
    assert_eq!(queue_after, queue_before);
    assert!(queue_after.contains("someone@remote.test  pending  attempts 1"), "{queue_after}");

    let said = mbsync.sync(&server);
    assert_eq!(changed_files(&synced, &mbsync.state()), Vec::<String>::new(), "mbsync said:\n{said}");
    assert_eq!(imap_snapshot(&server), imap_before);
    assert_eq!(jmap_snapshot(&server), jmap_before);
    let aliases = server.cli(&["alias", "list"], None);
    assert!(aliases.stdout.contains("team@example.test"), "{aliases:?}");

    // The server on PostgreSQL goes on from there: new mail gets the next UID, and mbsync fetches it.
    run_script_as(&server, "store_migrate.py", "append", &[(ALICE, ALICE_PASSWORD)]);
    mbsync.sync(&server);
    let state = mbsync.state();
    let added = changed_files(&synced, &state);
    assert!(added.iter().any(|file| file.starts_with("INBOX/new/") && file.ends_with(" added")), "{added:?}");
    let inbox_state = String::from_utf8_lossy(&state[Path::new("INBOX/.mbsyncstate")]).into_owned();
    assert!(inbox_state.contains("MaxPulledUid 6\n"), "the copied UIDNEXT was the next UID:\n{inbox_state}");
}

#[test]
fn an_interrupted_migration_resumes_where_it_stopped() {
    let Some(url) = database() else { return };
    let mut server = server();
    populate(&server);
    let before = imap_snapshot(&server);

    let mut runs = Vec::new();
    server.stop_and_restart(|dir| {
        let small_batches = ("FACTEUR_TEST_MIGRATE_BATCH_ROWS", "3");
        runs.push(migrate(dir, &url, &[small_batches, ("FACTEUR_TEST_MIGRATE_STOP_AFTER_BATCHES", "4")]));
        runs.push(migrate(dir, &url, &[small_batches, ("FACTEUR_TEST_MIGRATE_STOP_AFTER_BATCHES", "6")]));
        let config = std::fs::read_to_string(dir.join("facteur.toml")).unwrap();
        assert!(config.contains("backend = \"sqlite\""), "unchanged until the copy is complete");
        runs.push(migrate(dir, &url, &[small_batches]));
    });
    for interrupted in &runs[..2] {
        assert_eq!(interrupted.code, Some(1), "{interrupted:?}");
        assert!(interrupted.stderr.contains("run the migration again to resume"), "{interrupted:?}");
    }
    assert!(runs[1].stdout.contains("resuming an interrupted copy"), "{:?}", runs[1]);
    let done = &runs[2];
    assert!(done.success(), "{done:?}");
    assert!(done.stdout.contains("resuming an interrupted copy"), "{}", done.stdout);
    let counts = verified_counts(&done.stdout);
    assert!(counts.values().all(|(sqlite, postgres)| sqlite == postgres), "{}", done.stdout);
    assert_eq!(counts["messages"].0, 8, "{}", done.stdout);
    assert_eq!(server.config().store.backend, StoreBackend::Postgres);
    assert_eq!(imap_snapshot(&server), before);
}

#[test]
fn a_database_already_in_use_is_refused_and_the_config_left_alone() {
    let Some(url) = database() else { return };
    // A node already on that database.
    let other = TestServer::builder().store(&url).start();
    let mut server = server();
    let mut refused = None;
    server.stop_and_restart(|dir| refused = Some(migrate(dir, &url, &[])));
    let refused = refused.unwrap();
    assert_eq!(refused.code, Some(2), "{refused:?}");
    assert!(refused.stderr.contains("already holds Facteur data (domains: 1 rows"), "{refused:?}");
    assert_eq!(server.config().store.backend, StoreBackend::Sqlite);
    drop(other);
}
