//! Checks on messages: UIDs, MODSEQs, flags, expunge, copy and move, blobs, quota.

use facteur_primitives::ThreadKeys;
use std::collections::BTreeSet;

use super::{Backend, deliver_to, inbox, message, put, with_alice};
use crate::{Delivery, DeliveryTarget, FlagChange, FlagOp, Keywords, MailboxId, ModSeq, StoreError, SystemFlags, Uid};

fn uid(n: u32) -> Uid {
    Uid::new(n).unwrap()
}

fn add(flags: SystemFlags) -> FlagChange {
    FlagChange { op: FlagOp::Add, flags, keywords: Keywords::new() }
}

pub async fn concurrent_deliveries_get_distinct_contiguous_uids(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let mut tasks = Vec::new();
    for task in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut uids = Vec::new();
            for n in 0..50 {
                let delivered = deliver_to(&store, &message(task * 1000 + n), &[alice]).await;
                uids.push(delivered[0].uid.get());
            }
            uids
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (1..=400).collect::<Vec<u32>>(), "UIDs must be exactly 1..=400, each once");
    let inbox = inbox(&store, alice).await;
    assert_eq!((inbox.exists, inbox.unseen, inbox.uidnext.get()), (400, 400, 401));
    let listed: Vec<u32> = store.messages(inbox.id).await.unwrap().iter().map(|m| m.uid.get()).collect();
    assert_eq!(listed, (1..=400).collect::<Vec<u32>>());
}

pub async fn uids_are_not_reused_after_expunge(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    for n in 0..3 {
        deliver_to(&store, &message(n), &[alice]).await;
    }
    let inbox_id = inbox(&store, alice).await.id;
    assert_eq!(store.expunge(inbox_id, &[uid(2), uid(3), uid(99)]).await.unwrap(), [uid(2), uid(3)]);
    let next = deliver_to(&store, &message(3), &[alice]).await;
    assert_eq!(next[0].uid, uid(4));
    let listed: Vec<Uid> = store.messages(inbox_id).await.unwrap().iter().map(|m| m.uid).collect();
    assert_eq!(listed, [uid(1), uid(4)]);
}

pub async fn expunge_deleted_takes_only_what_is_deleted_now(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    for n in 0..5 {
        deliver_to(&store, &message(n), &[alice]).await;
    }
    let inbox_id = inbox(&store, alice).await.id;
    let doomed = [uid(1), uid(2), uid(4), uid(5)];
    store.store_flags(inbox_id, &doomed, add(SystemFlags::DELETED), None).await.unwrap();
    // Another session changes its mind about 2 before the EXPUNGE runs.
    let undelete = FlagChange { op: FlagOp::Remove, flags: SystemFlags::DELETED, keywords: BTreeSet::new() };
    store.store_flags(inbox_id, &[uid(2)], undelete, None).await.unwrap();
    let within = [(uid(3), uid(4))];
    assert_eq!(store.expunge_deleted(inbox_id, Some(&within)).await.unwrap(), [uid(4)], "UID EXPUNGE 3:4");
    assert_eq!(store.expunge_deleted(inbox_id, None).await.unwrap(), [uid(1), uid(5)]);
    assert_eq!(store.expunge_deleted(inbox_id, None).await.unwrap(), []);
    let listed: Vec<Uid> = store.messages(inbox_id).await.unwrap().iter().map(|m| m.uid).collect();
    assert_eq!(listed, [uid(2), uid(3)]);
}

pub async fn modseq_strictly_increases_across_changes(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let inbox_id = inbox(&store, alice).await.id;
    let mut last = inbox(&store, alice).await.highestmodseq;
    let mut step = |now: ModSeq, what: &str| {
        assert!(now > last, "{what}: MODSEQ {now} is not above {last}");
        last = now;
    };
    for n in 0..3 {
        let delivered = deliver_to(&store, &message(n), &[alice]).await;
        step(delivered[0].modseq, "delivery");
    }
    let stored = store.store_flags(inbox_id, &[uid(1), uid(2)], add(SystemFlags::SEEN), None).await.unwrap();
    let modseqs: Vec<ModSeq> = stored.changed.iter().map(|m| m.modseq).collect();
    assert_eq!(modseqs.len(), 2);
    modseqs.iter().for_each(|&m| step(m, "flag change"));
    store.expunge(inbox_id, &[uid(1)]).await.unwrap();
    let after_expunge = inbox(&store, alice).await.highestmodseq;
    step(after_expunge, "expunge");
    let messages = store.messages(inbox_id).await.unwrap();
    assert_eq!(messages[0].flags, SystemFlags::SEEN);
    assert!(messages.iter().all(|m| m.modseq <= after_expunge));
}

pub async fn tombstones_show_in_changes_since(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    for n in 0..4 {
        deliver_to(&store, &message(n), &[alice]).await;
    }
    let inbox_id = inbox(&store, alice).await.id;
    let checkpoint = inbox(&store, alice).await.highestmodseq;
    store.expunge(inbox_id, &[uid(2), uid(4)]).await.unwrap();
    store.store_flags(inbox_id, &[uid(3)], add(SystemFlags::FLAGGED), None).await.unwrap();
    let changes = store.changes_since(inbox_id, checkpoint).await.unwrap();
    assert_eq!(changes.vanished, [uid(2), uid(4)]);
    assert_eq!(changes.changed.iter().map(|m| m.uid).collect::<Vec<_>>(), [uid(3)]);
    assert_eq!(changes.changed[0].flags, SystemFlags::FLAGGED);
    let everything = store.changes_since(inbox_id, ModSeq(0)).await.unwrap();
    assert_eq!(everything.changed.len(), 2);
    let nothing = store.changes_since(inbox_id, inbox(&store, alice).await.highestmodseq).await.unwrap();
    assert!(nothing.changed.is_empty() && nothing.vanished.is_empty());
}

pub async fn messages_in_range_reads_only_that_slice_in_uid_order(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    for n in 0..5 {
        deliver_to(&store, &message(n), &[alice]).await;
    }
    let inbox_id = inbox(&store, alice).await.id;
    store.expunge(inbox_id, &[uid(3)]).await.unwrap();
    let slice = store.messages_in_range(inbox_id, uid(2), uid(4)).await.unwrap();
    assert_eq!(slice.iter().map(|m| m.uid).collect::<Vec<_>>(), [uid(2), uid(4)]);
    assert!(store.messages_in_range(inbox_id, uid(6), uid(9)).await.unwrap().is_empty());
    let all = store.messages_in_range(inbox_id, uid(1), uid(u32::MAX)).await.unwrap();
    assert_eq!(all, store.messages(inbox_id).await.unwrap());
}

pub async fn unchanged_since_conflict_is_reported_and_untouched(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    deliver_to(&store, &message(1), &[alice]).await;
    deliver_to(&store, &message(2), &[alice]).await;
    let inbox_id = inbox(&store, alice).await.id;
    let seen_at = store.messages(inbox_id).await.unwrap()[1].modseq;
    // Another session changes message 1 after the client's snapshot.
    store.store_flags(inbox_id, &[uid(1)], add(SystemFlags::ANSWERED), None).await.unwrap();
    let outcome =
        store.store_flags(inbox_id, &[uid(1), uid(2)], add(SystemFlags::DELETED), Some(seen_at)).await.unwrap();
    assert_eq!(outcome.conflicts, [uid(1)]);
    assert_eq!(outcome.changed.iter().map(|m| m.uid).collect::<Vec<_>>(), [uid(2)]);
    let messages = store.messages(inbox_id).await.unwrap();
    assert_eq!(messages[0].flags, SystemFlags::ANSWERED, "the conflicting message must not change");
    assert_eq!(messages[1].flags, SystemFlags::DELETED);
}

pub async fn flag_changes_that_change_nothing_keep_modseq(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    deliver_to(&store, &message(1), &[alice]).await;
    let inbox_id = inbox(&store, alice).await.id;
    let keywords: Keywords = ["$Forwarded".to_string(), "work".to_string()].into();
    let set = FlagChange { op: FlagOp::Set, flags: SystemFlags::SEEN, keywords: keywords.clone() };
    let first = store.store_flags(inbox_id, &[uid(1)], set.clone(), None).await.unwrap();
    assert_eq!(first.changed[0].keywords, keywords);
    let before = inbox(&store, alice).await.highestmodseq;
    let again = store.store_flags(inbox_id, &[uid(1)], set, None).await.unwrap();
    assert!(again.changed.is_empty() && again.conflicts.is_empty());
    assert_eq!(inbox(&store, alice).await.highestmodseq, before);
    let remove = FlagChange { op: FlagOp::Remove, flags: SystemFlags::NONE, keywords: ["work".to_string()].into() };
    let removed = store.store_flags(inbox_id, &[uid(1)], remove, None).await.unwrap();
    assert_eq!(removed.changed[0].keywords, ["$Forwarded".to_string()].into());
    assert_eq!(inbox(&store, alice).await.unseen, 0);
}

pub async fn invalid_keywords_are_refused(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    deliver_to(&store, &message(1), &[alice]).await;
    let inbox_id = inbox(&store, alice).await.id;
    let bad = FlagChange { op: FlagOp::Add, flags: SystemFlags::NONE, keywords: ["two words".to_string()].into() };
    assert!(matches!(store.store_flags(inbox_id, &[uid(1)], bad, None).await, Err(StoreError::InvalidKeyword(_))));
    let blob = put(&store, &message(2)).await;
    let mut target = DeliveryTarget::inbox(alice);
    target.keywords = ["\\Seen".to_string()].into();
    let delivery = Delivery {
        text: None,
        blob,
        summary: Vec::new(),
        internal_date: 0,
        targets: vec![target],
        thread: ThreadKeys::default(),
    };
    assert!(matches!(store.deliver(delivery).await, Err(StoreError::InvalidKeyword(_))));
    assert_eq!(inbox(&store, alice).await.exists, 1);
}

pub async fn blob_is_stored_once_and_removed_with_its_last_reference(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let first = deliver_to(&store, b"identical content", &[alice]).await;
    let second = deliver_to(&store, b"identical content", &[alice]).await;
    let inbox_id = inbox(&store, alice).await.id;
    let messages = store.messages(inbox_id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].blob, messages[1].blob, "same content, same blob");
    let blob = messages[0].blob;
    assert_eq!(store.blobs().read(blob).unwrap(), b"identical content");
    assert_eq!(messages[0].size, 17);
    store.expunge(inbox_id, &[first[0].uid]).await.unwrap();
    assert!(store.blobs().contains(blob), "one reference is left");
    store.expunge(inbox_id, &[second[0].uid]).await.unwrap();
    assert!(!store.blobs().contains(blob), "no reference left: the file must go");
    assert_eq!(store.message_summary(blob).await.unwrap(), None);
    assert_eq!(store.account(alice).await.unwrap().unwrap().used_bytes, 0);
}

pub async fn quota_refusal_writes_nothing(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "h").await.unwrap();
    store.set_quota("bob@example.com", Some(100)).await.unwrap();
    let content = vec![b'x'; 60];
    deliver_to(&store, &content, &[bob]).await;
    let big = put(&store, &[b'y'; 60]).await;
    let delivery = Delivery {
        text: None,
        blob: big,
        summary: b"s".to_vec(),
        internal_date: 0,
        targets: vec![DeliveryTarget::inbox(alice), DeliveryTarget::inbox(bob)],
        thread: ThreadKeys::default(),
    };
    let err = store.deliver(delivery).await.unwrap_err();
    assert!(
        matches!(err, StoreError::QuotaExceeded { limit: 100, used: 60, needed: 60, ref address } if address == "bob@example.com"),
        "{err}"
    );
    assert_eq!(inbox(&store, alice).await.exists, 0, "the whole delivery is refused");
    assert_eq!(inbox(&store, bob).await.exists, 1);
    assert_eq!(store.account(alice).await.unwrap().unwrap().used_bytes, 0);
    assert_eq!(store.account(bob).await.unwrap().unwrap().used_bytes, 60);
    assert_eq!(store.message_summary(big).await.unwrap(), None, "no blob reference was taken");
}

pub async fn copy_keeps_flags_and_checks_quota(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    deliver_to(&store, &[b'a'; 40], &[alice]).await;
    let inbox_id = inbox(&store, alice).await.id;
    let keywords: Keywords = ["$Important".to_string()].into();
    let change = FlagChange { op: FlagOp::Add, flags: SystemFlags::FLAGGED, keywords: keywords.clone() };
    store.store_flags(inbox_id, &[uid(1)], change, None).await.unwrap();
    let archive = store.mailbox_by_name(alice, "Archive").await.unwrap().unwrap().id;
    assert_eq!(store.copy(inbox_id, &[uid(1), uid(7)], archive).await.unwrap(), [(uid(1), uid(1))]);
    let copied = &store.messages(archive).await.unwrap()[0];
    let original = &store.messages(inbox_id).await.unwrap()[0];
    assert_eq!((copied.flags, &copied.keywords), (SystemFlags::FLAGGED, &keywords));
    assert_eq!((copied.internal_date, copied.blob, copied.size), (original.internal_date, original.blob, 40));
    assert_eq!(store.account(alice).await.unwrap().unwrap().used_bytes, 80);
    store.set_quota("alice@example.com", Some(100)).await.unwrap();
    let err = store.copy(inbox_id, &[uid(1)], archive).await.unwrap_err();
    assert!(matches!(err, StoreError::QuotaExceeded { .. }), "{err}");
    assert_eq!(store.messages(archive).await.unwrap().len(), 1);
    // Moving within the account needs no extra room.
    let junk = store.mailbox_by_name(alice, "Junk").await.unwrap().unwrap().id;
    store.move_messages(inbox_id, &[uid(1)], junk).await.unwrap();
    assert_eq!(store.account(alice).await.unwrap().unwrap().used_bytes, 80);
}

pub async fn move_leaves_tombstones_in_the_source(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    for n in 0..3 {
        deliver_to(&store, &message(n), &[alice]).await;
    }
    let inbox_id = inbox(&store, alice).await.id;
    let trash = store.mailbox_by_name(alice, "Trash").await.unwrap().unwrap().id;
    let checkpoint = inbox(&store, alice).await.highestmodseq;
    let mapping = store.move_messages(inbox_id, &[uid(3), uid(1)], trash).await.unwrap();
    assert_eq!(mapping, [(uid(1), uid(1)), (uid(3), uid(2))]);
    assert_eq!(store.changes_since(inbox_id, checkpoint).await.unwrap().vanished, [uid(1), uid(3)]);
    assert_eq!(store.messages(inbox_id).await.unwrap().len(), 1);
    assert_eq!(store.messages(trash).await.unwrap().len(), 2);
}

pub async fn deleting_mailbox_releases_its_blobs(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let folder = store.create_mailbox(alice, "Folder", None).await.unwrap();
    let blob = put(&store, b"in a folder").await;
    let mut target = DeliveryTarget::inbox(alice);
    target.mailbox = Some(folder);
    store
        .deliver(Delivery {
            text: None,
            blob,
            summary: Vec::new(),
            internal_date: 0,
            targets: vec![target],
            thread: ThreadKeys::default(),
        })
        .await
        .unwrap();
    assert_eq!(store.account(alice).await.unwrap().unwrap().used_bytes, 11);
    store.delete_mailbox(alice, "Folder").await.unwrap();
    assert!(!store.blobs().contains(blob));
    assert_eq!(store.account(alice).await.unwrap().unwrap().used_bytes, 0);
    assert!(matches!(store.messages(folder).await, Err(StoreError::NoSuchMailbox(_))));
}

pub async fn failing_write_leaves_concurrent_writes_intact(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let mut tasks = Vec::new();
    for n in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let blob = put(&store, &message(n)).await;
            let mut target = DeliveryTarget::inbox(alice);
            // Every other delivery names a mailbox that does not exist, and must fail alone.
            target.mailbox = (n % 2 == 1).then_some(MailboxId(i64::MAX));
            store
                .deliver(Delivery {
                    text: None,
                    blob,
                    summary: Vec::new(),
                    internal_date: 0,
                    targets: vec![target],
                    thread: ThreadKeys::default(),
                })
                .await
        }));
    }
    let mut failures = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(delivered) => assert_eq!(delivered.len(), 1),
            Err(StoreError::NoSuchMailbox(_)) => failures += 1,
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!(failures, 20);
    let uids: BTreeSet<u32> =
        store.messages(inbox(&store, alice).await.id).await.unwrap().iter().map(|m| m.uid.get()).collect();
    assert_eq!(uids, (1..=20).collect());
}

pub async fn delivery_to_a_foreign_mailbox_is_refused(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "h").await.unwrap();
    let bobs_inbox = inbox(&store, bob).await.id;
    let blob = put(&store, &message(1)).await;
    let mut target = DeliveryTarget::inbox(alice);
    target.mailbox = Some(bobs_inbox);
    let err = store
        .deliver(Delivery {
            text: None,
            blob,
            summary: Vec::new(),
            internal_date: 0,
            targets: vec![target],
            thread: ThreadKeys::default(),
        })
        .await;
    assert!(matches!(err, Err(StoreError::NoSuchMailbox(_))));
    let missing = crate::BlobId::of(b"never stored");
    let delivery = Delivery {
        text: None,
        blob: missing,
        summary: Vec::new(),
        internal_date: 0,
        targets: vec![DeliveryTarget::inbox(alice)],
        thread: ThreadKeys::default(),
    };
    assert!(matches!(store.deliver(delivery).await, Err(StoreError::BlobMissing(_))));
}

pub async fn summary_is_kept_with_the_blob(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let blob = put(&store, &message(1)).await;
    let deliver = |summary: &[u8]| Delivery {
        text: None,
        blob,
        summary: summary.to_vec(),
        internal_date: 1_234_567,
        targets: vec![DeliveryTarget::inbox(alice)],
        thread: ThreadKeys::default(),
    };
    store.deliver(deliver(b"first summary")).await.unwrap();
    store.deliver(deliver(b"second summary")).await.unwrap();
    assert_eq!(store.message_summary(blob).await.unwrap().unwrap(), b"first summary");
    let messages = store.messages(inbox(&store, alice).await.id).await.unwrap();
    assert_eq!(messages[0].internal_date, 1_234_567);
}
