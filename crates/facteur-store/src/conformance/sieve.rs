//! Sieve scripts: named per account, one active at most, limits kept in the writing transaction, the active
//! script never deleted (RFC 5804 §2.10), renames keeping the active mark.

use crate::conformance::{Backend, with_alice};
use crate::error::{Entity, StoreError};
use crate::sieve::{SieveLimits, SieveScriptInfo};

const LIMITS: SieveLimits = SieveLimits { max_scripts: 3, max_script_bytes: 100 };

fn info(name: &str, size: u64, active: bool) -> SieveScriptInfo {
    SieveScriptInfo { name: name.to_owned(), size, active }
}

pub async fn sieve_scripts_are_kept_listed_and_activated(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    assert_eq!(store.sieve_scripts(alice).await.unwrap(), []);
    assert_eq!(store.active_sieve_script(alice).await.unwrap(), None);
    store.put_sieve_script(alice, "vacation", "keep;", LIMITS).await.unwrap();
    store.put_sieve_script(alice, "rules", "discard;", LIMITS).await.unwrap();
    assert_eq!(store.sieve_script(alice, "rules").await.unwrap().as_deref(), Some("discard;"));
    assert_eq!(store.sieve_script(alice, "nope").await.unwrap(), None);
    assert_eq!(store.sieve_scripts(alice).await.unwrap(), [info("rules", 8, false), info("vacation", 5, false)]);

    store.activate_sieve_script(alice, Some("rules")).await.unwrap();
    assert_eq!(store.active_sieve_script(alice).await.unwrap(), Some(("rules".into(), "discard;".into())));
    store.activate_sieve_script(alice, Some("vacation")).await.unwrap();
    let listed = store.sieve_scripts(alice).await.unwrap();
    assert_eq!(listed, [info("rules", 8, false), info("vacation", 5, true)], "one active at a time");
    // Replacing the active script keeps it active; its new text is what delivery runs.
    store.put_sieve_script(alice, "vacation", "stop;", LIMITS).await.unwrap();
    assert_eq!(store.active_sieve_script(alice).await.unwrap(), Some(("vacation".into(), "stop;".into())));
    assert!(matches!(
        store.activate_sieve_script(alice, Some("nope")).await,
        Err(StoreError::NotFound(Entity::SieveScript, _))
    ));
    store.activate_sieve_script(alice, None).await.unwrap();
    assert_eq!(store.active_sieve_script(alice).await.unwrap(), None);
    // Sizes are bytes, as HAVESPACE counts them.
    store.put_sieve_script(alice, "été", "# é\nkeep;", LIMITS).await.unwrap();
    assert!(store.sieve_scripts(alice).await.unwrap().contains(&info("été", 10, false)));
}

pub async fn sieve_limits_rename_and_delete_follow_rfc_5804(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    for name in ["a", "b", "c"] {
        store.put_sieve_script(alice, name, "keep;", LIMITS).await.unwrap();
    }
    let fourth = store.put_sieve_script(alice, "d", "keep;", LIMITS).await;
    assert!(matches!(fourth, Err(StoreError::SieveQuota { max_scripts: 3, .. })), "{fourth:?}");
    store.put_sieve_script(alice, "c", "discard;", LIMITS).await.expect("replacing one is not a fourth");
    let big = "#".repeat(101);
    assert!(matches!(store.put_sieve_script(alice, "a", &big, LIMITS).await, Err(StoreError::SieveQuota { .. })));
    assert_eq!(store.sieve_script(alice, "a").await.unwrap().as_deref(), Some("keep;"), "nothing written");

    store.activate_sieve_script(alice, Some("a")).await.unwrap();
    assert!(matches!(store.delete_sieve_script(alice, "a").await, Err(StoreError::SieveScriptActive(_))));
    store.rename_sieve_script(alice, "a", "renamed").await.unwrap();
    assert_eq!(store.active_sieve_script(alice).await.unwrap().map(|(name, _)| name).as_deref(), Some("renamed"));
    assert!(matches!(
        store.rename_sieve_script(alice, "b", "c").await,
        Err(StoreError::AlreadyExists(Entity::SieveScript, _))
    ));
    assert!(matches!(
        store.rename_sieve_script(alice, "gone", "x").await,
        Err(StoreError::NotFound(Entity::SieveScript, _))
    ));
    store.delete_sieve_script(alice, "b").await.unwrap();
    assert!(matches!(store.delete_sieve_script(alice, "b").await, Err(StoreError::NotFound(Entity::SieveScript, _))));
    let names: Vec<String> = store.sieve_scripts(alice).await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["c", "renamed"]);

    // Scripts go with their account.
    store.remove_account("alice@example.com").await.unwrap();
    let bob = store.create_account("alice@example.com", "h").await.unwrap();
    assert_eq!(store.sieve_scripts(bob).await.unwrap(), []);
}

pub async fn sieve_records_last_until_their_time(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    assert!(!store.sieve_tracked(alice, "dup:id-1", 100).await.unwrap());
    assert!(store.track_sieve(alice, "dup:id-1", 100, 200).await.unwrap(), "the first to record it");
    assert!(store.sieve_tracked(alice, "dup:id-1", 199).await.unwrap());
    assert!(!store.sieve_tracked(alice, "dup:id-1", 200).await.unwrap(), "over at its time");
    assert!(!store.sieve_tracked(alice, "dup:ID-1", 150).await.unwrap(), "keys are exact");
    // A shorter record never shortens a longer one.
    assert!(!store.track_sieve(alice, "dup:id-1", 120, 150).await.unwrap(), "a record was in force");
    assert!(store.sieve_tracked(alice, "dup:id-1", 180).await.unwrap());
    // Ended records are forgotten when others are written.
    store.track_sieve(alice, "vacation:bob", 300, 400).await.unwrap();
    assert!(store.track_sieve(alice, "dup:id-1", 300, 310).await.unwrap(), "first again once the old one ended");
    assert!(store.sieve_tracked(alice, "dup:id-1", 305).await.unwrap(), "written again after it ended");
    // Two deliveries recording one key at the same moment: exactly one is first.
    let (a, b) = tokio::join!(
        store.track_sieve(alice, "vacation:carol", 500, 600),
        store.track_sieve(alice, "vacation:carol", 500, 600)
    );
    assert!(a.unwrap() ^ b.unwrap(), "one claim wins");
}
