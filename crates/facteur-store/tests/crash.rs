//! Crash safety: a writer process killed with SIGKILL at a random moment leaves a consistent store.
//!
//! The test binary re-runs itself: with `FACTEUR_STORE_CRASH_WRITER=<dir>` set, the `crash_writer_child` test
//! becomes a writer that delivers (and expunges) in a loop, logging each acknowledged UID; the parent kills it
//! mid-flight, reopens the store and checks every invariant a crash could break. Deliveries take every path:
//! blob put then `deliver`, streamed blob then `deliver`, and `deliver_content` (inline below the threshold,
//! a file above).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use facteur_primitives::ThreadKeys;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use facteur_store::{BlobId, Delivery, DeliveryTarget, MailboxId, ModSeq, SqliteStore, Store, Uid};
use ring::rand::{SecureRandom, SystemRandom};

const WRITER_ENV: &str = "FACTEUR_STORE_CRASH_WRITER";
const ACK_LOG: &str = "acks.log";
const ROUNDS: usize = 3;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap()
}

/// The writer half; a no-op unless the parent started this process.
#[test]
fn crash_writer_child() {
    let Some(dir) = std::env::var_os(WRITER_ENV) else { return };
    runtime().block_on(write_until_killed(PathBuf::from(dir)));
}

async fn write_until_killed(dir: PathBuf) {
    let store = std::sync::Arc::new(SqliteStore::open(&dir).await.unwrap());
    let alice = store.account_by_address("alice@example.com").await.unwrap().unwrap().id;
    let archive = store.mailbox_by_name(alice, "Archive").await.unwrap().unwrap().id;
    let mut tasks = Vec::new();
    for task in 0..4u64 {
        let (store, dir) = (store.clone(), dir.clone());
        tasks.push(tokio::spawn(async move {
            let mut acks = std::fs::OpenOptions::new().append(true).create(true).open(dir.join(ACK_LOG)).unwrap();
            let deadline = Instant::now() + Duration::from_secs(60);
            let pid = std::process::id();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let content = content(pid, task, n);
                let mut targets = vec![DeliveryTarget::inbox(alice)];
                if n.is_multiple_of(4) {
                    let mut copy = DeliveryTarget::inbox(alice);
                    copy.mailbox = Some(archive);
                    targets.push(copy);
                }
                let summary = n.to_le_bytes().to_vec();
                let delivered = if n % 5 < 2 {
                    let blob = store_blob(&store, content, n.is_multiple_of(5)).await;
                    store
                        .deliver(Delivery {
                            text: None,
                            blob,
                            summary,
                            internal_date: 0,
                            targets,
                            thread: ThreadKeys::default(),
                        })
                        .await
                        .unwrap()
                } else {
                    store
                        .deliver_content(content.into(), summary, 0, targets, ThreadKeys::default(), None)
                        .await
                        .unwrap()
                };
                for delivered in delivered {
                    // One write(2) per line: the kernel keeps it even if we die right after.
                    let line = format!("{} {}\n", delivered.mailbox.0, delivered.uid);
                    acks.write_all(line.as_bytes()).unwrap();
                    if task == 0 && n.is_multiple_of(3) {
                        store.expunge(delivered.mailbox, &[delivered.uid]).await.unwrap();
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// Distinct content of varied sizes, some large enough that the kill often lands inside a blob write.
fn content(pid: u32, task: u64, n: u64) -> Vec<u8> {
    let size = match n % 7 {
        0 => 300_000,
        1 => 20_000,
        _ => 300,
    };
    let mut content = format!("Subject: {pid}/{task}/{n}\r\n\r\n").into_bytes();
    content.resize(size, b'a' + (n % 26) as u8);
    content
}

async fn store_blob(store: &SqliteStore, content: Vec<u8>, streamed: bool) -> BlobId {
    let blobs = store.blobs().clone();
    tokio::task::spawn_blocking(move || {
        if !streamed {
            return blobs.put(&content).unwrap();
        }
        let mut writer = blobs.writer().unwrap();
        for chunk in content.chunks(8192) {
            writer.write_all(chunk).unwrap();
        }
        writer.finish().unwrap()
    })
    .await
    .unwrap()
}

#[test]
fn killed_writer_leaves_a_consistent_store() {
    if std::env::var_os(WRITER_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    rt.block_on(async {
        let store = SqliteStore::open(dir.path()).await.unwrap();
        store.add_domain("example.com").await.unwrap();
        store.create_account("alice@example.com", "h").await.unwrap();
        store.close().await.unwrap();
    });
    for round in 0..ROUNDS {
        let acked_before = acked(dir.path()).len();
        run_and_kill_writer(dir.path(), acked_before + 20);
        let acked = acked(dir.path());
        assert!(acked.len() > acked_before, "round {round}: the writer made no progress");
        rt.block_on(check_consistency(dir.path(), &acked));
    }
}

fn run_and_kill_writer(dir: &Path, wait_for_acks: usize) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_writer_child", "--nocapture", "--test-threads=1"])
        .env(WRITER_ENV, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked(dir).len() < wait_for_acks {
        assert!(Instant::now() < deadline, "the writer did not get going");
        assert!(child.try_wait().unwrap().is_none(), "the writer exited early");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut random = [0u8; 2];
    SystemRandom::new().fill(&mut random).unwrap();
    std::thread::sleep(Duration::from_millis(u64::from(u16::from_le_bytes(random) % 400)));
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no flush, no cleanup runs.
    child.wait().unwrap();
}

/// The (mailbox, uid) pairs the writer saw acknowledged, complete lines only.
fn acked(dir: &Path) -> Vec<(MailboxId, Uid)> {
    let text = std::fs::read_to_string(dir.join(ACK_LOG)).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .map(|line| {
            let (mailbox, uid) = line.split_once(' ').unwrap();
            (MailboxId(mailbox.parse().unwrap()), Uid::new(uid.parse().unwrap()).unwrap())
        })
        .collect()
}

async fn check_consistency(dir: &Path, acked: &[(MailboxId, Uid)]) {
    let store = SqliteStore::open(dir).await.unwrap();
    let alice = store.account_by_address("alice@example.com").await.unwrap().unwrap();
    let mut total_size = 0;
    let mut present = BTreeSet::new();
    for mailbox in store.list_mailboxes(alice.id).await.unwrap() {
        let messages = store.messages(mailbox.id).await.unwrap();
        let vanished = store.changes_since(mailbox.id, ModSeq(0)).await.unwrap().vanished;
        let mut uids: Vec<u32> = messages.iter().map(|m| m.uid.get()).chain(vanished.iter().map(|u| u.get())).collect();
        uids.sort_unstable();
        let expected: Vec<u32> = (1..mailbox.uidnext.get()).collect();
        assert_eq!(uids, expected, "{}: every UID below UIDNEXT is a message or a tombstone, once", mailbox.name);
        for message in &messages {
            let content = store.read_blob(message.blob).await.unwrap();
            assert_eq!(BlobId::of(&content), message.blob, "a referenced blob is complete");
            assert_eq!(content.len() as u64, message.size);
            total_size += message.size;
        }
        present.extend(messages.iter().map(|m| (mailbox.id, m.uid)));
        present.extend(vanished.iter().map(|&uid| (mailbox.id, uid)));
    }
    for ack in acked {
        assert!(present.contains(ack), "acknowledged delivery {ack:?} was lost");
    }
    assert_eq!(alice.used_bytes, total_size, "quota usage matches the messages");
    assert_blob_rows_match_references(dir, &store);
    assert_every_blob_file_is_complete(&dir.join("blobs"));
    store.close().await.unwrap();
}

/// Every blob row is counted right, referenced, and has its whole content: inline or a file.
fn assert_blob_rows_match_references(dir: &Path, store: &SqliteStore) {
    let conn = rusqlite::Connection::open(dir.join(facteur_store::sqlite::DATABASE_FILE)).unwrap();
    let mut rows = conn
        .prepare(
            "SELECT b.id, b.refcount, b.size, c.content, \
             (SELECT count(*) FROM messages WHERE blob = b.id) + (SELECT count(*) FROM queue WHERE blob = b.id) \
             FROM blobs b LEFT JOIN blob_content c ON c.id = b.id",
        )
        .unwrap();
    let rows = rows
        .query_map([], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get(1)?, row.get(2)?, row.get::<_, Option<Vec<u8>>>(3)?, row.get(4)?))
        })
        .unwrap();
    let mut inline = 0;
    for row in rows {
        let (id, refcount, size, content, references): (Vec<u8>, i64, i64, Option<Vec<u8>>, i64) = row.unwrap();
        let id = BlobId(id.try_into().unwrap());
        assert!(references > 0 && refcount == references, "{id}: refcount {refcount}, {references} references");
        match content {
            Some(content) => {
                inline += 1;
                assert_eq!((BlobId::of(&content), content.len() as i64), (id, size), "inline content is whole");
            }
            None => assert!(store.blobs().contains(id), "{id} has neither inline content nor a file"),
        }
    }
    assert!(inline > 0, "inline deliveries were exercised");
}

/// No temporary or torn file ever appears under a blob address.
fn assert_every_blob_file_is_complete(root: &Path) {
    for first in std::fs::read_dir(root).unwrap() {
        let first = first.unwrap().path();
        if first.file_name().unwrap() == "tmp" {
            continue;
        }
        for second in std::fs::read_dir(&first).unwrap() {
            for file in std::fs::read_dir(second.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                let name: BlobId = path.file_name().unwrap().to_str().unwrap().parse().unwrap();
                assert_eq!(BlobId::of(&std::fs::read(&path).unwrap()), name, "{} is torn", path.display());
            }
        }
    }
}
