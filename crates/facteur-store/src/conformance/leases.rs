//! Named leases: the POP3 maildrop lock and one ACME order at a time rest on these rules.

use std::sync::Arc;

use super::Backend;

pub async fn a_lease_has_one_holder_until_released_or_expired(backend: &dyn Backend) {
    let store = backend.open().await;
    let (a, b) = ("node a/pop3 session 1", "node b/pop3 session 7");
    assert!(store.try_lease("maildrop 1", a, 1_000, 1_060).await.unwrap(), "free: taken");
    assert!(!store.try_lease("maildrop 1", b, 1_010, 1_070).await.unwrap(), "refused to another holder");
    assert!(store.try_lease("maildrop 2", b, 1_010, 1_070).await.unwrap(), "another name is another lease");
    assert!(store.try_lease("maildrop 1", a, 1_050, 1_110).await.unwrap(), "its holder renews it");
    assert!(!store.try_lease("maildrop 1", b, 1_080, 1_140).await.unwrap(), "renewed, so held past 1060");
    store.release_lease("maildrop 1", b).await.unwrap();
    assert!(!store.try_lease("maildrop 1", b, 1_081, 1_141).await.unwrap(), "another holder's release is none");
    assert!(store.try_lease("maildrop 1", b, 1_110, 1_170).await.unwrap(), "expired: free for another");
    assert!(!store.try_lease("maildrop 1", a, 1_111, 1_171).await.unwrap(), "the first holder lost it");
    store.release_lease("maildrop 1", b).await.unwrap();
    assert!(store.try_lease("maildrop 1", a, 1_112, 1_172).await.unwrap(), "released: free at once");
}

pub async fn a_free_lease_taken_at_once_by_many_goes_to_one(backend: &dyn Backend) {
    let store = backend.open().await;
    let mut tasks = Vec::new();
    for n in 0..16 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store.try_lease("acme order", &format!("node {n}"), 2_000, 2_600).await.unwrap()
        }));
    }
    let mut winners = 0;
    for task in tasks {
        winners += usize::from(task.await.unwrap());
    }
    assert_eq!(winners, 1);
}
