//! The full-text index: it narrows a search to candidates and never loses a message. A delivered message is
//! indexed at once (PostgreSQL, given its text) or listed for the background indexer (SQLite, or without its
//! text), and a listed one is a candidate until indexed; an expunged one is gone; a rebuild lists every one again.

use std::sync::Arc;

use facteur_primitives::{SearchText, ThreadKeys};

use crate::conformance::{Backend, with_alice};
use crate::{BlobId, DeliveryTarget, MailboxId, MessageMeta, Store, Uid};

/// The messages of this check, by content, with their (folded) text.
const TEXTS: [(&[u8], &str); 3] =
    [(b"1", "subject: un cafe\n\nil fait beau"), (b"2", "subject: un the\n\nil pleut"), (b"3", "un cafe noir")];

fn text_of(blob: BlobId) -> SearchText {
    let (_, text) = TEXTS.iter().find(|(content, _)| BlobId::of(content) == blob).expect("a message of this check");
    SearchText { text: (*text).into(), complete: true }
}

/// What the background indexer does: every listed message gets its text.
async fn index_pending(store: &Arc<dyn Store>) {
    let pending = store.text_pending(10).await.unwrap();
    store.index_texts(pending.into_iter().map(|blob| (blob, text_of(blob))).collect()).await.unwrap();
    assert!(store.text_pending(10).await.unwrap().is_empty());
}

async fn candidates(store: &Arc<dyn Store>, inbox: MailboxId, needle: &str) -> Vec<Uid> {
    let found: Vec<MessageMeta> = store.text_candidates(inbox, needle).await.unwrap().expect("a needle to look up");
    found.iter().map(|meta| meta.uid).collect()
}

pub async fn the_text_index_names_every_message_that_may_contain_a_needle(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let inbox = store.mailbox_by_name(alice, "INBOX").await.unwrap().unwrap().id;
    let deliver = |content: &'static [u8], with_text: bool| {
        let text = with_text.then(|| text_of(BlobId::of(content)));
        let targets = vec![DeliveryTarget::inbox(alice)];
        store.deliver_content(content.into(), vec![], 0, targets, ThreadKeys::default(), text)
    };
    let cafe = deliver(b"1", true).await.unwrap()[0].uid;
    let tea = deliver(b"2", true).await.unwrap()[0].uid;
    let unread = deliver(b"3", false).await.unwrap()[0].uid;

    // Whatever the backend did at delivery, no message is left out.
    for (needle, present) in [("cafe", vec![cafe, unread]), ("il ", vec![cafe, tea]), ("nowhere", vec![])] {
        let found = candidates(&store, inbox, needle).await;
        assert!(present.iter().all(|uid| found.contains(uid)), "{needle:?}: {found:?} lacks some of {present:?}");
    }
    assert_eq!(store.text_candidates(inbox, "ca").await.unwrap(), None, "two characters: no trigram");
    assert!(store.text_pending(10).await.unwrap().contains(&BlobId::of(b"3")), "delivered without its text");

    index_pending(&store).await;
    assert_eq!(candidates(&store, inbox, "cafe").await, [cafe, unread]);
    assert_eq!(candidates(&store, inbox, "il ").await, [cafe, tea]);
    assert_eq!(candidates(&store, inbox, "nowhere").await, []);

    store.expunge(inbox, &[cafe]).await.unwrap();
    assert_eq!(candidates(&store, inbox, "cafe").await, [unread]);
    // The expunged message's content is gone, and its document with it: the same content again is indexed anew.
    let again = deliver(b"1", true).await.unwrap()[0].uid;
    index_pending(&store).await;
    assert_eq!(candidates(&store, inbox, "beau").await, [again]);

    assert_eq!(store.forget_texts(Some(alice)).await.unwrap(), 3);
    assert_eq!(store.text_pending(10).await.unwrap().len(), 3);
    assert_eq!(candidates(&store, inbox, "nowhere").await, [tea, unread, again], "listed again: all candidates");
}
