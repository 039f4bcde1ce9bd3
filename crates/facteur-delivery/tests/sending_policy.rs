//! The rules of `[outbound]` (`SendingPolicy`) over a real store, at chosen times: the hourly limits count an
//! hour back and no further, the volume rule compares the last hour with the account's usual and starts afresh
//! after a release, the bounce rule needs a full window. The binary's tests (`crates/facteur/tests/
//! outbound_abuse.rs`) drive the same rules over SMTP and JMAP.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use facteur_delivery::{BounceHold, Limited, SendingPolicy, VolumeHold};
use facteur_store::{Account, SqliteStore, Store};

const HOUR: i64 = 3600;
const NOW: i64 = 1_800_000_000;

async fn store_with_alice() -> (tempfile::TempDir, Arc<dyn Store>, Account) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("store")).await.unwrap());
    store.add_domain("example.test").await.unwrap();
    store.create_account("alice@example.test", "hash").await.unwrap();
    let alice = store.account_by_address("alice@example.test").await.unwrap().unwrap();
    (dir, store, alice)
}

fn limits(messages: u64, recipients: u64) -> SendingPolicy {
    SendingPolicy { max_messages_per_hour: messages, max_recipients_per_hour: recipients, ..SendingPolicy::default() }
}

fn held(holds: &[facteur_store::AccountHold]) -> Option<&str> {
    holds.first().map(|hold| hold.reason.as_str())
}

#[tokio::test]
async fn the_limits_count_the_last_hour_only() {
    let (_dir, store, alice) = store_with_alice().await;
    let policy = limits(2, 10);
    policy.count_message(store.as_ref(), &alice, 4, NOW - HOUR).await.unwrap();
    policy.count_message(store.as_ref(), &alice, 4, NOW - 10).await.unwrap();
    assert_eq!(policy.check(store.as_ref(), &alice, 0, NOW).await.unwrap(), None, "the first is over an hour old");
    policy.count_message(store.as_ref(), &alice, 4, NOW).await.unwrap();
    let limited = policy.check(store.as_ref(), &alice, 0, NOW).await.unwrap().unwrap();
    assert_eq!((limited.what, limited.used, limited.limit), (Limited::Messages, 2, 2));
    assert_eq!(limited.to_string(), "alice@example.test has sent 2 messages in the last hour (limit 2)");

    let recipients = limits(0, 10);
    assert_eq!(recipients.check(store.as_ref(), &alice, 2, NOW).await.unwrap(), None, "8 + 2 is the limit");
    let limited = recipients.check(store.as_ref(), &alice, 3, NOW).await.unwrap().unwrap();
    assert_eq!((limited.what, limited.used, limited.limit), (Limited::Recipients, 8, 10));
    assert_eq!(limits(0, 0).check(store.as_ref(), &alice, 1000, NOW).await.unwrap(), None, "0: unlimited");
}

#[tokio::test]
async fn a_volume_far_above_the_usual_holds_the_account_until_released() {
    let (_dir, store, alice) = store_with_alice().await;
    let policy = SendingPolicy { volume_hold: Some(VolumeHold { factor: 10, min_messages: 5 }), ..limits(0, 0) };
    // Usual: 167 messages over the week before this hour, one an hour.
    for hour in (1..=167).rev() {
        policy.count_message(store.as_ref(), &alice, 1, NOW - hour * HOUR).await.unwrap();
    }
    for n in 0..10 {
        policy.count_message(store.as_ref(), &alice, 1, NOW + n).await.unwrap();
    }
    assert!(store.account_holds().await.unwrap().is_empty(), "ten is not over ten times one");
    policy.count_message(store.as_ref(), &alice, 1, NOW + 10).await.unwrap();
    let holds = store.account_holds().await.unwrap();
    assert_eq!(held(&holds), Some("11 messages in the last hour, over 10 times its usual 1 an hour"));

    // Released, the hour already seen counts no more: one more message holds nothing.
    assert!(store.release_account(alice.id, NOW + 20).await.unwrap());
    policy.count_message(store.as_ref(), &alice, 1, NOW + 30).await.unwrap();
    assert!(store.account_holds().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_new_account_is_held_at_the_floor_and_not_before() {
    let (_dir, store, alice) = store_with_alice().await;
    let policy = SendingPolicy { volume_hold: Some(VolumeHold { factor: 10, min_messages: 3 }), ..limits(0, 0) };
    for n in 0..2 {
        policy.count_message(store.as_ref(), &alice, 1, NOW + n).await.unwrap();
    }
    assert!(store.account_holds().await.unwrap().is_empty());
    policy.count_message(store.as_ref(), &alice, 1, NOW + 2).await.unwrap();
    assert!(held(&store.account_holds().await.unwrap()).is_some_and(|reason| reason.starts_with("3 messages")));
}

#[tokio::test]
async fn bounces_hold_the_account_once_the_window_is_full_and_over_the_share() {
    let (_dir, store, alice) = store_with_alice().await;
    let policy = SendingPolicy { bounce_hold: Some(BounceHold { percent: 50, window: 4 }), ..limits(0, 0) };
    policy.count_outcomes(store.as_ref(), alice.id, vec![true, true, true], NOW).await.unwrap();
    assert!(store.account_holds().await.unwrap().is_empty(), "three outcomes are not a window of four");
    policy.count_outcomes(store.as_ref(), alice.id, vec![false], NOW).await.unwrap();
    let holds = store.account_holds().await.unwrap();
    assert_eq!(held(&holds), Some("3 of its last 4 remote deliveries bounced (over 50%)"));

    assert!(store.release_account(alice.id, NOW + 1).await.unwrap());
    policy.count_outcomes(store.as_ref(), alice.id, vec![true, true, false, false], NOW + 2).await.unwrap();
    assert!(store.account_holds().await.unwrap().is_empty(), "half is not over half");
    policy.count_outcomes(store.as_ref(), alice.id, vec![true], NOW + 3).await.unwrap();
    assert!(store.account_holds().await.unwrap().is_empty(), "the last four: two bounces");
    policy.count_outcomes(store.as_ref(), alice.id, vec![true, true], NOW + 4).await.unwrap();
    assert!(held(&store.account_holds().await.unwrap()).is_some(), "the last four: three bounces");
}
