//! The full-text index: it narrows a search to candidates and never loses a message. A message delivered without
//! its text (pending) is a candidate until indexed, an expunged one is gone, a rebuild lists every one again.

use facteur_primitives::{SearchText, ThreadKeys};

use crate::conformance::{Backend, with_alice};
use crate::{BlobId, DeliveryTarget, MessageMeta};

pub async fn the_text_index_names_every_message_that_may_contain_a_needle(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let inbox = store.mailbox_by_name(alice, "INBOX").await.unwrap().unwrap().id;
    let deliver = |content: &'static [u8], text: Option<&str>| {
        let text = text.map(|text| SearchText { text: text.into(), complete: true });
        let targets = vec![DeliveryTarget::inbox(alice)];
        store.deliver_content(content.into(), vec![], 0, targets, ThreadKeys::default(), text)
    };
    let cafe = deliver(b"1", Some("subject: un cafe\n\nil fait beau")).await.unwrap()[0].uid;
    let tea = deliver(b"2", Some("subject: un the\n\nil pleut")).await.unwrap()[0].uid;
    let unread = deliver(b"3", None).await.unwrap()[0].uid;
    let uids = |found: Option<Vec<MessageMeta>>| found.map(|m| m.iter().map(|m| m.uid).collect::<Vec<_>>());

    assert_eq!(uids(store.text_candidates(inbox, "cafe").await.unwrap()), Some(vec![cafe, unread]));
    assert_eq!(uids(store.text_candidates(inbox, "il ").await.unwrap()), Some(vec![cafe, tea, unread]));
    assert_eq!(uids(store.text_candidates(inbox, "nowhere").await.unwrap()), Some(vec![unread]));
    assert_eq!(store.text_candidates(inbox, "ca").await.unwrap(), None, "two characters: no trigram");
    // Moved from where a delivery left them (SQLite stages the text) into the index proper: the same answers.
    store.index_staged(100).await.unwrap();
    assert_eq!(store.index_staged(100).await.unwrap(), 0, "nothing left staged");
    assert_eq!(uids(store.text_candidates(inbox, "cafe").await.unwrap()), Some(vec![cafe, unread]));
    assert_eq!(uids(store.text_candidates(inbox, "il ").await.unwrap()), Some(vec![cafe, tea, unread]));

    let pending = store.text_pending(10).await.unwrap();
    assert_eq!(pending, vec![BlobId::of(b"3")]);
    store.index_texts(vec![(pending[0], SearchText { text: "un cafe noir".into(), complete: true })]).await.unwrap();
    assert!(store.text_pending(10).await.unwrap().is_empty());
    assert_eq!(uids(store.text_candidates(inbox, "nowhere").await.unwrap()), Some(vec![]));
    assert_eq!(uids(store.text_candidates(inbox, "cafe").await.unwrap()), Some(vec![cafe, unread]));

    store.expunge(inbox, &[cafe]).await.unwrap();
    assert_eq!(uids(store.text_candidates(inbox, "cafe").await.unwrap()), Some(vec![unread]));
    // The expunged message's content is gone, and its document with it: the same content again is indexed anew.
    let again = deliver(b"1", Some("subject: un cafe\n\nil fait beau")).await.unwrap()[0].uid;
    assert_eq!(uids(store.text_candidates(inbox, "beau").await.unwrap()), Some(vec![again]));

    assert_eq!(store.forget_texts(Some(alice)).await.unwrap(), 3);
    assert_eq!(store.text_pending(10).await.unwrap().len(), 3);
    assert_eq!(uids(store.text_candidates(inbox, "nowhere").await.unwrap()), Some(vec![tea, unread, again]));
    let _ = tea;
}
