//! The generated script over a real store and the one delivery path: what the settings say is what delivery
//! does, a hand edit is noticed, a person's own script is respected, and settings from the old out-of-office
//! table are carried over.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use facteur_delivery::{AcceptedMessage, Envelope, Filing, SieveFiltering, persist, resolve_recipients};
use facteur_filters::{Field, Filters, OutOfOffice, Rule, SCRIPT_NAME, adopt_legacy_out_of_office, load, save};
use facteur_store::{AccountId, SieveLimits, Store, SystemFlags, Vacation};
use facteur_testkit::in_process::{ALICE, Fixture};

const NOW: i64 = 1_800_000_000;
const LIMITS: SieveLimits = SieveLimits { max_scripts: 8, max_script_bytes: 65_536 };

async fn alice(store: &Arc<dyn Store>) -> AccountId {
    store.account_by_address(ALICE).await.unwrap().unwrap().id
}

async fn deliver(store: &Arc<dyn Store>, from: &str, subject: &str) {
    let recipients = resolve_recipients(store.as_ref(), &[ALICE.to_owned()]).await.unwrap();
    let content = format!(
        "From: Shop <{from}>\r\nTo: {ALICE}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@x.test>\r\n\r\nHello.\r\n"
    );
    let accepted = AcceptedMessage {
        envelope: Envelope { return_path: from.to_owned(), envid: None, ret: None, require_tls: false, recipients },
        trace: "Received: from test\r\n".to_owned(),
        content: content.into_bytes(),
        filing: Filing::Inbox,
        spam: None,
        now: NOW,
        expires_at: NOW + 86_400,
        sender_account: None,
    };
    persist(store, &Arc::new(SieveFiltering::default()), accepted).await.unwrap();
}

/// Subjects and whether each is read, in `mailbox`.
async fn subjects(store: &Arc<dyn Store>, name: &str) -> Vec<(String, bool)> {
    let id = alice(store).await;
    let Some(mailbox) = store.mailbox_by_name(id, name).await.unwrap() else { return Vec::new() };
    let mut found = Vec::new();
    for message in store.messages(mailbox.id).await.unwrap() {
        let content = String::from_utf8(store.read_blob(message.blob).await.unwrap()).unwrap();
        let subject = content.lines().find_map(|line| line.strip_prefix("Subject: ")).unwrap_or_default().to_owned();
        found.push((subject, message.flags.contains(SystemFlags::SEEN)));
    }
    found
}

/// Recipients of the replies queued.
async fn replies(store: &Arc<dyn Store>) -> Vec<String> {
    store.queue().await.unwrap().into_iter().flat_map(|entry| entry.recipients).map(|r| r.address).collect()
}

fn settings() -> Filters {
    Filters {
        rules: vec![
            Rule { field: Field::From, contains: "SHOP.example".into(), folder: "Shopping".into(), mark_read: true },
            Rule { field: Field::Subject, contains: "invoice".into(), folder: "Bills".into(), mark_read: false },
        ],
        out_of_office: OutOfOffice {
            enabled: true,
            from_date: Some(NOW - 3600),
            to_date: Some(NOW + 3600),
            subject: Some("Away".into()),
            text_body: Some("Back soon.".into()),
            html_body: None,
        },
    }
}

#[tokio::test]
async fn saved_settings_are_what_delivery_does() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    let id = alice(store).await;
    assert_eq!(load(store.as_ref(), id).await.unwrap(), Default::default());

    let stored = save(store.as_ref(), id, &settings(), LIMITS).await.unwrap();
    assert!(stored.active && !stored.edited_by_hand && stored.other_active.is_none(), "{stored:?}");
    assert_eq!(stored.filters, settings());
    assert!(stored.replying_at(NOW) && !stored.replying_at(NOW + 3600));

    deliver(store, "deals@shop.example", "Big sale").await;
    deliver(store, "carol@x.test", "Your invoice").await;
    deliver(store, "dave@x.test", "Lunch?").await;
    assert_eq!(subjects(store, "Shopping").await, [("Big sale".to_owned(), true)]);
    assert_eq!(subjects(store, "Bills").await, [("Your invoice".to_owned(), false)]);
    assert_eq!(subjects(store, "INBOX").await, [("Lunch?".to_owned(), false)]);
    let mut answered = replies(store).await;
    answered.sort();
    assert_eq!(answered, ["carol@x.test", "dave@x.test", "deals@shop.example"], "the reply goes wherever a rule files");

    // Off again: no rule, no reply; the script stays, doing nothing.
    let stored = save(store.as_ref(), id, &Filters::default(), LIMITS).await.unwrap();
    assert!(stored.active && !stored.replying_at(NOW));
    deliver(store, "eve@x.test", "Big sale at shop").await;
    assert_eq!(subjects(store, "INBOX").await.len(), 2);
    assert_eq!(replies(store).await.len(), 3);
}

#[tokio::test]
async fn a_hand_edit_is_noticed_and_an_own_script_is_respected() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    let id = alice(store).await;
    save(store.as_ref(), id, &settings(), LIMITS).await.unwrap();
    let text = store.sieve_script(id, SCRIPT_NAME).await.unwrap().unwrap();
    store.put_sieve_script(id, SCRIPT_NAME, &text.replace("\"Bills\"", "\"Invoices\""), LIMITS).await.unwrap();
    let stored = load(store.as_ref(), id).await.unwrap();
    assert!(stored.edited_by_hand && stored.active, "{stored:?}");

    // The person's own script, activated over ManageSieve, turns the generated one off.
    store.put_sieve_script(id, "mine", "keep;", LIMITS).await.unwrap();
    store.activate_sieve_script(id, Some("mine")).await.unwrap();
    let stored = load(store.as_ref(), id).await.unwrap();
    assert!(!stored.active && !stored.replying_at(NOW) && stored.other_active.as_deref() == Some("mine"));
    // Saving settings that do nothing leaves it alone; saving a reply turns the generated script on again.
    let stored = save(store.as_ref(), id, &Filters::default(), LIMITS).await.unwrap();
    assert_eq!((stored.active, stored.other_active.as_deref()), (false, Some("mine")));
    let stored = save(store.as_ref(), id, &settings(), LIMITS).await.unwrap();
    assert!(stored.active && stored.other_active.is_none() && !stored.edited_by_hand);
}

#[tokio::test]
async fn the_old_out_of_office_settings_are_carried_into_the_script_once() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    let id = alice(store).await;
    let legacy = Vacation {
        enabled: true,
        from_date: Some(NOW - 60),
        to_date: None,
        subject: Some("Holidays".into()),
        text_body: Some("Back in January.".into()),
        html_body: Some("<p>Back in <i>January</i>.</p>".into()),
    };
    store.set_vacation(id, legacy).await.unwrap();
    assert_eq!(adopt_legacy_out_of_office(store.as_ref(), LIMITS).await.unwrap(), 1);
    assert_eq!(adopt_legacy_out_of_office(store.as_ref(), LIMITS).await.unwrap(), 0, "once");
    let stored = load(store.as_ref(), id).await.unwrap();
    assert!(stored.replying_at(NOW) && stored.filters.out_of_office.subject.as_deref() == Some("Holidays"));
    deliver(store, "bob@x.test", "Hello").await;
    let queued = store.queue().await.unwrap();
    assert_eq!(queued.len(), 1);
    let reply = String::from_utf8(store.read_blob(queued[0].blob).await.unwrap()).unwrap();
    assert!(reply.contains("Subject: Holidays") && reply.contains("multipart/alternative"), "{reply}");
    assert!(reply.contains("Auto-Submitted: auto-replied"), "{reply}");
}
