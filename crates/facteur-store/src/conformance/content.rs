//! Checks on messages given by their bytes (`deliver_content`, `enqueue_content`) and on `read_blob`, which
//! reads content wherever the backend keeps it.

use facteur_primitives::ThreadKeys;
use std::sync::Arc;

use super::{Backend, deliver_to, inbox, message, with_alice};
use crate::{BlobId, DeliveryTarget, Notify, QueuedEnvelope, QueuedRecipient, Store, StoreError, SystemFlags, Uid};

/// Larger than any backend should keep inline: this one is a file (or whatever large content becomes).
const LARGE: usize = 1 << 20;

fn large_message(n: u8) -> Vec<u8> {
    let mut content = format!("Subject: large {n}\r\n\r\n").into_bytes();
    content.resize(LARGE, b'a' + n % 26);
    content
}

async fn deliver_content(store: &Arc<dyn Store>, content: &[u8], targets: Vec<DeliveryTarget>) -> crate::Result<Uid> {
    let delivered = store
        .deliver_content(content.into(), b"summary".to_vec(), 1_700_000_000, targets, ThreadKeys::default(), None)
        .await?;
    Ok(delivered[0].uid)
}

fn envelope() -> QueuedEnvelope {
    QueuedEnvelope {
        return_path: "alice@example.com".into(),
        envid: None,
        ret: None,
        expires_at: 2_000_000_000,
        require_tls: false,
        recipients: vec![QueuedRecipient { address: "x@remote.net".into(), orcpt: None, notify: Notify::default() }],
        account: None,
    }
}

fn is_missing<T: std::fmt::Debug>(result: crate::Result<T>, blob: BlobId) -> bool {
    matches!(result, Err(StoreError::BlobMissing(missing)) if missing == blob)
}

pub async fn content_delivery_reads_back_small_and_large(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let small = message(1);
    let large = large_message(2);
    let mut flagged = DeliveryTarget::inbox(alice);
    flagged.flags = SystemFlags::FLAGGED;
    deliver_content(&store, &small, vec![flagged]).await.unwrap();
    deliver_content(&store, &large, vec![DeliveryTarget::inbox(alice)]).await.unwrap();
    let messages = store.messages(inbox(&store, alice).await.id).await.unwrap();
    assert_eq!(messages.len(), 2);
    for (meta, content) in messages.iter().zip([&small, &large]) {
        assert_eq!(meta.blob, BlobId::of(content), "the blob is the content's address");
        assert_eq!(meta.size, content.len() as u64);
        assert_eq!(&store.read_blob(meta.blob).await.unwrap(), content);
        assert_eq!(store.message_summary(meta.blob).await.unwrap().unwrap(), b"summary");
    }
    assert_eq!((messages[0].flags, messages[0].internal_date), (SystemFlags::FLAGGED, 1_700_000_000));
    let used = store.account(alice).await.unwrap().unwrap().used_bytes;
    assert_eq!(used, (small.len() + large.len()) as u64);
}

pub async fn read_blob_also_reads_put_blobs(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let delivered = deliver_to(&store, b"put, then delivered", &[alice]).await;
    let blob = store.messages(delivered[0].mailbox).await.unwrap()[0].blob;
    assert_eq!(store.read_blob(blob).await.unwrap(), b"put, then delivered");
    let never = BlobId::of(b"never stored");
    assert!(is_missing(store.read_blob(never).await, never));
}

pub async fn same_content_is_one_blob_however_it_arrives(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "h").await.unwrap();
    for content in [message(7), large_message(8)] {
        let blob = BlobId::of(&content);
        // Put first (a file), then by content twice, one of them to two accounts.
        deliver_to(&store, &content, &[alice]).await;
        deliver_content(&store, &content, vec![DeliveryTarget::inbox(alice)]).await.unwrap();
        let targets = vec![DeliveryTarget::inbox(alice), DeliveryTarget::inbox(bob)];
        deliver_content(&store, &content, targets).await.unwrap();
        assert_eq!(expunge_all(&store, alice, blob).await, 3, "same content, same blob");
        assert_eq!(store.read_blob(blob).await.unwrap(), content, "bob still references it");
        assert_eq!(expunge_all(&store, bob, blob).await, 1);
        assert!(is_missing(store.read_blob(blob).await, blob), "no reference left: the content must go");
        assert_eq!(store.message_summary(blob).await.unwrap(), None);
    }
    assert_eq!(store.account(alice).await.unwrap().unwrap().used_bytes, 0);
}

/// Expunges every message of the account's INBOX, checking they all reference `blob`; returns how many.
async fn expunge_all(store: &Arc<dyn Store>, account: crate::AccountId, blob: BlobId) -> usize {
    let inbox_id = inbox(store, account).await.id;
    let messages = store.messages(inbox_id).await.unwrap();
    assert!(messages.iter().all(|m| m.blob == blob));
    let uids: Vec<Uid> = messages.iter().map(|m| m.uid).collect();
    store.expunge(inbox_id, &uids).await.unwrap().len()
}

pub async fn refused_content_delivery_stores_nothing(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store.set_quota("alice@example.com", Some(100)).await.unwrap();
    for content in [vec![b'q'; 200], large_message(3)] {
        let blob = BlobId::of(&content);
        let err = deliver_content(&store, &content, vec![DeliveryTarget::inbox(alice)]).await.unwrap_err();
        assert!(matches!(err, StoreError::QuotaExceeded { .. }), "{err}");
        assert!(is_missing(store.read_blob(blob).await, blob));
    }
    let nowhere =
        store.deliver_content(message(4).into(), Vec::new(), 0, Vec::new(), ThreadKeys::default(), None).await.unwrap();
    assert!(nowhere.is_empty());
    let blob = BlobId::of(&message(4));
    assert!(is_missing(store.read_blob(blob).await, blob), "a delivery to no one keeps nothing");
    assert_eq!(inbox(&store, alice).await.exists, 0);
}

pub async fn content_queue_entry_holds_its_content_until_dequeued(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    for content in [message(5), large_message(6)] {
        let blob = BlobId::of(&content);
        let id = store.enqueue_content(content.clone().into(), envelope()).await.unwrap();
        let entry = store.queue().await.unwrap().into_iter().find(|entry| entry.id == id).unwrap();
        assert_eq!((entry.blob, entry.return_path.as_str()), (blob, "alice@example.com"));
        assert_eq!(entry.recipients.len(), 1);
        assert_eq!(store.read_blob(blob).await.unwrap(), content);
        store.dequeue(id).await.unwrap();
        assert!(is_missing(store.read_blob(blob).await, blob), "the queue held the only reference");
    }
    let mut no_recipients = envelope();
    no_recipients.recipients.clear();
    let refused = store.enqueue_content(message(9).into(), no_recipients).await;
    assert!(matches!(refused, Err(StoreError::InvalidAddress(..))));
    assert!(store.queue().await.unwrap().is_empty());
}

/// The race of a blob's last reference going while the same content arrives again: the new delivery must
/// never fail for want of the content (`BlobMissing`), nor read back anything else.
pub async fn content_released_while_delivered_again_is_never_lost(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let inbox_id = inbox(&store, alice).await.id;
    let contents: Arc<[Vec<u8>; 2]> = Arc::new([message(11), large_message(12)]);
    let mut tasks = Vec::new();
    for task in 0..4 {
        let (store, contents) = (store.clone(), contents.clone());
        tasks.push(tokio::spawn(async move {
            let content = &contents[task % 2];
            for _ in 0..15 {
                let uid = deliver_content(&store, content, vec![DeliveryTarget::inbox(alice)]).await.unwrap();
                assert_eq!(&store.read_blob(BlobId::of(content)).await.unwrap(), content);
                store.expunge(inbox_id, &[uid]).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(inbox(&store, alice).await.exists, 0);
    for content in contents.iter() {
        let blob = BlobId::of(content);
        assert!(is_missing(store.read_blob(blob).await, blob));
    }
}

pub async fn content_survives_close_and_reopen(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let (small, large) = (message(21), large_message(22));
    deliver_content(&store, &small, vec![DeliveryTarget::inbox(alice)]).await.unwrap();
    deliver_content(&store, &large, vec![DeliveryTarget::inbox(alice)]).await.unwrap();
    let queued = store.enqueue_content(message(23).into(), envelope()).await.unwrap();
    store.close().await.unwrap();
    drop(store);

    let store = backend.open().await;
    let messages = store.messages(inbox(&store, alice).await.id).await.unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(store.read_blob(messages[0].blob).await.unwrap(), small);
    assert_eq!(store.read_blob(messages[1].blob).await.unwrap(), large);
    let entry = store.queue().await.unwrap().into_iter().find(|entry| entry.id == queued).unwrap();
    assert_eq!(store.read_blob(entry.blob).await.unwrap(), message(23));
}
