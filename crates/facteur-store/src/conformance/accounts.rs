//! Checks on domains, accounts, aliases and recipient resolution.

use super::{Backend, deliver_to, put, with_alice};
use std::sync::Arc;

use crate::{Alias, Entity, RecipientLookup, Resolution, StoreError};

pub async fn accounts_are_normalised_and_unique(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let found = store.account_by_address("Alice@EXAMPLE.com").await.unwrap().unwrap();
    assert_eq!((found.id, found.address.as_str()), (alice, "alice@example.com"));
    assert_eq!((found.password_hash.as_str(), found.quota_bytes, found.used_bytes), ("hash-a", None, 0));
    assert_eq!(found.scram_sha256, None);
    let err = store.create_account("ALICE@example.COM", "other").await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(Entity::Account, ref a) if a == "alice@example.com"));
    assert!(matches!(store.create_account("not an address", "h").await, Err(StoreError::InvalidAddress(..))));
    assert_eq!(store.account_by_address("garbage").await.unwrap(), None);
    store.create_account("bob@example.com", "hash-b").await.unwrap();
    let listed: Vec<String> = store.list_accounts().await.unwrap().into_iter().map(|a| a.address).collect();
    assert_eq!(listed, ["alice@example.com", "bob@example.com"]);
    assert_eq!(store.account(alice).await.unwrap().unwrap().address, "alice@example.com");
}

pub async fn accounts_need_a_local_domain(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    let err = store.create_account("carol@example.org", "h").await.unwrap_err();
    assert!(matches!(err, StoreError::DomainNotLocal(ref d) if d == "example.org"));
    assert!(store.is_local_domain("EXAMPLE.com").await.unwrap());
    assert!(!store.is_local_domain("example.org").await.unwrap());
    assert!(matches!(store.add_domain("Example.COM").await, Err(StoreError::AlreadyExists(Entity::Domain, _))));
    store.add_domain("example.org").await.unwrap();
    store.create_account("carol@example.org", "h").await.unwrap();
    assert_eq!(store.list_domains().await.unwrap(), ["example.com", "example.org"]);
}

pub async fn domain_in_use_cannot_be_removed(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    let err = store.remove_domain("example.com").await.unwrap_err();
    assert!(matches!(err, StoreError::DomainInUse { accounts: 1, aliases: 0, .. }), "{err}");
    store.add_domain("lists.example.com").await.unwrap();
    store.add_alias("@lists.example.com", &["alice@example.com".into()]).await.unwrap();
    let err = store.remove_domain("lists.example.com").await.unwrap_err();
    assert!(matches!(err, StoreError::DomainInUse { accounts: 0, aliases: 1, .. }), "{err}");
    store.remove_alias("@lists.example.com").await.unwrap();
    store.remove_domain("lists.example.com").await.unwrap();
    assert!(matches!(store.remove_domain("lists.example.com").await, Err(StoreError::NotFound(Entity::Domain, _))));
}

pub async fn password_and_quota_can_be_changed(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    store.set_password("ALICE@example.com", "hash-2").await.unwrap();
    store.set_quota("alice@example.com", Some(5000)).await.unwrap();
    let alice = store.account_by_address("alice@example.com").await.unwrap().unwrap();
    assert_eq!((alice.password_hash.as_str(), alice.quota_bytes), ("hash-2", Some(5000)));
    store.set_quota("alice@example.com", None).await.unwrap();
    assert_eq!(store.account_by_address("alice@example.com").await.unwrap().unwrap().quota_bytes, None);
    let err = store.set_password("nobody@example.com", "h").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(Entity::Account, _)));
}

pub async fn accounts_are_marked_admin_on_request(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    assert!(!store.account(alice).await.unwrap().unwrap().admin, "a new account is not an administrator");
    store.set_admin("Alice@example.com", true).await.unwrap();
    assert!(store.account(alice).await.unwrap().unwrap().admin);
    assert!(store.list_accounts().await.unwrap()[0].admin);
    store.set_admin("alice@example.com", false).await.unwrap();
    assert!(!store.account_by_address("alice@example.com").await.unwrap().unwrap().admin);
    let err = store.set_admin("nobody@example.com", true).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(Entity::Account, _)));
}

pub async fn scram_verifier_is_kept_for_its_password_only(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let verifier = |store: Arc<dyn crate::Store>| async move {
        store.account_by_address("alice@example.com").await.unwrap().unwrap().scram_sha256
    };
    assert_eq!(verifier(Arc::clone(&store)).await, None, "a new account has none until one is stored");
    assert!(!store.set_scram_verifier(alice, "not-the-hash", "v-0").await.unwrap(), "another password's");
    assert_eq!(verifier(Arc::clone(&store)).await, None);
    assert!(store.set_scram_verifier(alice, "hash-a", "v-a").await.unwrap());
    assert_eq!(verifier(Arc::clone(&store)).await.as_deref(), Some("v-a"));
    assert_eq!(store.account(alice).await.unwrap().unwrap().scram_sha256.as_deref(), Some("v-a"));
    // A new password makes the old verifier useless: it is forgotten with the old hash.
    store.set_password("alice@example.com", "hash-b").await.unwrap();
    assert_eq!(verifier(Arc::clone(&store)).await, None);
    assert!(!store.set_scram_verifier(alice, "hash-a", "v-a").await.unwrap(), "derived from the old password");
    assert!(store.set_scram_verifier(alice, "hash-b", "v-b").await.unwrap());
    assert_eq!(verifier(Arc::clone(&store)).await.as_deref(), Some("v-b"));
    store.remove_account("alice@example.com").await.unwrap();
    assert!(!store.set_scram_verifier(alice, "hash-b", "v-c").await.unwrap(), "the account is gone");
}

fn accounts(ids: &[crate::AccountId]) -> Option<Resolution> {
    Some(Resolution { accounts: ids.to_vec(), forwards: Vec::new() })
}

pub async fn alias_catch_all_subaddress_and_case_resolve(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "h").await.unwrap();
    store.add_alias("Sales@Example.com", &["alice@example.com".into(), "BOB@example.com".into()]).await.unwrap();
    assert_eq!(store.resolve_recipient("ALICE@example.COM").await.unwrap(), accounts(&[alice]));
    assert_eq!(store.resolve_recipient("sales@example.com").await.unwrap(), accounts(&[alice, bob]));
    assert_eq!(store.resolve_recipient("alice+news@example.com").await.unwrap(), accounts(&[alice]));
    assert_eq!(store.resolve_recipient("sales+x@example.com").await.unwrap(), accounts(&[alice, bob]));
    assert_eq!(store.resolve_recipient("nobody@example.com").await.unwrap(), None);
    store.add_alias("@example.com", &["bob@example.com".into()]).await.unwrap();
    assert_eq!(store.resolve_recipient("nobody@example.com").await.unwrap(), accounts(&[bob]));
    // An exact account wins over the catch-all.
    assert_eq!(store.resolve_recipient("alice@example.com").await.unwrap(), accounts(&[alice]));
    assert_eq!(store.resolve_recipient("not an address").await.unwrap(), None);
    let aliases = store.list_aliases().await.unwrap();
    assert_eq!(
        aliases,
        [
            Alias { alias: "@example.com".into(), targets: vec!["bob@example.com".into()] },
            Alias {
                alias: "sales@example.com".into(),
                targets: vec!["alice@example.com".into(), "bob@example.com".into()]
            },
        ]
    );
    let err = store.add_alias("alice@example.com", &["bob@example.com".into()]).await.unwrap_err();
    assert!(matches!(err, StoreError::AddressInUse(_)));
    let err = store.create_account("sales@example.com", "h").await.unwrap_err();
    assert!(matches!(err, StoreError::AddressInUse(_)));
}

pub async fn alias_to_alias_is_followed_one_level_and_loops_end(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store.add_alias("team@example.com", &["alice@example.com".into()]).await.unwrap();
    store.add_alias("support@example.com", &["team@example.com".into()]).await.unwrap();
    store.add_alias("helpdesk@example.com", &["support@example.com".into()]).await.unwrap();
    assert_eq!(store.resolve_recipient("support@example.com").await.unwrap(), accounts(&[alice]));
    // Two hops away: beyond the bound, so nothing.
    assert_eq!(store.resolve_recipient("helpdesk@example.com").await.unwrap(), None);
    store.add_alias("ping@example.com", &["pong@example.com".into()]).await.unwrap();
    store.add_alias("pong@example.com", &["ping@example.com".into(), "alice@example.com".into()]).await.unwrap();
    assert_eq!(store.resolve_recipient("ping@example.com").await.unwrap(), accounts(&[alice]));
}

pub async fn recipient_lookup_tells_foreign_unknown_and_quota_room(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "h").await.unwrap();
    store.add_alias("team@example.com", &["alice@example.com".into(), "bob@example.com".into()]).await.unwrap();
    let lookup = |address: &'static str| {
        let store = Arc::clone(&store);
        async move { store.lookup_recipient(address).await.unwrap() }
    };
    assert_eq!(lookup("alice@elsewhere.net").await, RecipientLookup::ForeignDomain);
    assert_eq!(lookup("no-domain").await, RecipientLookup::ForeignDomain);
    assert_eq!(lookup("nobody@EXAMPLE.com").await, RecipientLookup::Unknown);
    let unlimited = Resolution { accounts: vec![alice], forwards: vec![] };
    assert_eq!(lookup("Alice+tag@example.com").await, RecipientLookup::Local { resolution: unlimited, room: None });
    store.set_quota("alice@example.com", Some(5000)).await.unwrap();
    store.set_quota("bob@example.com", Some(3000)).await.unwrap();
    let team = Resolution { accounts: vec![alice, bob], forwards: vec![] };
    assert_eq!(lookup("team@example.com").await, RecipientLookup::Local { resolution: team, room: Some(3000) });
}

pub async fn alias_forwards_to_remote_addresses(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store
        .add_alias("alumni@example.com", &["Old.Friend@Elsewhere.net".into(), "alice@example.com".into()])
        .await
        .unwrap();
    let found = store.resolve_recipient("alumni@example.com").await.unwrap().unwrap();
    assert_eq!(found.accounts, [alice]);
    assert_eq!(found.forwards, ["old.friend@elsewhere.net"]);
}

pub async fn non_local_domains_never_resolve(backend: &dyn Backend) {
    let (store, _) = with_alice(backend).await;
    assert_eq!(store.resolve_recipient("alice@example.org").await.unwrap(), None);
    assert_eq!(store.resolve_recipient("alice@sub.example.com").await.unwrap(), None);
    let err = store.add_alias("@example.org", &["alice@example.com".into()]).await.unwrap_err();
    assert!(matches!(err, StoreError::DomainNotLocal(_)));
}

pub async fn removing_account_releases_blobs_and_alias_targets(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "h").await.unwrap();
    store.add_alias("both@example.com", &["alice@example.com".into(), "bob@example.com".into()]).await.unwrap();
    store.add_alias("just-bob@example.com", &["bob@example.com".into()]).await.unwrap();
    let shared = deliver_to(&store, b"shared message", &[alice, bob]).await;
    let only_bob = deliver_to(&store, b"only for bob", &[bob]).await;
    let shared_blob = put(&store, b"shared message").await;
    let bob_blob = put(&store, b"only for bob").await;
    assert_eq!((shared.len(), only_bob.len()), (2, 1));
    store.remove_account("Bob@example.com").await.unwrap();
    assert_eq!(store.account_by_address("bob@example.com").await.unwrap(), None);
    assert!(store.blobs().contains(shared_blob), "alice still references it");
    assert!(!store.blobs().contains(bob_blob), "nothing references it any more");
    let aliases = store.list_aliases().await.unwrap();
    assert_eq!(aliases, [Alias { alias: "both@example.com".into(), targets: vec!["alice@example.com".into()] }]);
    assert_eq!(store.resolve_recipient("both@example.com").await.unwrap(), accounts(&[alice]));
    assert!(matches!(store.remove_account("bob@example.com").await, Err(StoreError::NotFound(..))));
}

pub async fn postmaster_and_abuse_reach_someone_without_being_set_up(backend: &dyn Backend) {
    let store = backend.open().await;
    store.add_domain("example.com").await.unwrap();
    store.add_domain("other.test").await.unwrap();
    assert_eq!(store.resolve_recipient("postmaster@example.com").await.unwrap(), None, "nobody to reach yet");
    let alice = store.create_account("alice@example.com", "h").await.unwrap();
    let carol = store.create_account("carol@other.test", "h").await.unwrap();
    store.create_account("dave@other.test", "h").await.unwrap();
    assert_eq!(store.resolve_recipient("Postmaster@example.com").await.unwrap(), accounts(&[alice]));
    assert_eq!(store.resolve_recipient("abuse@other.test").await.unwrap(), accounts(&[carol]), "the domain's first");
    store.add_domain("empty.test").await.unwrap();
    assert_eq!(
        store.resolve_recipient("postmaster@empty.test").await.unwrap(),
        accounts(&[alice]),
        "else the server's"
    );
    assert_eq!(store.resolve_recipient("webmaster@empty.test").await.unwrap(), None, "only the required roles");
    // Set up, a role address goes where the operator said.
    store.add_alias("postmaster@other.test", &["dave@other.test".into()]).await.unwrap();
    let dave = store.account_by_address("dave@other.test").await.unwrap().unwrap().id;
    assert_eq!(store.resolve_recipient("postmaster@other.test").await.unwrap(), accounts(&[dave]));
}
