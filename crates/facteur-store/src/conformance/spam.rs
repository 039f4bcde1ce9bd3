//! Spam training: a message's class can change and its counts follow exactly; correspondents are found
//! whatever the case of the address.

use crate::conformance::{Backend, with_alice};
use crate::spam::{Greylisting, SpamClass, SpamProfile, TokenCounts};

fn counts(token: i64, spam: u64, ham: u64) -> TokenCounts {
    TokenCounts { token, spam, ham }
}

pub async fn spam_training_moves_counts_between_classes(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    assert_eq!(store.spam_profile(alice, "x@example.org").await.unwrap(), SpamProfile::default());
    assert!(store.train_spam(alice, "d1", &[1, 2], Some(SpamClass::Spam)).await.unwrap());
    assert!(!store.train_spam(alice, "d1", &[1, 2], Some(SpamClass::Spam)).await.unwrap(), "already spam");
    assert!(store.train_spam(alice, "d2", &[2, 3], Some(SpamClass::Spam)).await.unwrap());
    let mut seen = store.spam_tokens(alice, &[1, 2, 3, 4]).await.unwrap();
    seen.sort_by_key(|counts| counts.token);
    assert_eq!(seen, [counts(1, 1, 0), counts(2, 2, 0), counts(3, 1, 0)]);
    let profile = store.spam_profile(alice, "x@example.org").await.unwrap();
    assert_eq!((profile.spam_messages, profile.ham_messages), (2, 0));

    // Moved out of Junk: its spam counts are taken back, ham counts added.
    assert!(store.train_spam(alice, "d2", &[2, 3], Some(SpamClass::Ham)).await.unwrap());
    let mut seen = store.spam_tokens(alice, &[1, 2, 3]).await.unwrap();
    seen.sort_by_key(|counts| counts.token);
    assert_eq!(seen, [counts(1, 1, 0), counts(2, 1, 1), counts(3, 0, 1)]);
    let profile = store.spam_profile(alice, "x@example.org").await.unwrap();
    assert_eq!((profile.spam_messages, profile.ham_messages), (1, 1));

    // Forgotten: nothing of it is left.
    assert!(store.train_spam(alice, "d2", &[2, 3], None).await.unwrap());
    assert!(store.train_spam(alice, "d1", &[1, 2], None).await.unwrap());
    assert_eq!(store.spam_tokens(alice, &[1, 2, 3]).await.unwrap(), []);
    assert_eq!(store.spam_profile(alice, "x@example.org").await.unwrap(), SpamProfile::default());
}

pub async fn correspondents_are_remembered(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let addresses = ["Friend@Example.org".to_owned(), "friend@example.org".to_owned()];
    store.note_correspondents(alice, &addresses, 100).await.unwrap();
    store.note_correspondents(alice, &addresses[..1], 50).await.unwrap();
    assert!(store.spam_profile(alice, "FRIEND@example.org").await.unwrap().correspondent);
    assert!(!store.spam_profile(alice, "stranger@example.org").await.unwrap().correspondent);
}

pub async fn greylisting_passes_a_patient_retry(backend: &dyn Backend) {
    let store = backend.open().await;
    let policy = Greylisting { delay: 60, window: 3600, keep: 86_400 };
    assert!(!store.greylist("192.0.2.0|a@x|b@y", 1000, policy).await.unwrap(), "first attempt");
    assert!(!store.greylist("192.0.2.0|a@x|b@y", 1030, policy).await.unwrap(), "too soon");
    assert!(!store.greylist("192.0.2.0|a@x|c@y", 1070, policy).await.unwrap(), "another triplet");
    assert!(store.greylist("192.0.2.0|a@x|b@y", 1061, policy).await.unwrap(), "after the delay");
    assert!(store.greylist("192.0.2.0|a@x|b@y", 50_000, policy).await.unwrap(), "remembered");
    // Of two nodes seeing a new triplet at once, neither lets it pass.
    let (one, two) = tokio::join!(store.greylist("new", 5000, policy), store.greylist("new", 5000, policy));
    assert!(!one.unwrap() && !two.unwrap());
}
