//! The account as JMAP sees it: one change counter, message ids that survive a move, threads, and what
//! `/changes` reports.

use facteur_primitives::ThreadKeys;

use super::{Backend, deliver_to, inbox, message, put, with_alice};
use crate::{Delivery, DeliveryTarget, FlagChange, FlagOp, Keywords, SystemFlags};

pub async fn account_state_moves_with_every_change(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let start = store.account_state(alice).await.unwrap();
    let delivered = deliver_to(&store, &message(1), &[alice]).await;
    let after_delivery = store.account_state(alice).await.unwrap();
    assert!(after_delivery > start);
    assert_eq!(delivered[0].modseq, after_delivery, "a MODSEQ is drawn from the account's counter");
    store.create_mailbox(alice, "Projects", None).await.unwrap();
    assert!(store.account_state(alice).await.unwrap() > after_delivery, "a new mailbox is a change");
}

pub async fn moved_message_keeps_its_id_and_copy_gets_a_new_one(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let delivered = deliver_to(&store, &message(1), &[alice]).await.remove(0);
    let archive = store.mailbox_by_name(alice, "Archive").await.unwrap().unwrap();
    let before = store.account_state(alice).await.unwrap();
    store.move_messages(delivered.mailbox, &[delivered.uid], archive.id).await.unwrap();
    let found = store.emails(alice, &[delivered.email]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].mailbox, found[0].message.thread), (archive.id, delivered.thread));
    let changes = store.account_changes(alice, before).await.unwrap();
    assert_eq!(changes.emails.len(), 1, "a move is an update of the same email");
    assert!(changes.destroyed_emails.is_empty(), "a move destroys nothing");

    let copied = store.copy(archive.id, &[found[0].message.uid], delivered.mailbox).await.unwrap();
    let copies = store.messages(delivered.mailbox).await.unwrap();
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].uid, copied[0].1);
    assert_ne!(copies[0].email, delivered.email, "a copy is another email");
    assert_eq!(copies[0].thread, delivered.thread, "in the same thread");
}

pub async fn changes_report_flags_expunges_and_mailboxes(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let first = deliver_to(&store, &message(1), &[alice]).await.remove(0);
    let second = deliver_to(&store, &message(2), &[alice]).await.remove(0);
    let since = store.account_state(alice).await.unwrap();
    let seen = FlagChange { op: FlagOp::Add, flags: SystemFlags::SEEN, keywords: Keywords::new() };
    store.store_flags(first.mailbox, &[first.uid], seen, None).await.unwrap();
    store.expunge(second.mailbox, &[second.uid]).await.unwrap();
    let projects = store.create_mailbox(alice, "Projects", None).await.unwrap();
    store.create_mailbox(alice, "Old", None).await.unwrap();
    let old = store.mailbox_by_name(alice, "Old").await.unwrap().unwrap();
    store.delete_mailbox(alice, "Old").await.unwrap();

    let changes = store.account_changes(alice, since).await.unwrap();
    assert_eq!(changes.state, store.account_state(alice).await.unwrap());
    let changed: Vec<_> = changes.emails.iter().map(|email| email.message.email).collect();
    assert_eq!(changed, [first.email]);
    assert!(changes.emails[0].message.flags.contains(SystemFlags::SEEN));
    let destroyed: Vec<_> = changes.destroyed_emails.iter().map(|gone| (gone.email, gone.thread)).collect();
    assert_eq!(destroyed, [(second.email, second.thread)]);
    let inbox = inbox(&store, alice).await;
    assert!(changes.mailboxes.contains(&(inbox.id, false)), "INBOX's counts changed");
    assert!(changes.mailboxes.contains(&(projects, true)), "Projects was created");
    assert_eq!(changes.destroyed_mailboxes, [old.id]);
    let none = store.account_changes(alice, changes.state).await.unwrap();
    assert!(none.emails.is_empty() && none.destroyed_emails.is_empty() && none.mailboxes.is_empty());
}

pub async fn deleting_a_mailbox_destroys_its_emails(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let projects = store.create_mailbox(alice, "Projects", None).await.unwrap();
    let blob = put(&store, &message(1)).await;
    let target = DeliveryTarget { mailbox: Some(projects), ..DeliveryTarget::inbox(alice) };
    let delivery = Delivery {
        text: None,
        blob,
        summary: Vec::new(),
        internal_date: 0,
        targets: vec![target],
        thread: ThreadKeys::default(),
    };
    let delivered = store.deliver(delivery).await.unwrap().remove(0);
    let since = store.account_state(alice).await.unwrap();
    store.delete_mailbox(alice, "Projects").await.unwrap();
    let changes = store.account_changes(alice, since).await.unwrap();
    let destroyed: Vec<_> = changes.destroyed_emails.iter().map(|gone| (gone.email, gone.thread)).collect();
    assert_eq!(destroyed, [(delivered.email, delivered.thread)]);
    assert_eq!(changes.destroyed_mailboxes, [projects]);
}

pub async fn replies_join_the_thread_of_what_they_answer(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let sent = store.mailbox_by_name(alice, "Sent").await.unwrap().unwrap();
    let deliver = |content: Vec<u8>, keys: ThreadKeys, mailbox| {
        let store = store.clone();
        async move {
            let blob = put(&store, &content).await;
            let target = DeliveryTarget { mailbox, ..DeliveryTarget::inbox(alice) };
            let delivery = Delivery {
                text: None,
                blob,
                summary: Vec::new(),
                internal_date: 0,
                targets: vec![target],
                thread: keys,
            };
            store.deliver(delivery).await.unwrap().remove(0)
        }
    };
    let keys = |id: &str, refs: Option<&str>| ThreadKeys::from_headers(Some(id), None, refs);
    let original = deliver(message(1), keys("<a@x>", None), None).await;
    let reply = deliver(message(2), keys("<b@x>", Some("<a@x>")), Some(sent.id)).await;
    let unrelated = deliver(message(3), keys("<c@x>", None), None).await;
    // A message arriving before the one it answers' other replies: found through any shared identifier.
    let late = deliver(message(4), keys("<d@x>", Some("<a@x> <b@x>")), None).await;
    assert_eq!(reply.thread, original.thread, "a reply filed in Sent joins the thread");
    assert_eq!(late.thread, original.thread);
    assert_ne!(unrelated.thread, original.thread);
    let thread = store.thread_emails(alice, &[original.thread]).await.unwrap();
    let mut ids: Vec<_> = thread.iter().map(|email| email.message.email).collect();
    ids.sort();
    assert_eq!(ids, [original.email, reply.email, late.email]);
}

pub async fn vacation_is_kept_and_answers_each_sender_once_per_period(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    assert_eq!(store.vacation(alice).await.unwrap(), crate::Vacation::default(), "disabled until set");
    let away = crate::Vacation {
        enabled: true,
        subject: Some("Away".into()),
        text_body: Some("Back Monday.".into()),
        ..Default::default()
    };
    store.set_vacation(alice, away.clone()).await.unwrap();
    assert_eq!(store.vacation(alice).await.unwrap(), away);
    assert_eq!(store.vacation_accounts().await.unwrap(), [alice], "settings to move into Sieve");
    store.set_vacation(alice, crate::Vacation::default()).await.unwrap();
    assert!(store.vacation_accounts().await.unwrap().is_empty(), "moved: nothing left to move");
}

pub async fn identities_are_per_account_and_editable(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let bob = store.create_account("bob@example.com", "hash-b").await.unwrap();
    assert!(store.identities(alice).await.unwrap().is_empty());
    let work = crate::Identity { name: "Alice Martin".into(), email: "Alice@Example.com".into(), ..Default::default() };
    let id = store.create_identity(alice, work).await.unwrap();
    let listed = store.identities(alice).await.unwrap();
    assert_eq!((listed[0].id, listed[0].email.as_str()), (id, "alice@example.com"));
    let signed = crate::Identity { id, text_signature: "-- \nAlice".into(), ..listed[0].clone() };
    assert!(store.update_identity(alice, signed.clone()).await.unwrap());
    assert!(!store.update_identity(bob, signed).await.unwrap(), "another account's identity is not found");
    assert!(!store.delete_identity(bob, id).await.unwrap());
    assert_eq!(store.identities(alice).await.unwrap()[0].text_signature, "-- \nAlice");
    assert!(store.delete_identity(alice, id).await.unwrap());
    assert!(store.identities(alice).await.unwrap().is_empty());
}

pub async fn newest_first_lists_by_arrival_then_id(backend: &dyn Backend) {
    let (store, alice) = with_alice(backend).await;
    let inbox = inbox(&store, alice).await;
    let mut delivered = Vec::new();
    for (n, date) in [300, 100, 300, 200].into_iter().enumerate() {
        let blob = put(&store, &message(n)).await;
        let delivery = Delivery {
            text: None,
            blob,
            summary: Vec::new(),
            internal_date: date,
            targets: vec![DeliveryTarget::inbox(alice)],
            thread: ThreadKeys::default(),
        };
        delivered.push(store.deliver(delivery).await.unwrap().remove(0));
    }
    let listed: Vec<_> = store.newest_first(inbox.id).await.unwrap().into_iter().map(|(email, _)| email).collect();
    let expected = [delivered[2].email, delivered[0].email, delivered[3].email, delivered[1].email];
    assert_eq!(listed, expected, "newest first; the same arrival time, the newer id first");
}
