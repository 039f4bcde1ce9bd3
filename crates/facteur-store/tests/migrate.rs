//! `facteur_store::migrate`: a SQLite store copied into PostgreSQL reads back, through the `Store` trait, as
//! exactly what it was (ids, UIDs, MODSEQs, content, queue, caches), new rows continue after the copied ids,
//! an interrupted copy resumes, and the verification notices what differs.
//!
//! On a throwaway PostgreSQL cluster; without PostgreSQL every test says SKIPPED and passes (not under CI).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../../facteur-testkit/src/postgres.rs"]
#[allow(dead_code)]
mod cluster;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use facteur_primitives::ThreadKeys;
use facteur_store::migrate::{Event, MigrateError, Migration, Report, Source};
use facteur_store::{
    DeliveryAttempt, DeliveryTarget, FlagChange, FlagOp, Identity, Keywords, Notify, PostgresOptions, PostgresStore,
    QueuedEnvelope, QueuedRecipient, RecipientStatus, SqliteOptions, SqliteStore, Store, StoreError, SystemFlags,
    TlsSessionResult, Uid, Vacation,
};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

/// A SQLite store to copy and an empty database to copy it into; `None` without PostgreSQL.
struct Setup {
    sqlite: tempfile::TempDir,
    target: PostgresOptions,
    _staging: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Option<Setup> {
        let url = cluster::postgres_cluster()?.create_database();
        let staging = tempfile::tempdir().unwrap();
        let target = PostgresOptions {
            url,
            password: None,
            staging_dir: staging.path().to_owned(),
            ca_certificates: Vec::new(),
        };
        let setup = Setup { sqlite: tempfile::tempdir().unwrap(), target, _staging: staging };
        populate(setup.sqlite.path()).await;
        Some(setup)
    }

    async fn sqlite(&self) -> SqliteStore {
        SqliteStore::open(self.sqlite.path()).await.unwrap()
    }

    async fn migrate(&self, migration: Migration) -> Result<(Report, Vec<Event>), MigrateError> {
        let source = Source::open(self.sqlite.path()).await?;
        let mut events = Vec::new();
        let report = migration.run(&source, &mut |event| events.push(event)).await?;
        Ok((report, events))
    }

    fn migration(&self) -> Migration {
        Migration::new(self.target.clone())
    }

    async fn postgres(&self) -> PostgresStore {
        PostgresStore::open(self.target.clone()).await.unwrap()
    }

    async fn sql(&self, statement: &str) {
        let config: tokio_postgres::Config = self.target.url.parse().unwrap();
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
        let driver = tokio::spawn(connection);
        client.batch_execute(statement).await.unwrap();
        drop(client);
        driver.await.unwrap().unwrap();
    }
}

/// Something of everything the store keeps. Content above 64 bytes is a blob file, below it inline.
async fn populate(dir: &Path) {
    let store =
        SqliteStore::open_with(dir, SqliteOptions { inline_max: 64, ..SqliteOptions::default() }).await.unwrap();
    store.add_domain("example.com").await.unwrap();
    let alice = store.create_account(ALICE, "argon2-hash-a").await.unwrap();
    let bob = store.create_account(BOB, "argon2-hash-b").await.unwrap();
    // An account that went: its id is never handed out again, on either side.
    store.create_account("carol@example.com", "argon2-hash-c").await.unwrap();
    store.remove_account("carol@example.com").await.unwrap();
    assert!(store.set_scram_verifier(alice, "argon2-hash-a", "SCRAM-SHA-256$4096:c2FsdA==$a:b").await.unwrap());
    store.set_quota(BOB, Some(10_000_000)).await.unwrap();
    store.add_alias("team@example.com", &[ALICE.into(), BOB.into()]).await.unwrap();
    store.add_alias("@example.com", &[ALICE.into()]).await.unwrap();
    let identity = Identity { name: "Alice".into(), email: ALICE.into(), ..Identity::default() };
    store.create_identity(alice, identity).await.unwrap();
    let vacation = Vacation { enabled: true, subject: Some("Away".into()), ..Vacation::default() };
    store.set_vacation(alice, vacation).await.unwrap();

    let projects = store.create_mailbox(alice, "Projects", None).await.unwrap();
    store.create_mailbox(alice, "Old", None).await.unwrap();
    store.delete_mailbox(alice, "Old").await.unwrap();
    store.set_subscribed(alice, "Not Yet There", true).await.unwrap();
    for n in 0..12u32 {
        let body = if n % 3 == 0 { "x".repeat(300) } else { "short".into() };
        let content = format!("Message-ID: <m{n}@example.com>\r\nSubject: {n}\r\n\r\n{body}\r\n");
        let thread = ThreadKeys::from_headers(Some(&format!("<m{n}@example.com>")), None, None);
        let mut to_alice = DeliveryTarget::inbox(alice);
        to_alice.mailbox = (n % 2 == 1).then_some(projects);
        let summary = format!("summary {n}").into_bytes();
        store
            .deliver_content(
                content.into_bytes().into(),
                summary,
                1_700_000_000 + i64::from(n),
                vec![to_alice, DeliveryTarget::inbox(bob)],
                thread,
                None,
            )
            .await
            .unwrap();
    }
    let inbox = store.mailbox_by_name(alice, "INBOX").await.unwrap().unwrap().id;
    let keywords: Keywords = ["$Forwarded".to_owned(), "project-x".to_owned()].into();
    let flagged = FlagChange { op: FlagOp::Add, flags: SystemFlags::SEEN | SystemFlags::FLAGGED, keywords };
    store.store_flags(inbox, &[uid(1), uid(2)], flagged, None).await.unwrap();
    store.expunge(inbox, &[uid(3)]).await.unwrap();
    store.copy(inbox, &[uid(1)], projects).await.unwrap();

    let envelope = QueuedEnvelope {
        return_path: ALICE.into(),
        envid: Some("env-1".into()),
        ret: None,
        expires_at: 1_800_000_000,
        require_tls: true,
        recipients: vec![QueuedRecipient { address: "x@remote.test".into(), orcpt: None, notify: Notify::default() }],
        account: None,
    };
    let queued = store.enqueue_content(b"Subject: out\r\n\r\nbye\r\n".as_slice().into(), envelope).await.unwrap();
    let attempt = DeliveryAttempt {
        status: RecipientStatus::Pending,
        next_attempt: 1_700_000_900,
        reply: Some("451 later".into()),
    };
    store.record_attempt(queued, "x@remote.test", attempt).await.unwrap();
    let policy = facteur_store::CachedStsPolicy {
        domain: "remote.test".into(),
        id: "20240101".into(),
        policy: "version: STSv1\nmode: enforce\nmx: mx.remote.test\nmax_age: 86400\n".into(),
        expires_at: 1_800_000_000,
    };
    store.save_mta_sts_policy(policy).await.unwrap();
    let session = TlsSessionResult {
        domain: "remote.test".into(),
        day: 19_700,
        policy_type: "sts".into(),
        policy: "version: STSv1".into(),
        mx_host: "mx.remote.test".into(),
        result: "success".into(),
    };
    store.count_tls_result(session.clone()).await.unwrap();
    store.count_tls_result(session).await.unwrap();
    store.close().await.unwrap();
}

/// Fails with the first line that differs (a whole snapshot is too long to read in a failure).
fn assert_same(found: &str, expected_text: &str) {
    let expected = expected_text;
    let lines = found.lines().zip(expected.lines()).enumerate();
    if let Some((at, (found, expected))) = lines.clone().find(|(_, (found, expected))| found != expected) {
        let context: Vec<&str> = expected_text.lines().skip(at.saturating_sub(12)).take(13).collect();
        panic!("line {at} differs:\n  found    {found}\n  expected {expected}\nafter:\n{}", context.join("\n"));
    }
    assert_eq!(found.lines().count(), expected.lines().count(), "as many lines");
}

fn uid(n: u32) -> Uid {
    Uid::new(n).unwrap()
}

/// Everything the store says through its trait, as text: two stores holding the same state print the same.
async fn snapshot(store: &dyn Store) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "domains {:?}\naliases {:#?}",
        store.list_domains().await.unwrap(),
        store.list_aliases().await.unwrap()
    );
    for account in store.list_accounts().await.unwrap() {
        let id = account.id;
        let _ = writeln!(out, "{account:#?}");
        let _ = writeln!(out, "vacation {:?}", store.vacation(id).await.unwrap());
        let _ = writeln!(out, "identities {:?}", store.identities(id).await.unwrap());
        let _ = writeln!(out, "subscriptions {:?}", store.subscriptions(id).await.unwrap());
        let _ = writeln!(out, "state {:?}", store.account_state(id).await.unwrap());
        // In an order of their own on each backend: the order is not part of the contract.
        let mut changes = store.account_changes(id, facteur_store::ModSeq(0)).await.unwrap();
        changes.emails.sort_by_key(|email| (email.mailbox.0, email.message.uid));
        changes.destroyed_emails.sort_by_key(|destroyed| destroyed.email.0);
        changes.mailboxes.sort_by_key(|(mailbox, _)| mailbox.0);
        changes.destroyed_mailboxes.sort_by_key(|mailbox| mailbox.0);
        let _ = writeln!(out, "changes {changes:#?}");
        for mailbox in store.list_mailboxes(id).await.unwrap() {
            let _ = writeln!(out, "{mailbox:?}");
            let _ = writeln!(
                out,
                "vanished {:?}",
                store.changes_since(mailbox.id, facteur_store::ModSeq(0)).await.unwrap().vanished
            );
            for message in store.messages(mailbox.id).await.unwrap() {
                let content = store.read_blob(message.blob).await.unwrap();
                let summary = store.message_summary(message.blob).await.unwrap();
                let _ = writeln!(out, "{message:?} {:?} {summary:?}", String::from_utf8_lossy(&content));
            }
        }
    }
    for entry in store.queue().await.unwrap() {
        let _ = writeln!(out, "{entry:?} {:?}", store.read_blob(entry.blob).await.unwrap());
    }
    let _ = writeln!(out, "sts {:?}", store.mta_sts_policy("remote.test").await.unwrap());
    let _ = writeln!(out, "tls {:?}", store.tls_results_before(i64::MAX).await.unwrap());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copy_reads_back_as_the_original_and_new_rows_follow_its_ids() {
    let Some(setup) = Setup::new().await else { return };
    let before = snapshot(&setup.sqlite().await).await;

    let (report, events) = setup.migrate(setup.migration()).await.unwrap();
    assert!(report.is_identical(), "{report:#?}");
    assert!(!report.resumed);
    assert!(events.contains(&Event::TableCopied { table: "messages", rows: 24 }), "{events:?}");
    let blobs = report.tables.iter().find(|table| table.table == "blobs").unwrap();
    assert_eq!(report.content.blobs, blobs.source_rows);
    assert_eq!(report.content.blobs, 13, "12 delivered, 1 queued");

    let postgres = setup.postgres().await;
    assert_same(&snapshot(&postgres).await, &before);
    // The full-text index is not copied: every copied message waits for PostgreSQL's indexer.
    assert_eq!(postgres.text_pending(100).await.unwrap().len(), 12, "the 12 delivered messages' contents");

    // Ids continue past those copied: carol's id (3) stays unused, as SQLite's AUTOINCREMENT kept it.
    assert_eq!(postgres.create_account("dave@example.com", "h").await.unwrap().0, 4);
    let alice = postgres.account_by_address(ALICE).await.unwrap().unwrap().id;
    let inbox = postgres.mailbox_by_name(alice, "INBOX").await.unwrap().unwrap();
    let delivered = postgres
        .deliver_content(
            b"Subject: after\r\n\r\n".as_slice().into(),
            vec![],
            0,
            vec![DeliveryTarget::inbox(alice)],
            ThreadKeys::default(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(delivered[0].uid, inbox.uidnext, "the next UID is the copied UIDNEXT");
    assert!(delivered[0].modseq > inbox.highestmodseq);
    let state = postgres.account_state(alice).await.unwrap();
    assert_eq!(delivered[0].modseq, state);
    let mailboxes = postgres.list_mailboxes(alice).await.unwrap();
    let highest_mailbox = mailboxes.iter().map(|mailbox| mailbox.id.0).max().unwrap();
    assert!(
        postgres.create_mailbox(alice, "New", None).await.unwrap().0 > highest_mailbox + 1,
        "Old's id is not reused"
    );
    let identity = Identity { name: "A2".into(), email: ALICE.into(), ..Identity::default() };
    assert_eq!(postgres.create_identity(alice, identity).await.unwrap(), 2);
    postgres.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_copy_resumes_after_its_last_batch_without_duplicates() {
    let Some(setup) = Setup::new().await else { return };
    let before = snapshot(&setup.sqlite().await).await;

    let interrupted = setup.migrate(setup.migration().batch_rows(2).stop_after_batches(9)).await;
    assert!(matches!(interrupted, Err(MigrateError::Interrupted(9))), "{interrupted:?}");
    // Stopped again further on, in the middle of the messages.
    let interrupted = setup.migrate(setup.migration().batch_rows(2).stop_after_batches(20)).await;
    assert!(matches!(interrupted, Err(MigrateError::Interrupted(20))), "{interrupted:?}");

    let (report, events) = setup.migrate(setup.migration().batch_rows(2)).await.unwrap();
    assert_eq!(events.first(), Some(&Event::Resumed));
    assert!(report.resumed);
    assert!(report.is_identical(), "{report:#?}");
    for table in &report.tables {
        assert_eq!(table.source_rows, table.target_rows, "{}", table.table);
    }
    let postgres = setup.postgres().await;
    assert_same(&snapshot(&postgres).await, &before);
    postgres.close().await.unwrap();

    // Once finished, another run only verifies.
    let (again, events) = setup.migrate(setup.migration()).await.unwrap();
    assert_eq!(events, [Event::AlreadyCopied, Event::Verifying]);
    assert!(again.is_identical());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_notices_a_changed_row_and_changed_content() {
    let Some(setup) = Setup::new().await else { return };
    assert!(setup.migrate(setup.migration()).await.unwrap().0.is_identical());

    setup.sql("UPDATE messages SET flags = flags # 4 WHERE uid = 2").await;
    let (report, _) = setup.migrate(setup.migration()).await.unwrap();
    assert!(!report.is_identical());
    let differing: Vec<&str> = report.tables.iter().filter(|table| !table.identical).map(|table| table.table).collect();
    assert_eq!(differing, ["messages"]);
    let messages = report.tables.iter().find(|table| table.table == "messages").unwrap();
    assert_eq!(messages.source_rows, messages.target_rows, "same count, different rows");
    assert_eq!(report.content.mismatched_count, 0);

    setup.sql("UPDATE messages SET flags = flags # 4 WHERE uid = 2").await;
    setup
        .sql(
            "UPDATE blob_chunks SET data = overlay(data placing '\\x58'::bytea from 1 for 1) \
              WHERE id = (SELECT blob FROM queue LIMIT 1)",
        )
        .await;
    let (report, _) = setup.migrate(setup.migration()).await.unwrap();
    assert!(report.tables.iter().all(|table| table.identical));
    assert_eq!(report.content.mismatched_count, 1);
    let postgres = setup.postgres().await;
    let queued = postgres.queue().await.unwrap()[0].blob;
    assert_eq!(report.content.mismatched, [queued]);
    assert!(!report.is_identical());
    postgres.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_holding_other_data_is_refused_and_left_alone() {
    let Some(setup) = Setup::new().await else { return };
    let other = setup.postgres().await;
    other.add_domain("elsewhere.test").await.unwrap();
    other.close().await.unwrap();

    let refused = setup.migrate(setup.migration()).await;
    let Err(MigrateError::TargetNotEmpty(held)) = refused else { panic!("{refused:?}") };
    assert!(held.contains("domains: 1 rows"), "{held}");
    let other = setup.postgres().await;
    assert_eq!(other.list_domains().await.unwrap(), ["elsewhere.test"]);
    assert!(other.list_accounts().await.unwrap().is_empty());
    other.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_changed_since_an_interrupted_copy_is_not_resumed() {
    let Some(setup) = Setup::new().await else { return };
    let interrupted = setup.migrate(setup.migration().batch_rows(2).stop_after_batches(3)).await;
    assert!(matches!(interrupted, Err(MigrateError::Interrupted(3))));
    let sqlite = setup.sqlite().await;
    sqlite.add_domain("new.example.com").await.unwrap();
    sqlite.close().await.unwrap();
    drop(sqlite);

    let refused = setup.migrate(setup.migration()).await;
    assert!(matches!(refused, Err(MigrateError::OtherSource { .. })), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_in_use_cannot_be_migrated_nor_opened_while_it_is() {
    let Some(setup) = Setup::new().await else { return };
    let in_use = setup.sqlite().await;
    let refused = Source::open(setup.sqlite.path()).await;
    assert!(matches!(refused, Err(MigrateError::Store(StoreError::InUse(_)))), "{refused:?}");
    in_use.close().await.unwrap();
    drop(in_use);

    let source = Source::open(setup.sqlite.path()).await.unwrap();
    let refused = SqliteStore::open(setup.sqlite.path()).await;
    assert!(matches!(refused, Err(StoreError::BeingMigrated(_))), "{refused:?}");
    drop(source);
    let _reopened: Arc<dyn Store> = Arc::new(setup.sqlite().await);
}

#[tokio::test]
async fn a_directory_without_a_store_is_named() {
    let empty = tempfile::tempdir().unwrap();
    let refused = Source::open(empty.path()).await;
    assert!(matches!(refused, Err(MigrateError::NoSource(_))), "{refused:?}");
    assert!(!empty.path().join("facteur.db").exists(), "nothing created");
}
