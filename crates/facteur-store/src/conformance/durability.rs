//! Checks on what outlives a write: the queue, the change bus, reopening.

use std::time::Duration;

use super::{Backend, deliver_to, inbox, put, with_alice};
use crate::{
    Change, DeliveryAttempt, FlagChange, FlagOp, Keywords, Notify, QueueAction, QueuedMessage, QueuedRecipient,
    RecipientStatus, Ret, SpecialUse, StoreError, SystemFlags, Uid,
};

fn queued(blob: crate::BlobId) -> QueuedMessage {
    QueuedMessage {
        blob,
        return_path: "alice@example.com".into(),
        envid: Some("env-1".into()),
        ret: Some(Ret::Headers),
        expires_at: 2_000_000_000,
        require_tls: true,
        recipients: vec![
            QueuedRecipient {
                address: "x@remote.net".into(),
                orcpt: Some("rfc822;x@remote.net".into()),
                notify: Notify::default(),
            },
            QueuedRecipient { address: "y@remote.net".into(), orcpt: None, notify: Notify::SUCCESS | Notify::FAILURE },
        ],
        account: None,
    }
}

pub async fn queue_round_trip_holds_a_blob_reference(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    let blob = put(&store, b"outbound message").await;
    let id = store.enqueue(queued(blob)).await.unwrap();
    let entries = store.queue().await.unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(
        (entry.id, entry.blob, entry.ret, entry.envid.as_deref(), entry.require_tls),
        (id, blob, Some(Ret::Headers), Some("env-1"), true)
    );
    assert_eq!(entry.recipients.len(), 2);
    assert!(entry.recipients.iter().all(|r| r.status == RecipientStatus::Pending && r.attempts == 0));
    assert_eq!(entry.recipients[1].notify, Notify::SUCCESS | Notify::FAILURE);
    let attempt = DeliveryAttempt {
        status: RecipientStatus::Pending,
        next_attempt: 1_900_000_000,
        reply: Some("451 4.7.1 try later".into()),
    };
    store.record_attempt(id, "x@remote.net", attempt).await.unwrap();
    let x = store.queue().await.unwrap()[0].recipients[0].clone();
    assert_eq!((x.attempts, x.next_attempt, x.last_reply.as_deref()), (1, 1_900_000_000, Some("451 4.7.1 try later")));
    let missing = DeliveryAttempt { status: RecipientStatus::Failed, next_attempt: 0, reply: None };
    assert!(matches!(store.record_attempt(id, "z@remote.net", missing).await, Err(StoreError::NoSuchQueueEntry(_))));
    assert!(store.blobs().contains(blob));
    store.dequeue(id).await.unwrap();
    assert!(store.queue().await.unwrap().is_empty());
    assert!(!store.blobs().contains(blob), "the queue held the only reference");
}

/// What every backend's lease does; that two claimants exclude each other is for backends shared by several
/// nodes (PostgreSQL) to show in their own tests, SQLite's one node holding every lease.
pub async fn queue_lease_is_given_for_queued_messages_only(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    let id = store.enqueue(queued(put(&store, b"leased").await)).await.unwrap();
    assert!(store.claim_queue_entry(id, 1_000, 2_800).await.unwrap().is_some());
    store.release_queue_entry(id, 2_800).await.unwrap();
    assert!(store.claim_queue_entry(id, 1_100, 2_900).await.unwrap().is_some(), "released, so free again");
    store.dequeue(id).await.unwrap();
    assert!(
        store.claim_queue_entry(id, 1_200, 3_000).await.unwrap().is_none(),
        "a dequeued message has no lease to give"
    );
    store.release_queue_entry(id, 2_900).await.unwrap();
    assert!(store.claim_queue_entry(crate::QueueId(999), 0, 1).await.unwrap().is_none());
}

pub async fn operator_actions_reschedule_hold_release_and_expire(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    let first = store.enqueue(queued(put(&store, b"first").await)).await.unwrap();
    let second = store.enqueue(queued(put(&store, b"second").await)).await.unwrap();
    let later = DeliveryAttempt { status: RecipientStatus::Pending, next_attempt: 1_900_000_000, reply: None };
    store.record_attempt(first, "x@remote.net", later).await.unwrap();
    let recipients = |entries: Vec<crate::QueueEntry>, id| {
        let entry = entries.into_iter().find(|entry| entry.id == id).unwrap();
        entry.recipients.iter().map(|r| (r.status, r.next_attempt, r.attempts)).collect::<Vec<_>>()
    };

    assert_eq!(store.change_queue(Some(first), QueueAction::RetryNow, 1_000).await.unwrap(), 2);
    let now = recipients(store.queue().await.unwrap(), first);
    assert_eq!(now, [(RecipientStatus::Pending, 1_000, 1), (RecipientStatus::Pending, 1_000, 0)], "no attempt counted");

    assert_eq!(store.change_queue(None, QueueAction::Hold, 1_100).await.unwrap(), 4);
    let held = recipients(store.queue().await.unwrap(), second);
    assert!(held.iter().all(|(status, ..)| *status == RecipientStatus::Held));
    assert_eq!(store.change_queue(Some(first), QueueAction::RetryNow, 1_200).await.unwrap(), 0, "held stay held");

    assert_eq!(store.change_queue(Some(second), QueueAction::Release, 1_300).await.unwrap(), 2);
    let released = recipients(store.queue().await.unwrap(), second);
    assert_eq!(released, [(RecipientStatus::Pending, 1_300, 0), (RecipientStatus::Pending, 1_300, 0)]);

    assert_eq!(store.change_queue(Some(first), QueueAction::ExpireNow, 1_400).await.unwrap(), 2);
    let entries = store.queue().await.unwrap();
    let expired = entries.iter().find(|entry| entry.id == first).unwrap();
    assert_eq!(expired.expires_at, 1_400);
    assert!(expired.recipients.iter().all(|r| r.status == RecipientStatus::Pending));
    assert_eq!(entries.iter().find(|entry| entry.id == second).unwrap().expires_at, 2_000_000_000);

    let unknown = store.change_queue(Some(crate::QueueId(999)), QueueAction::Hold, 0).await;
    assert!(matches!(unknown, Err(StoreError::NoSuchQueueEntry(_))));
}

pub async fn change_bus_announces_committed_deliveries(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let mut changes = store.subscribe();
    let delivered = deliver_to(&store, b"hello", &[alice]).await;
    let change = tokio::time::timeout(Duration::from_secs(5), changes.recv()).await.unwrap().unwrap();
    assert_eq!(change, Change { account: alice, mailbox: delivered[0].mailbox, modseq: delivered[0].modseq });
    // The store, not the bus, is the truth: what was announced is readable.
    assert!(store.changes_since(change.mailbox, crate::ModSeq(0)).await.unwrap().changed.len() == 1);
    let inbox_id = inbox(&store, alice).await.id;
    let seen = FlagChange { op: FlagOp::Add, flags: SystemFlags::SEEN, keywords: Keywords::new() };
    let stored = store.store_flags(inbox_id, &[Uid::MIN], seen, None).await.unwrap();
    let change = tokio::time::timeout(Duration::from_secs(5), changes.recv()).await.unwrap().unwrap();
    assert_eq!(change.modseq, stored.changed[0].modseq);
    // A failed write announces nothing.
    let _ = store.expunge(crate::MailboxId(i64::MAX), &[Uid::MIN]).await;
    assert!(tokio::time::timeout(Duration::from_millis(200), changes.recv()).await.is_err());
}

pub async fn everything_survives_close_and_reopen(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store.add_alias("info@example.com", &["alice@example.com".into()]).await.unwrap();
    store.set_quota("alice@example.com", Some(1_000_000)).await.unwrap();
    store.create_mailbox(alice, "Lists/Rust", None).await.unwrap();
    let delivered = deliver_to(&store, b"persistent message", &[alice]).await;
    let inbox_id = delivered[0].mailbox;
    let flagged = FlagChange { op: FlagOp::Add, flags: SystemFlags::FLAGGED, keywords: ["kept".to_string()].into() };
    store.store_flags(inbox_id, &[delivered[0].uid], flagged, None).await.unwrap();
    deliver_to(&store, b"expunged message", &[alice]).await;
    store.expunge(inbox_id, &[Uid::new(2).unwrap()]).await.unwrap();
    let blob = put(&store, b"queued").await;
    store.enqueue(queued(blob)).await.unwrap();
    let mailboxes_before = store.list_mailboxes(alice).await.unwrap();
    let messages_before = store.messages(inbox_id).await.unwrap();
    store.close().await.unwrap();
    assert!(matches!(store.create_mailbox(alice, "After", None).await, Err(StoreError::Closed)));
    drop(store);

    let store = backend.open().await;
    assert_eq!(store.list_domains().await.unwrap(), ["example.com"]);
    let account = store.account_by_address("alice@example.com").await.unwrap().unwrap();
    assert_eq!((account.id, account.quota_bytes, account.used_bytes), (alice, Some(1_000_000), 18));
    assert_eq!(store.resolve_recipient("info@example.com").await.unwrap().unwrap().accounts, [alice]);
    assert_eq!(store.list_mailboxes(alice).await.unwrap(), mailboxes_before);
    assert_eq!(store.messages(inbox_id).await.unwrap(), messages_before);
    assert_eq!(store.changes_since(inbox_id, crate::ModSeq(0)).await.unwrap().vanished, [Uid::new(2).unwrap()]);
    assert_eq!(store.mailbox_by_role(alice, SpecialUse::Trash).await.unwrap().unwrap().name, "Trash");
    assert_eq!(store.blobs().read(messages_before[0].blob).unwrap(), b"persistent message");
    assert_eq!(store.queue().await.unwrap().len(), 1);
    let next = deliver_to(&store, b"after reopen", &[alice]).await;
    assert_eq!(next[0].uid.get(), 3, "UIDNEXT survives reopening");
    assert!(next[0].modseq > mailboxes_before.iter().find(|m| m.id == inbox_id).unwrap().highestmodseq);
}

pub async fn mta_sts_policies_and_tls_counts_are_kept_until_replaced_or_reported(backend: &dyn Backend) {
    let store = backend.open().await;
    assert_eq!(store.mta_sts_policy("b.test").await.unwrap(), None);
    for id in ["first", "second"] {
        let policy = crate::CachedStsPolicy {
            domain: "B.test".into(),
            id: id.into(),
            policy: format!("version: STSv1\nmode: enforce\nmx: mx.b.test\nmax_age: 86400\n# {id}\n"),
            expires_at: 2_000_000_000,
        };
        store.save_mta_sts_policy(policy).await.unwrap();
    }
    let kept = store.mta_sts_policy("b.TEST").await.unwrap().unwrap();
    assert_eq!((kept.domain.as_str(), kept.id.as_str()), ("b.test", "second"), "one policy per domain, the last");

    let session = |day, result: &str| crate::TlsSessionResult {
        domain: "b.test".into(),
        day,
        policy_type: "sts".into(),
        policy: "version: STSv1".into(),
        mx_host: "mx.b.test".into(),
        result: result.into(),
    };
    for (day, result) in [(10, "success"), (10, "success"), (10, "certificate-expired"), (11, "success")] {
        store.count_tls_result(session(day, result)).await.unwrap();
    }
    let counts: Vec<(i64, String, u64)> = store
        .tls_results_before(11)
        .await
        .unwrap()
        .into_iter()
        .map(|count| (count.result.day, count.result.result, count.count))
        .collect();
    assert_eq!(counts, [(10, "certificate-expired".to_owned(), 1), (10, "success".to_owned(), 2)]);
    store.forget_tls_results("b.test", 10).await.unwrap();
    assert!(store.tls_results_before(11).await.unwrap().is_empty());
    assert_eq!(store.tls_results_before(12).await.unwrap().len(), 1, "day 11 stays until reported");
}

/// The delivery history answers `facteur trace`: by queue id, by sender or recipient (any case), by recipient
/// domain, since a time, the newest `limit`, oldest first; and old events are forgotten.
pub async fn delivery_history_is_found_by_queue_address_and_domain(backend: &dyn Backend) {
    use crate::{DeliveryEvent, Direction, Fate, HistoryQuery, QueueId};
    let store = backend.open().await;
    let event = |at, fate, queue: Option<i64>, recipient: &str| DeliveryEvent {
        at,
        direction: if queue.is_some() { Direction::Outbound } else { Direction::Inbound },
        fate,
        queue_id: queue.map(QueueId),
        sender: "Alice@Example.test".into(),
        recipient: recipient.into(),
        account: String::new(),
        remote_host: "mx.b.test".into(),
        remote_ip: "192.0.2.1".into(),
        reply: "250 2.0.0 OK".into(),
        tls: "TLSv1.3".into(),
        tls_verified: true,
        delay_secs: 3,
    };
    store
        .record_history(vec![
            event(100, Fate::Deferred, Some(7), "bob@b.test"),
            event(200, Fate::Delivered, Some(7), "bob@b.test"),
            event(300, Fate::Bounced, Some(8), "carol@C.test"),
            event(400, Fate::Refused, None, "dave@example.test"),
        ])
        .await
        .unwrap();
    let found = |query: HistoryQuery| {
        let store = std::sync::Arc::clone(&store);
        async move {
            let events = store.history(HistoryQuery { limit: 100, ..query }).await.unwrap();
            events.into_iter().map(|e| (e.at, e.fate)).collect::<Vec<_>>()
        }
    };
    let by_queue = found(HistoryQuery { queue_id: Some(QueueId(7)), ..Default::default() }).await;
    assert_eq!(by_queue, [(100, Fate::Deferred), (200, Fate::Delivered)]);
    let by_recipient = found(HistoryQuery { address: Some("CAROL@c.test".into()), ..Default::default() }).await;
    assert_eq!(by_recipient, [(300, Fate::Bounced)]);
    let by_sender =
        found(HistoryQuery { address: Some("alice@example.test".into()), since: 250, ..Default::default() });
    assert_eq!(by_sender.await, [(300, Fate::Bounced), (400, Fate::Refused)]);
    let by_domain = found(HistoryQuery { domain: Some("B.test".into()), ..Default::default() }).await;
    assert_eq!(by_domain, [(100, Fate::Deferred), (200, Fate::Delivered)]);
    let newest = store.history(HistoryQuery { limit: 2, ..Default::default() }).await.unwrap();
    assert_eq!(newest.iter().map(|e| e.at).collect::<Vec<_>>(), [300, 400], "the newest, oldest first");
    assert_eq!(newest[0], event(300, Fate::Bounced, Some(8), "carol@c.test"), "every field kept");

    assert_eq!(store.forget_history(250).await.unwrap(), 2);
    assert_eq!(found(HistoryQuery::default()).await, [(300, Fate::Bounced), (400, Fate::Refused)]);
}
