//! The conformance suite against the SQLite backend, plus SQLite-specific behaviour (sweep, schema version).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use facteur_store::conformance::Backend;
use facteur_store::sqlite::{DATABASE_FILE, SCHEMA_VERSION};
use facteur_store::{BlobId, SqliteStore, Store, StoreError};

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
    let delivery = facteur_store::Delivery { blob: kept, summary: vec![], internal_date: 0, targets: vec![target] };
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
    let delivery = facteur_store::Delivery { blob, summary: vec![], internal_date: 0, targets: vec![target] };
    server.deliver(delivery).await.unwrap();
    assert_eq!(cli.account(alice).await.unwrap().unwrap().used_bytes, 2);
}
