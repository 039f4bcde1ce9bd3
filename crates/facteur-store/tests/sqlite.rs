//! The conformance suite against the SQLite backend, plus SQLite-specific behaviour (sweep, schema version).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use facteur_primitives::ThreadKeys;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use facteur_store::conformance::Backend;
use facteur_store::sqlite::{DATABASE_FILE, DEFAULT_INLINE_MAX, SCHEMA_VERSION};
use facteur_store::{BlobId, SqliteOptions, SqliteStore, Store, StoreError};

struct Sqlite {
    dir: tempfile::TempDir,
}

impl Sqlite {
    fn new() -> Sqlite {
        Sqlite { dir: tempfile::tempdir().unwrap() }
    }
}

#[async_trait]
impl Backend for Sqlite {
    async fn open(&self) -> Arc<dyn Store> {
        Arc::new(SqliteStore::open(self.dir.path()).await.unwrap())
    }
}

facteur_store::conformance_tests!(Sqlite::new());

fn age(path: &std::path::Path, seconds: u64) {
    let then = SystemTime::now() - Duration::from_secs(seconds);
    std::fs::File::options().write(true).open(path).unwrap().set_modified(then).unwrap();
}

#[tokio::test]
async fn open_sweeps_old_orphans_and_temp_files_but_not_young_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    // Files as a crashed writer leaves them: complete blobs with no row, and a temp file.
    let old_orphan = store.blobs().put(b"old orphan").unwrap();
    let young_orphan = store.blobs().put(b"young orphan").unwrap();
    age(&store.blobs().path(old_orphan), 7200);
    let old_temp = dir.path().join("blobs/tmp/0123abcd");
    std::fs::write(&old_temp, b"partial").unwrap();
    age(&old_temp, 7200);
    // A referenced blob, however old, stays.
    store.add_domain("example.com").await.unwrap();
    let alice = store.create_account("alice@example.com", "h").await.unwrap();
    let kept = store.blobs().put(b"referenced").unwrap();
    let target = facteur_store::DeliveryTarget::inbox(alice);
    let delivery = facteur_store::Delivery {
        text: None,
        blob: kept,
        summary: vec![],
        internal_date: 0,
        targets: vec![target],
        thread: ThreadKeys::default(),
    };
    store.deliver(delivery).await.unwrap();
    age(&store.blobs().path(kept), 7200);
    store.close().await.unwrap();
    drop(store);

    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert!(!store.blobs().contains(old_orphan));
    assert!(store.blobs().contains(young_orphan), "a young orphan may belong to a writer in another process");
    assert!(store.blobs().contains(kept));
    assert!(!old_temp.exists());
}

#[tokio::test]
async fn opening_twice_is_idempotent_and_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    store.close().await.unwrap();
    drop(store);
    let store = SqliteStore::open(dir.path()).await.unwrap();
    store.add_domain("example.com").await.unwrap();
    store.close().await.unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    let err = SqliteStore::open(dir.path()).await.unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
}

#[tokio::test]
async fn two_stores_on_one_directory_see_each_others_writes() {
    // The CLI opens the data directory while the server runs.
    let dir = tempfile::tempdir().unwrap();
    let server = SqliteStore::open(dir.path()).await.unwrap();
    let cli = SqliteStore::open(dir.path()).await.unwrap();
    cli.add_domain("example.com").await.unwrap();
    cli.create_account("alice@example.com", "h").await.unwrap();
    let blob: BlobId = server.blobs().put(b"hi").unwrap();
    let alice = server.account_by_address("alice@example.com").await.unwrap().unwrap().id;
    let target = facteur_store::DeliveryTarget::inbox(alice);
    let delivery = facteur_store::Delivery {
        text: None,
        blob,
        summary: vec![],
        internal_date: 0,
        targets: vec![target],
        thread: ThreadKeys::default(),
    };
    server.deliver(delivery).await.unwrap();
    assert_eq!(cli.account(alice).await.unwrap().unwrap().used_bytes, 2);
}

/// Rows of `blob_content`: how many blobs are stored inline.
fn inline_rows(dir: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).unwrap();
    conn.query_row("SELECT count(*) FROM blob_content", [], |row| row.get(0)).unwrap()
}

async fn deliver_content(store: &SqliteStore, content: &[u8], account: facteur_store::AccountId) -> BlobId {
    let targets = vec![facteur_store::DeliveryTarget::inbox(account)];
    let delivered =
        store.deliver_content(content.into(), vec![], 0, targets, ThreadKeys::default(), None).await.unwrap();
    store.messages(delivered[0].mailbox).await.unwrap().last().unwrap().blob
}

#[tokio::test]
async fn small_content_goes_inline_and_large_content_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    store.add_domain("example.com").await.unwrap();
    let alice = store.create_account("alice@example.com", "h").await.unwrap();
    let small = deliver_content(&store, &[b's'; DEFAULT_INLINE_MAX], alice).await;
    let large = deliver_content(&store, &vec![b'l'; DEFAULT_INLINE_MAX + 1], alice).await;
    assert!(!store.blobs().contains(small), "at the threshold, content is inline: no file");
    assert!(store.blobs().contains(large));
    assert_eq!(inline_rows(dir.path()), 1);
    // The last reference takes the inline content with it.
    let inbox = store.mailbox_by_name(alice, "INBOX").await.unwrap().unwrap().id;
    store.expunge(inbox, &[facteur_store::Uid::MIN]).await.unwrap();
    assert_eq!(inline_rows(dir.path()), 0);
    assert!(matches!(store.read_blob(small).await, Err(StoreError::BlobMissing(_))));
}

#[tokio::test]
async fn inline_threshold_is_an_option_and_zero_means_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let options = SqliteOptions { inline_max: 0, ..SqliteOptions::default() };
    let store = SqliteStore::open_with(dir.path(), options).await.unwrap();
    store.add_domain("example.com").await.unwrap();
    let alice = store.create_account("alice@example.com", "h").await.unwrap();
    let blob = deliver_content(&store, b"tiny", alice).await;
    assert!(store.blobs().contains(blob));
    assert_eq!(inline_rows(dir.path()), 0);
    // Reopened with the default, the blob stays a file and new small content goes inline.
    store.close().await.unwrap();
    drop(store);
    let store = SqliteStore::open(dir.path()).await.unwrap();
    let again = deliver_content(&store, b"tiny", alice).await;
    assert_eq!(again, blob);
    assert_eq!(inline_rows(dir.path()), 0, "a blob keeps the storage it was created with");
    deliver_content(&store, b"other", alice).await;
    assert_eq!(inline_rows(dir.path()), 1);
}

#[tokio::test]
async fn one_node_shares_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).await.unwrap());
    assert!(store.shared().is_none(), "login failures, DKIM keys and certificates stay with the one node");
}

#[tokio::test]
async fn a_backup_holds_blob_removals_back_and_copies_what_its_snapshot_references() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    store.add_domain("example.com").await.unwrap();
    let alice = store.create_account("alice@example.com", "h").await.unwrap();
    let large = deliver_content(&store, &vec![b'l'; DEFAULT_INLINE_MAX + 1], alice).await;
    deliver_content(&store, b"small", alice).await;
    let inbox = store.mailbox_by_name(alice, "INBOX").await.unwrap().unwrap().id;

    // While a backup holds removals back, an expunge leaves the large message's file in place...
    let hold = store.blobs().hold_removals().unwrap();
    store.expunge(inbox, &[facteur_store::Uid::MIN]).await.unwrap();
    assert!(store.blobs().contains(large), "a file went while a backup held removals back");
    drop(hold);
    // ...as an orphan, which the store no longer references.
    assert!(matches!(store.read_blob(large).await, Err(StoreError::BlobMissing(_))));

    let with_file = deliver_content(&store, &vec![b'm'; DEFAULT_INLINE_MAX + 1], alice).await;
    let backup = tempfile::tempdir().unwrap();
    let copied = facteur_store::sqlite::backup::back_up(dir.path(), &backup.path().join("store")).unwrap();
    assert_eq!((copied.blob_files, copied.blob_bytes), (1, DEFAULT_INLINE_MAX as u64 + 1));
    assert!(facteur_store::sqlite::backup::back_up(dir.path(), &backup.path().join("store")).is_err());

    let restored = tempfile::tempdir().unwrap();
    let put_back = facteur_store::sqlite::backup::restore(&backup.path().join("store"), restored.path()).unwrap();
    assert_eq!(put_back, copied);
    let again = SqliteStore::open(restored.path()).await.unwrap();
    let messages = again.messages(inbox).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(again.read_blob(with_file).await.unwrap().len(), DEFAULT_INLINE_MAX + 1);
    assert_eq!(again.read_blob(messages[0].blob).await.unwrap(), b"small");
}

/// With `full_text_index` off, searches are told to read everything, and deliveries wait, listed, for the index
/// to be turned on.
#[tokio::test]
async fn with_the_index_off_nothing_is_indexed_but_everything_is_listed() {
    use facteur_primitives::SearchText;
    let dir = tempfile::tempdir().unwrap();
    let off = SqliteOptions { full_text_index: false, ..SqliteOptions::default() };
    let store = SqliteStore::open_with(dir.path(), off).await.unwrap();
    store.add_domain("example.com").await.unwrap();
    let alice = store.create_account("alice@example.com", "h").await.unwrap();
    let inbox = store.mailbox_by_name(alice, "INBOX").await.unwrap().unwrap().id;
    let text = SearchText { text: "un cafe".into(), complete: true };
    let targets = vec![facteur_store::DeliveryTarget::inbox(alice)];
    store.deliver_content((&b"1"[..]).into(), vec![], 0, targets, ThreadKeys::default(), Some(text)).await.unwrap();
    assert_eq!(store.text_candidates(inbox, "cafe").await.unwrap(), None);
    assert!(store.text_pending(10).await.unwrap().is_empty());
    store.close().await.unwrap();
    let store = SqliteStore::open(dir.path()).await.unwrap();
    assert_eq!(store.text_pending(10).await.unwrap(), vec![BlobId::of(b"1")]);
    assert_eq!(store.text_candidates(inbox, "zzz").await.unwrap().map(|found| found.len()), Some(1));
}
