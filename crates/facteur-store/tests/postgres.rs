//! The conformance suite against the PostgreSQL backend, on a throwaway PostgreSQL cluster (one per test
//! process, one database per test), plus what only several stores on one database show: changes heard
//! across nodes, concurrent writers from two stores, the schema version.
//!
//! Without PostgreSQL installed, every test says SKIPPED and passes, except under CI (`CI` set), where a
//! missing PostgreSQL fails them.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

// The cluster harness, shared with the binary-level tests through `facteur-testkit` (included by path: the
// kit itself would bring the whole server into the store's tests).
#[path = "../../facteur-testkit/src/postgres.rs"]
#[allow(dead_code)]
mod cluster;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use facteur_primitives::ThreadKeys;
use facteur_store::conformance::Backend;
use facteur_store::postgres::SCHEMA_VERSION;
use facteur_store::{
    Change, DeliveryTarget, PostgresOptions, PostgresStore, QueueAction, QueuedEnvelope, QueuedRecipient, SharedState,
    Store, StoreError,
};

/// One empty database of the process's cluster, and a staging directory; `None` when there is no PostgreSQL.
struct Postgres {
    database: Option<(String, tempfile::TempDir)>,
}

impl Postgres {
    fn new() -> Postgres {
        let database =
            cluster::postgres_cluster().map(|cluster| (cluster.create_database(), tempfile::tempdir().unwrap()));
        Postgres { database }
    }

    fn options(&self) -> PostgresOptions {
        let (url, staging) = self.database.as_ref().expect("only called when available");
        PostgresOptions {
            url: url.clone(),
            password: None,
            staging_dir: staging.path().to_owned(),
            ca_certificates: Vec::new(),
        }
    }

    async fn store(&self) -> PostgresStore {
        PostgresStore::open(self.options()).await.unwrap()
    }
}

#[async_trait]
impl Backend for Postgres {
    async fn open(&self) -> Arc<dyn Store> {
        Arc::new(self.store().await)
    }

    fn available(&self) -> bool {
        self.database.is_some()
    }
}

facteur_store::conformance_tests!(Postgres::new());

/// Each node has a staging directory of its own.
fn second_node(first: &Postgres) -> (PostgresOptions, tempfile::TempDir) {
    let staging = tempfile::tempdir().unwrap();
    (PostgresOptions { staging_dir: staging.path().to_owned(), ..first.options() }, staging)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_delivery_through_one_node_is_heard_by_another() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let first = backend.store().await;
    let (options, _staging) = second_node(&backend);
    let second = PostgresStore::open(options).await.unwrap();
    first.add_domain("example.com").await.unwrap();
    let alice = first.create_account("alice@example.com", "h").await.unwrap();
    let mut heard = second.subscribe();
    let delivered = first.deliver_content(
        b"hello".as_slice().into(),
        vec![],
        0,
        vec![DeliveryTarget::inbox(alice)],
        ThreadKeys::default(),
        None,
    );
    let delivered = delivered.await.unwrap();
    let expected = Change { account: alice, mailbox: delivered[0].mailbox, modseq: delivered[0].modseq };
    let change = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let change = heard.recv().await.unwrap();
            if change == expected {
                return change;
            }
        }
    });
    assert_eq!(change.await.unwrap(), expected);
    assert_eq!(second.read_blob(first.messages(delivered[0].mailbox).await.unwrap()[0].blob).await.unwrap(), b"hello");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_delivering_at_once_never_share_a_uid() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let (options, _staging) = second_node(&backend);
    let nodes: [Arc<dyn Store>; 2] =
        [Arc::new(backend.store().await), Arc::new(PostgresStore::open(options).await.unwrap())];
    nodes[0].add_domain("example.com").await.unwrap();
    let alice = nodes[0].create_account("alice@example.com", "h").await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..40usize {
        let node = nodes[n % 2].clone();
        tasks.push(tokio::spawn(async move {
            let content = format!("Subject: {n}\r\n\r\nbody\r\n").into_bytes();
            node.deliver_content(
                content.into(),
                vec![],
                0,
                vec![DeliveryTarget::inbox(alice)],
                ThreadKeys::default(),
                None,
            )
            .await
            .unwrap()[0]
                .uid
        }));
    }
    let mut uids = Vec::new();
    for task in tasks {
        uids.push(task.await.unwrap().get());
    }
    uids.sort_unstable();
    assert_eq!(uids, (1..=40).collect::<Vec<u32>>());
}

#[tokio::test]
async fn opening_twice_is_idempotent_and_newer_schema_is_refused() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    assert_eq!(PostgresStore::schema_version(&backend.options()).await.unwrap(), 0);
    let store = backend.store().await;
    store.close().await.unwrap();
    drop(store);
    let store = backend.store().await;
    store.add_domain("example.com").await.unwrap();
    drop(store);
    assert_eq!(PostgresStore::schema_version(&backend.options()).await.unwrap(), SCHEMA_VERSION);
    set_schema_version(&backend, SCHEMA_VERSION + 1).await;
    let err = PostgresStore::open(backend.options()).await.unwrap_err();
    assert!(matches!(err, StoreError::SchemaTooNew { .. }), "{err}");
}

async fn set_schema_version(backend: &Postgres, version: i64) {
    let config: tokio_postgres::Config = backend.options().url.parse().unwrap();
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.execute("UPDATE facteur_schema SET version = $1", &[&version]).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_not_an_error_of_ours() {
    let staging = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A socket directory with no server in it.
    let url = format!("postgres://postgres@{}:5432/none", dir.path().to_string_lossy().replace('/', "%2F"));
    let options =
        PostgresOptions { url, password: None, staging_dir: staging.path().to_owned(), ca_certificates: Vec::new() };
    let err = PostgresStore::open(options).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_staged_blob_is_copied_in_at_delivery_and_read_by_every_node() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let first = backend.store().await;
    let (options, _staging) = second_node(&backend);
    let second = PostgresStore::open(options).await.unwrap();
    first.add_domain("example.com").await.unwrap();
    let alice = first.create_account("alice@example.com", "h").await.unwrap();
    let blob = first.blobs().put(b"streamed APPEND").unwrap();
    let delivery = facteur_store::Delivery {
        text: None,
        blob,
        summary: vec![],
        internal_date: 0,
        targets: vec![DeliveryTarget::inbox(alice)],
        thread: ThreadKeys::default(),
    };
    first.deliver(delivery.clone()).await.unwrap();
    assert!(!second.blobs().contains(blob), "the second node never had the file");
    assert_eq!(second.read_blob(blob).await.unwrap(), b"streamed APPEND");
    // The second node can deliver it again without a file: the database has the content.
    second.deliver(delivery).await.unwrap();
    assert_eq!(second.account(alice).await.unwrap().unwrap().used_bytes, 30);
}

#[tokio::test]
async fn queue_works_across_nodes() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let first = backend.store().await;
    let (options, _staging) = second_node(&backend);
    let second = PostgresStore::open(options).await.unwrap();
    let envelope = QueuedEnvelope {
        return_path: String::new(),
        envid: None,
        ret: None,
        expires_at: 2_000_000_000,
        require_tls: false,
        recipients: vec![QueuedRecipient { address: "x@remote.net".into(), orcpt: None, notify: Default::default() }],
        account: None,
    };
    let id = first.enqueue_content(b"bounce".as_slice().into(), envelope).await.unwrap();
    assert_eq!(second.queue().await.unwrap()[0].id, id);
    assert_eq!(second.change_queue(Some(id), QueueAction::Hold, 1).await.unwrap(), 1);
    second.dequeue(id).await.unwrap();
    assert!(first.queue().await.unwrap().is_empty());
}

#[tokio::test]
async fn one_node_at_a_time_holds_a_queued_message_until_it_releases_or_the_lease_ends() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let first = backend.store().await;
    let (options, _staging) = second_node(&backend);
    let second = PostgresStore::open(options).await.unwrap();
    let envelope = QueuedEnvelope {
        return_path: String::new(),
        envid: None,
        ret: None,
        expires_at: 2_000_000_000,
        require_tls: false,
        recipients: vec![QueuedRecipient { address: "x@remote.net".into(), orcpt: None, notify: Default::default() }],
        account: None,
    };
    let id = first.enqueue_content(b"once".as_slice().into(), envelope).await.unwrap();
    assert!(first.claim_queue_entry(id, 1_000, 2_800).await.unwrap().is_some());
    assert!(second.claim_queue_entry(id, 1_001, 2_801).await.unwrap().is_none(), "held by the first node");
    second.release_queue_entry(id, 2_801).await.unwrap();
    assert!(
        second.claim_queue_entry(id, 1_002, 2_802).await.unwrap().is_none(),
        "another holder's release is no release"
    );
    assert!(second.claim_queue_entry(id, 2_800, 4_600).await.unwrap().is_some(), "the first lease ran out");
    second.release_queue_entry(id, 4_600).await.unwrap();
    assert!(first.claim_queue_entry(id, 2_900, 4_700).await.unwrap().is_some(), "released");
}

/// The shared state of a second node on the same database.
async fn two_nodes(backend: &Postgres) -> (Arc<dyn SharedState>, Arc<dyn SharedState>, tempfile::TempDir) {
    let first: Arc<dyn Store> = Arc::new(backend.store().await);
    let (options, staging) = second_node(backend);
    let second: Arc<dyn Store> = Arc::new(PostgresStore::open(options).await.unwrap());
    (first.shared().unwrap(), second.shared().unwrap(), staging)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn login_failures_count_across_nodes_grow_stale_and_are_pruned_to_a_bound() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let (first, second, _staging) = two_nodes(&backend).await;
    let keys = ["net 192.0.2.0".to_owned(), "account 1234abcd".to_owned()];
    first.count_login_failure(&keys, 1_000, 100).await.unwrap();
    second.count_login_failure(&keys, 1_010, 110).await.unwrap();
    second.count_login_failure(&keys[..1], 1_020, 120).await.unwrap();
    assert_eq!(first.login_failures(&keys, 120).await.unwrap(), [3, 2], "counted by both nodes");
    assert_eq!(first.login_failures(&keys, 1_010).await.unwrap(), [3, 0], "the account's last failure is stale");
    second.count_login_failure(&keys[1..], 2_000, 1_010).await.unwrap();
    assert_eq!(second.login_failures(&keys[1..], 1_010).await.unwrap(), [1], "a stale count starts again");
    first.forget_login_failures(&keys).await.unwrap();
    assert_eq!(second.login_failures(&keys, 0).await.unwrap(), [0, 0]);

    for n in 0..20 {
        first.count_login_failure(&[format!("net 198.51.100.{n}")], 3_000 + n, 0).await.unwrap();
    }
    assert_eq!(second.prune_login_failures(3_004, 10).await.unwrap(), 10, "5 stale, then the 5 oldest");
    let kept: Vec<String> = (10..20).map(|n| format!("net 198.51.100.{n}")).collect();
    assert_eq!(first.login_failures(&kept, 0).await.unwrap(), vec![1; 10], "the most recent are kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shared_directory_is_replaced_whole_and_unchanged_files_keep_their_version() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let (first, second, _staging) = two_nodes(&backend).await;
    let files = |pairs: &[(&str, &str)]| -> Vec<(String, Vec<u8>)> {
        pairs.iter().map(|(name, content)| ((*name).to_owned(), content.as_bytes().to_vec())).collect()
    };
    let stored = first
        .replace_shared_files("dkim/example.com", files(&[("selectors", "s1 rsa active\n"), ("s1.rsa.pem", "K1")]), 1)
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    first.replace_shared_files("acme", files(&[("cert.pem", "C")]), 1).await.unwrap();
    let before = second.shared_file_versions().await.unwrap();
    let names: Vec<(&str, &str)> = before.iter().map(|f| (f.directory.as_str(), f.name.as_str())).collect();
    assert_eq!(names, [("acme", "cert.pem"), ("dkim/example.com", "s1.rsa.pem"), ("dkim/example.com", "selectors")]);

    let rotated = files(&[("selectors", "s2 rsa active\n"), ("s2.rsa.pem", "K2")]);
    second.replace_shared_files("dkim/example.com", rotated, 2).await.unwrap();
    let read = first.shared_files("dkim/example.com").await.unwrap();
    let read: Vec<(&str, &[u8])> = read.iter().map(|f| (f.name.as_str(), f.content.as_slice())).collect();
    assert_eq!(read, [("s2.rsa.pem", b"K2".as_slice()), ("selectors", b"s2 rsa active\n".as_slice())], "s1 is gone");
    let after = first.shared_file_versions().await.unwrap();
    assert_eq!(after[0], before[0], "another directory is untouched");
    assert!(after[2].version > before[2].version, "a changed file has a new version");

    let again = second.replace_shared_files("acme", files(&[("cert.pem", "C")]), 3).await.unwrap();
    assert_eq!(again[0].version, before[0].version, "the same content keeps its version");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_http01_answer_published_by_one_node_is_found_by_another_until_withdrawn_or_expired() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let (first, second, _staging) = two_nodes(&backend).await;
    first.publish_http01("token-1", "token-1.thumbprint", 1_000, 1_300).await.unwrap();
    first.publish_http01("token-2", "token-2.thumbprint", 1_000, 1_300).await.unwrap();
    assert_eq!(second.http01_answer("token-1", 1_100).await.unwrap().as_deref(), Some("token-1.thumbprint"));
    assert_eq!(second.http01_answer("token-1", 1_300).await.unwrap(), None, "expired");
    assert_eq!(second.http01_answer("unknown", 1_100).await.unwrap(), None);
    first.withdraw_http01("token-2").await.unwrap();
    assert_eq!(second.http01_answer("token-2", 1_100).await.unwrap(), None, "withdrawn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lease_taken_through_one_node_is_refused_through_another() {
    let backend = Postgres::new();
    if !backend.available() {
        return;
    }
    let first = backend.store().await;
    let (options, _staging) = second_node(&backend);
    let second = PostgresStore::open(options).await.unwrap();
    assert!(first.try_lease("pop3 maildrop 1", "node a", 1_000, 1_060).await.unwrap());
    assert!(!second.try_lease("pop3 maildrop 1", "node b", 1_001, 1_061).await.unwrap());
    first.release_lease("pop3 maildrop 1", "node a").await.unwrap();
    assert!(second.try_lease("pop3 maildrop 1", "node b", 1_002, 1_062).await.unwrap());
}
