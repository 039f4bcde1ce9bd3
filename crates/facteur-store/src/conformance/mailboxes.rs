//! Checks on mailboxes: defaults, special-use, hierarchy, UIDVALIDITY.

use std::collections::BTreeSet;

use super::{Backend, with_alice};
use crate::{Entity, SpecialUse, StoreError};

pub async fn default_mailboxes_have_their_special_use(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let mailboxes = store.list_mailboxes(alice).await.unwrap();
    let found: Vec<(&str, Option<SpecialUse>, bool)> =
        mailboxes.iter().map(|m| (m.name.as_str(), m.special_use, m.subscribed)).collect();
    assert_eq!(
        found,
        [
            ("Archive", Some(SpecialUse::Archive), true),
            ("Drafts", Some(SpecialUse::Drafts), true),
            ("INBOX", None, true),
            ("Junk", Some(SpecialUse::Junk), true),
            ("Sent", Some(SpecialUse::Sent), true),
            ("Trash", Some(SpecialUse::Trash), true),
        ]
    );
    for mailbox in &mailboxes {
        assert_eq!((mailbox.uidnext.get(), mailbox.exists, mailbox.unseen, mailbox.size), (1, 0, 0, 0));
    }
    let validities: BTreeSet<_> = mailboxes.iter().map(|m| m.uidvalidity).collect();
    assert_eq!(validities.len(), 6, "UIDVALIDITY values must be distinct");
    assert_eq!(store.mailbox_by_name(alice, "inbox").await.unwrap().unwrap().name, "INBOX");
    assert_eq!(store.mailbox_by_role(alice, SpecialUse::Sent).await.unwrap().unwrap().name, "Sent");
    assert_eq!(store.mailbox_by_role(alice, SpecialUse::Flagged).await.unwrap(), None);
}

pub async fn special_use_role_is_unique_per_account(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let err = store.create_mailbox(alice, "Sent Items", Some(SpecialUse::Sent)).await.unwrap_err();
    assert!(matches!(err, StoreError::SpecialUseTaken { role: SpecialUse::Sent, ref mailbox } if mailbox == "Sent"));
    assert_eq!(store.mailbox_by_name(alice, "Sent Items").await.unwrap(), None);
    let all = store.create_mailbox(alice, "All Mail", Some(SpecialUse::All)).await.unwrap();
    assert_eq!(store.mailbox_by_role(alice, SpecialUse::All).await.unwrap().unwrap().id, all);
    let bob = store.create_account("bob@example.com", "hash-b").await.unwrap();
    store.create_mailbox(bob, "All Mail", Some(SpecialUse::All)).await.unwrap();
}

pub async fn create_mailbox_makes_missing_parents(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store.create_mailbox(alice, "Projects/2025/Q1", None).await.unwrap();
    for name in ["Projects", "Projects/2025", "Projects/2025/Q1"] {
        assert!(store.mailbox_by_name(alice, name).await.unwrap().is_some(), "{name} missing");
    }
    let err = store.create_mailbox(alice, "Projects/2025", None).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(Entity::Mailbox, _)));
    let err = store.create_mailbox(alice, "inbox", None).await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(Entity::Mailbox, ref name) if name == "INBOX"));
    store.create_mailbox(alice, "inbox/Lists", None).await.unwrap();
    assert!(store.mailbox_by_name(alice, "INBOX/Lists").await.unwrap().is_some());
}

pub async fn rename_moves_inferiors_and_keeps_uidvalidity(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store.create_mailbox(alice, "Work/Clients", None).await.unwrap();
    let before = store.mailbox_by_name(alice, "Work/Clients").await.unwrap().unwrap();
    store.rename_mailbox(alice, "Work", "Old/Work").await.unwrap();
    let after = store.mailbox_by_name(alice, "Old/Work/Clients").await.unwrap().unwrap();
    assert_eq!((after.id, after.uidvalidity), (before.id, before.uidvalidity));
    assert!(store.mailbox_by_name(alice, "Old").await.unwrap().is_some());
    assert!(store.mailbox_by_name(alice, "Work").await.unwrap().is_none());
    let err = store.rename_mailbox(alice, "Old", "Old/Work/Clients/x").await.unwrap_err();
    assert!(matches!(err, StoreError::RenameIntoItself(_)));
    let err = store.rename_mailbox(alice, "Old/Work", "Sent").await.unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists(Entity::Mailbox, _)));
    let err = store.rename_mailbox(alice, "Nowhere", "Elsewhere").await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(Entity::Mailbox, _)));
}

pub async fn recreated_mailbox_gets_a_new_uidvalidity(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store.create_mailbox(alice, "Temp", None).await.unwrap();
    let first = store.mailbox_by_name(alice, "Temp").await.unwrap().unwrap();
    store.delete_mailbox(alice, "Temp").await.unwrap();
    store.create_mailbox(alice, "Temp", None).await.unwrap();
    let second = store.mailbox_by_name(alice, "Temp").await.unwrap().unwrap();
    assert!(second.uidvalidity > first.uidvalidity, "RFC 9051 §2.3.1.1: UIDVALIDITY must change");
    assert_ne!(second.id, first.id);
}

pub async fn inbox_cannot_be_deleted_or_renamed(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    assert!(matches!(store.delete_mailbox(alice, "Inbox").await, Err(StoreError::InboxIsPermanent)));
    assert!(matches!(store.rename_mailbox(alice, "INBOX", "Old").await, Err(StoreError::InboxIsPermanent)));
    store.set_subscribed(alice, "Junk", false).await.unwrap();
    assert!(!store.mailbox_by_name(alice, "Junk").await.unwrap().unwrap().subscribed);
}

pub async fn subscriptions_are_names_that_outlive_mailboxes(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    store.create_mailbox(alice, "Work/Clients", None).await.unwrap();
    assert!(!store.mailbox_by_name(alice, "Work/Clients").await.unwrap().unwrap().subscribed, "CREATE only creates");
    store.set_subscribed(alice, "Work/Clients", true).await.unwrap();
    store.set_subscribed(alice, "Later", true).await.unwrap();
    store.rename_mailbox(alice, "Work", "Old").await.unwrap();
    assert!(store.mailbox_by_name(alice, "Old/Clients").await.unwrap().unwrap().subscribed);
    store.delete_mailbox(alice, "Old/Clients").await.unwrap();
    let names = store.subscriptions(alice).await.unwrap();
    assert!(names.contains(&"Old/Clients".to_owned()) && names.contains(&"Later".to_owned()), "{names:?}");
    assert!(!names.contains(&"Work/Clients".to_owned()));
    store.create_mailbox(alice, "Later", None).await.unwrap();
    assert!(store.mailbox_by_name(alice, "Later").await.unwrap().unwrap().subscribed);
    store.set_subscribed(alice, "Later", false).await.unwrap();
    store.set_subscribed(alice, "Later", false).await.unwrap();
    assert!(!store.subscriptions(alice).await.unwrap().contains(&"Later".to_owned()));
}

pub async fn invalid_mailbox_names_are_refused(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    for bad in ["", "/lead", "trail/", "dou//ble", "wild*", "50%", "nul\u{0}"] {
        let err = store.create_mailbox(alice, bad, None).await.unwrap_err();
        assert!(matches!(err, StoreError::InvalidMailboxName(..)), "{bad:?}: {err}");
        assert_eq!(store.mailbox_by_name(alice, bad).await.unwrap(), None);
    }
    store.create_mailbox(alice, "Reçus/été", None).await.unwrap();
}
