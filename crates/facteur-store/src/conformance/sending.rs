//! What accounts send (`crate::sending`): counts per account and window, the last outcomes only, holds listed
//! until released, and the submitting account kept with a queued message.

use crate::conformance::Backend;
use crate::conformance::with_alice;
use crate::sending::{OutcomeTally, SendingUsage};
use crate::{Notify, QueuedEnvelope, QueuedRecipient};

const HOUR: i64 = 3600;
const NOW: i64 = 1_800_000_000;

pub async fn sending_is_counted_per_account_and_window(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "hash-b").await.unwrap();
    assert_eq!(store.sending_usage(alice, NOW - HOUR).await.unwrap(), SendingUsage::default());
    store.record_sending(alice, NOW - 2 * HOUR, 7, 0).await.unwrap();
    store.record_sending(alice, NOW - 10, 3, 0).await.unwrap();
    store.record_sending(alice, NOW, 2, 0).await.unwrap();
    store.record_sending(bob, NOW, 50, 0).await.unwrap();
    let last_hour = store.sending_usage(alice, NOW - HOUR).await.unwrap();
    assert_eq!(last_hour, SendingUsage { messages: 2, recipients: 5 }, "the window's, and alice's only");
    let all = store.sending_usage(alice, 0).await.unwrap();
    assert_eq!(all, SendingUsage { messages: 3, recipients: 12 });
    // Forgetting is per account: bob's old send stays.
    store.record_sending(bob, NOW - 3 * HOUR, 1, 0).await.unwrap();
    store.record_sending(alice, NOW + 1, 1, NOW - HOUR).await.unwrap();
    assert_eq!(store.sending_usage(alice, 0).await.unwrap(), SendingUsage { messages: 3, recipients: 6 });
    assert_eq!(store.sending_usage(bob, 0).await.unwrap(), SendingUsage { messages: 2, recipients: 51 });
}

pub async fn only_the_last_outcomes_are_tallied(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let tally = store.record_outcomes(alice, NOW, vec![true, true, true], 4).await.unwrap();
    assert_eq!(tally, OutcomeTally { outcomes: 3, bounced: 3 });
    let tally = store.record_outcomes(alice, NOW + 1, vec![false, false, false], 4).await.unwrap();
    assert_eq!(tally, OutcomeTally { outcomes: 4, bounced: 1 }, "the newest four: one bounce, three deliveries");
    let tally = store.record_outcomes(alice, NOW + 2, Vec::new(), 4).await.unwrap();
    assert_eq!(tally, OutcomeTally { outcomes: 4, bounced: 1 }, "nothing new, the same tally");
}

pub async fn account_hold_is_listed_until_released(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    assert!(store.account_holds().await.unwrap().is_empty());
    assert_eq!(store.account_released_at(alice).await.unwrap(), None);
    assert!(!store.release_account(alice, NOW).await.unwrap(), "nothing to release");
    store.record_outcomes(alice, NOW, vec![true, true], 10).await.unwrap();

    assert!(store.hold_account(alice, "3 of 4 bounced", NOW).await.unwrap());
    assert!(!store.hold_account(alice, "another reason", NOW + 5).await.unwrap(), "held already");
    let holds = store.account_holds().await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!((holds[0].account, holds[0].address.as_str()), (alice, "alice@example.com"));
    assert_eq!((holds[0].reason.as_str(), holds[0].since), ("3 of 4 bounced", NOW), "the first reason stays");

    assert!(store.release_account(alice, NOW + 60).await.unwrap());
    assert!(store.account_holds().await.unwrap().is_empty());
    assert_eq!(store.account_released_at(alice).await.unwrap(), Some(NOW + 60));
    let tally = store.record_outcomes(alice, NOW + 61, vec![false], 10).await.unwrap();
    assert_eq!(tally, OutcomeTally { outcomes: 1, bounced: 0 }, "a release starts the tally afresh");
    assert!(store.hold_account(alice, "again", NOW + 100).await.unwrap(), "held again after a release");
    assert_eq!(store.account_holds().await.unwrap()[0].reason, "again");
}

pub async fn queued_message_keeps_its_submitting_account(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let envelope = |account| QueuedEnvelope {
        return_path: "alice@example.com".into(),
        envid: None,
        ret: None,
        expires_at: 2_000_000_000,
        require_tls: false,
        recipients: vec![QueuedRecipient { address: "x@remote.net".into(), orcpt: None, notify: Notify::default() }],
        account,
    };
    let submitted = store.enqueue_content(b"Subject: a\r\n\r\nx\r\n"[..].into(), envelope(Some(alice))).await.unwrap();
    let report = store.enqueue_content(b"Subject: b\r\n\r\ny\r\n"[..].into(), envelope(None)).await.unwrap();
    let queue = store.queue().await.unwrap();
    let account_of = |id| queue.iter().find(|entry| entry.id == id).map(|entry| entry.account);
    assert_eq!(account_of(submitted), Some(Some(alice)));
    assert_eq!(account_of(report), Some(None));
}
