//! Sieve at local delivery, through the one persist path over a real store: what each account's active
//! script decides is what the store holds afterwards (mailboxes, flags, header), what is queued (redirects
//! elsewhere, replies, reject reports), and what is remembered; a failing script loses nothing.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use facteur_delivery::{
    AcceptedMessage, Envelope, Filing, PersistError, Persisted, SieveFiltering, Srs, persist, persist_in_dialogue,
    resolve_recipients,
};
use facteur_sieve::Limits;
use facteur_store::{AccountId, SieveLimits, SpecialUse, Store, SystemFlags};
use facteur_testkit::in_process::{ALICE, BOB, Fixture};

const NOW: i64 = 1_800_000_000;
const LIMITS: SieveLimits = SieveLimits { max_scripts: 8, max_script_bytes: 65_536 };

async fn account(store: &Arc<dyn Store>, address: &str) -> AccountId {
    store.account_by_address(address).await.unwrap().unwrap().id
}

async fn activate(store: &Arc<dyn Store>, address: &str, script: &str) {
    let id = account(store, address).await;
    store.put_sieve_script(id, "rules", script, LIMITS).await.unwrap();
    store.activate_sieve_script(id, Some("rules")).await.unwrap();
}

async fn deliver(store: &Arc<dyn Store>, from: &str, to: &str, message: &str) {
    deliver_filtered(store, &Arc::default(), from, to, message).await;
}

async fn deliver_filtered(
    store: &Arc<dyn Store>,
    filtering: &Arc<SieveFiltering>,
    from: &str,
    to: &str,
    message: &str,
) {
    let recipients = resolve_recipients(store.as_ref(), &[to.to_owned()]).await.unwrap();
    let accepted = AcceptedMessage {
        envelope: Envelope { return_path: from.to_owned(), envid: None, ret: None, require_tls: false, recipients },
        trace: "Received: from test\r\n".to_owned(),
        content: message.replace('\n', "\r\n").into_bytes(),
        filing: Filing::Inbox,
        spam: None,
        now: NOW,
        expires_at: NOW + 86_400,
        sender_account: None,
    };
    persist(store, filtering, accepted).await.unwrap();
}

/// Delivers as an SMTP session does, which may hear that every recipient's script refused the message.
async fn deliver_in_dialogue(
    store: &Arc<dyn Store>,
    from: &str,
    to: &[&str],
    message: &str,
) -> Result<Persisted, PersistError> {
    let to: Vec<String> = to.iter().map(|address| (*address).to_owned()).collect();
    let recipients = resolve_recipients(store.as_ref(), &to).await.unwrap();
    let accepted = AcceptedMessage {
        envelope: Envelope { return_path: from.to_owned(), envid: None, ret: None, require_tls: false, recipients },
        trace: "Received: from test\r\n".to_owned(),
        content: message.replace('\n', "\r\n").into_bytes(),
        filing: Filing::Inbox,
        spam: None,
        now: NOW,
        expires_at: NOW + 86_400,
        sender_account: None,
    };
    persist_in_dialogue(store, &Arc::default(), accepted).await
}

/// Each message of `mailbox` as (flags, keywords, content).
async fn mailbox(store: &Arc<dyn Store>, address: &str, name: &str) -> Vec<(SystemFlags, Vec<String>, String)> {
    let id = account(store, address).await;
    let Some(mailbox) = store.mailbox_by_name(id, name).await.unwrap() else { return Vec::new() };
    let mut found = Vec::new();
    for meta in store.messages(mailbox.id).await.unwrap() {
        let content = String::from_utf8(store.read_blob(meta.blob).await.unwrap()).unwrap();
        found.push((meta.flags, meta.keywords.into_iter().collect(), content));
    }
    found
}

/// The queued messages as (recipients, return path, content).
async fn queued(store: &Arc<dyn Store>) -> Vec<(Vec<String>, String, String)> {
    let mut found = Vec::new();
    for entry in store.queue().await.unwrap() {
        let content = String::from_utf8(store.read_blob(entry.blob).await.unwrap()).unwrap();
        found.push((entry.recipients.into_iter().map(|r| r.address).collect(), entry.return_path, content));
    }
    found
}

fn message(subject: &str) -> String {
    format!(
        "From: carol@remote.test\nTo: alice@example.com\nSubject: {subject}\nMessage-ID: <{subject}@remote.test>\n\nHello.\n"
    )
}

#[tokio::test]
async fn fileinto_creates_flags_and_resolves_special_folder_names() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    activate(
        store,
        ALICE,
        r#"require ["fileinto", "imap4flags", "mailbox"];
        if header :contains "subject" "report" { fileinto :create :flags ["\\Seen", "$Reports"] "Reports"; stop; }
        if header :contains "subject" "sent" { fileinto "Sent Items"; stop; }
        if header :contains "subject" "spam" { discard; stop; }
        addflag "\\Flagged";"#,
    )
    .await;
    deliver(store, "carol@remote.test", ALICE, &message("monthly report")).await;
    deliver(store, "carol@remote.test", ALICE, &message("sent copy")).await;
    deliver(store, "carol@remote.test", ALICE, &message("spam offer")).await;
    deliver(store, "carol@remote.test", ALICE, &message("lunch")).await;

    let reports = mailbox(store, ALICE, "Reports").await;
    assert_eq!(reports.len(), 1, "created by :create");
    assert!(reports[0].0.contains(SystemFlags::SEEN) && reports[0].1 == ["$Reports"], "{:?}", reports[0]);
    let id = account(store, ALICE).await;
    let sent = store.mailbox_by_role(id, SpecialUse::Sent).await.unwrap().unwrap();
    assert_eq!(store.messages(sent.id).await.unwrap().len(), 1, "\"Sent Items\" is the Sent mailbox");
    let inbox = mailbox(store, ALICE, "INBOX").await;
    assert_eq!(inbox.len(), 1, "the discarded one is nowhere, the others elsewhere: {inbox:?}");
    assert!(inbox[0].2.contains("Subject: lunch") && inbox[0].0.contains(SystemFlags::FLAGGED));
    // Bob has no script: his mail goes to INBOX as before.
    deliver(store, "carol@remote.test", BOB, &message("monthly report")).await;
    assert_eq!(mailbox(store, BOB, "INBOX").await.len(), 1);
}

#[tokio::test]
async fn a_failing_script_keeps_the_message_and_tells_the_owner_once() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    activate(store, ALICE, r#"require "include"; include :personal "missing-script";"#).await;
    deliver(store, "carol@remote.test", ALICE, &message("first")).await;
    deliver(store, "carol@remote.test", ALICE, &message("second")).await;
    let inbox = mailbox(store, ALICE, "INBOX").await;
    let subjects: Vec<&str> =
        inbox.iter().filter_map(|(_, _, c)| c.lines().find(|l| l.starts_with("Subject:"))).collect();
    assert_eq!(inbox.len(), 3, "both messages and one notice: {subjects:?}");
    let notice = inbox.iter().find(|(_, _, content)| content.contains("Your mail filter")).unwrap();
    assert!(notice.2.contains("missing-script"), "{}", notice.2);
    assert!(notice.2.contains("Auto-Submitted: auto-generated"));
}

#[tokio::test]
async fn redirects_go_on_and_loops_keep_the_message() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    activate(store, ALICE, r#"redirect "dave@elsewhere.test"; redirect "bob@example.com";"#).await;
    deliver(store, "carol@remote.test", ALICE, &message("forward me")).await;
    assert_eq!(mailbox(store, ALICE, "INBOX").await.len(), 0, "redirect cancels the implicit keep");
    let bob = mailbox(store, BOB, "INBOX").await;
    assert_eq!(bob.len(), 1);
    assert!(bob[0].2.contains("Delivered-To: alice@example.com"), "{}", bob[0].2);
    let queue = queued(store).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].0, ["dave@elsewhere.test"]);
    assert_eq!(queue[0].1, "carol@remote.test", "the original sender stays the envelope sender");

    // Bob sends everything back to Alice, who sends it to Bob: the second turn is refused and kept.
    activate(store, BOB, r#"redirect "alice@example.com";"#).await;
    activate(store, ALICE, r#"redirect "bob@example.com";"#).await;
    deliver(store, "carol@remote.test", ALICE, &message("round and round")).await;
    let alice = mailbox(store, ALICE, "INBOX").await;
    let bob = mailbox(store, BOB, "INBOX").await;
    let looped = alice.iter().chain(bob.iter()).filter(|(_, _, c)| c.contains("round and round")).count();
    assert_eq!(looped, 1, "the message is kept once where the loop was seen, not lost and not multiplied");
}

#[tokio::test]
async fn more_redirects_than_the_configured_limit_fail_the_script_and_keep_the_message() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    // Under facteur-sieve's default (4) this script is fine; `[sieve] max_redirects = 1` makes it fail.
    activate(store, ALICE, r#"redirect "dave@elsewhere.test"; redirect "erin@elsewhere.test";"#).await;
    let filtering = Arc::new(SieveFiltering::new(Limits { max_redirects: 1, ..Limits::default() }));
    deliver_filtered(store, &filtering, "carol@remote.test", ALICE, &message("two redirects")).await;

    // RFC 5228 §2.10.6: a run-time error cancels every action and the implicit keep applies, as with
    // Pigeonhole's `sieve_max_redirects`; the owner is told why.
    assert!(queued(store).await.is_empty(), "no redirect leaves: {:?}", queued(store).await);
    let inbox = mailbox(store, ALICE, "INBOX").await;
    assert_eq!(inbox.len(), 2, "the message is kept and a notice added");
    assert!(inbox.iter().any(|(_, _, content)| content.contains("Subject: two redirects")));
    let notice = inbox.iter().find(|(_, _, content)| content.contains("Your mail filter")).unwrap();
    assert!(notice.2.contains("more than 1 redirects"), "{}", notice.2);

    // The same script under the default limits redirects twice.
    deliver(store, "carol@remote.test", ALICE, &message("default limits")).await;
    assert_eq!(queued(store).await.len(), 2, "{:?}", queued(store).await);
}

#[tokio::test]
async fn a_script_changed_between_deliveries_is_the_one_that_runs() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    // One SieveFiltering for both deliveries, as in the server: its compiled scripts are shared.
    let filtering = Arc::new(SieveFiltering::default());
    activate(store, ALICE, r#"require ["fileinto", "mailbox"]; fileinto :create "First";"#).await;
    deliver_filtered(store, &filtering, "carol@remote.test", ALICE, &message("one")).await;
    deliver_filtered(store, &filtering, "carol@remote.test", ALICE, &message("two")).await;
    activate(store, ALICE, r#"require ["fileinto", "mailbox"]; fileinto :create "Second";"#).await;
    deliver_filtered(store, &filtering, "carol@remote.test", ALICE, &message("three")).await;
    assert_eq!(mailbox(store, ALICE, "First").await.len(), 2);
    let second = mailbox(store, ALICE, "Second").await;
    assert_eq!(second.len(), 1, "the new text was compiled and ran");
    assert!(second[0].2.contains("Subject: three"));
}

#[tokio::test]
async fn vacation_answers_once_per_sender_and_reject_reports() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    activate(
        store,
        ALICE,
        r#"require ["vacation", "reject"];
        if header :contains "subject" "sell" { reject "No sales, thank you."; stop; }
        vacation :days 7 :subject "Away" "Back on Monday.";"#,
    )
    .await;
    deliver(store, "carol@remote.test", ALICE, &message("hello")).await;
    deliver(store, "carol@remote.test", ALICE, &message("hello again")).await;
    let replies: Vec<_> = queued(store).await.into_iter().filter(|(_, _, c)| c.contains("Subject: Away")).collect();
    assert_eq!(replies.len(), 1, "one reply per sender per period");
    let (to, return_path, content) = &replies[0];
    assert_eq!((to.as_slice(), return_path.as_str()), (["carol@remote.test".to_owned()].as_slice(), ""));
    assert!(content.contains("Auto-Submitted: auto-replied") && content.contains("Back on Monday."), "{content}");
    assert!(content.contains("In-Reply-To: <hello@remote.test>"), "{content}");
    assert_eq!(mailbox(store, ALICE, "INBOX").await.len(), 2, "vacation keeps the message");

    deliver(store, "dan@remote.test", ALICE, &message("sell you things")).await;
    assert_eq!(mailbox(store, ALICE, "INBOX").await.len(), 2, "rejected: not stored");
    let report = queued(store).await.into_iter().find(|(to, _, _)| to == &["dan@remote.test".to_owned()]).unwrap();
    assert!(report.2.contains("No sales, thank you.") && report.1.is_empty(), "{}", report.2);
}

#[tokio::test]
async fn editheader_changes_the_stored_copy_only() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    activate(store, ALICE, r#"require "editheader"; addheader "X-Filtered" "yes"; deleteheader "Message-ID";"#).await;
    let recipients = [ALICE, BOB].map(str::to_owned);
    let resolved = resolve_recipients(store.as_ref(), &recipients).await.unwrap();
    let accepted = AcceptedMessage {
        envelope: Envelope {
            return_path: "carol@remote.test".into(),
            envid: None,
            ret: None,
            require_tls: false,
            recipients: resolved,
        },
        trace: String::new(),
        content: message("edited").replace('\n', "\r\n").into_bytes(),
        filing: Filing::Inbox,
        spam: None,
        now: NOW,
        expires_at: NOW + 86_400,
        sender_account: None,
    };
    let persisted = persist(store, &Arc::default(), accepted).await.unwrap();
    assert_eq!(persisted.local_copies, 2);
    let alice = mailbox(store, ALICE, "INBOX").await;
    assert!(alice[0].2.contains("X-Filtered: yes") && !alice[0].2.contains("Message-ID"), "{}", alice[0].2);
    assert!(alice[0].2.ends_with("Hello.\r\n"), "the body is untouched");
    let bob = mailbox(store, BOB, "INBOX").await;
    assert!(!bob[0].2.contains("X-Filtered") && bob[0].2.contains("Message-ID"), "{}", bob[0].2);
}

#[tokio::test]
async fn ereject_for_every_recipient_refuses_in_the_dialogue_and_leaves_nothing() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    // Not a duplicate the first time: were the refused message recorded, the next one would be kept.
    let script = "require [\"ereject\", \"duplicate\"];\r\nif not duplicate {\r\n  ereject text:\r\nNo mail from you.\r\nGoodbye.\r\n.\r\n;\r\n}\r\n";
    activate(store, ALICE, script).await;
    let refused = deliver_in_dialogue(store, "carol@remote.test", &[ALICE], &message("first")).await;
    let Err(PersistError::Refused(refusal)) = refused else { panic!("not refused: {refused:?}") };
    assert_eq!(refusal.lines(), ["No mail from you.", "Goodbye."], "RFC 5429 §2.5: one reply line per line");
    assert_eq!(refusal.owners(), [ALICE]);
    assert!(mailbox(store, ALICE, "INBOX").await.is_empty(), "nothing stored");
    assert!(queued(store).await.is_empty(), "no report: the sender hears it in the dialogue");

    // Outside a dialogue (JMAP, our own messages) the same script reports, as before: not a duplicate,
    // since the refused message left no record.
    deliver(store, "carol@remote.test", ALICE, &message("first")).await;
    assert!(mailbox(store, ALICE, "INBOX").await.is_empty());
    let report = queued(store).await;
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(report[0].2.contains("No mail from you.") && report[0].0 == ["carol@remote.test"], "{}", report[0].2);

    // Every recipient refusing with the same words: refused with them.
    activate(store, BOB, script).await;
    let both = deliver_in_dialogue(store, "dan@remote.test", &[ALICE, BOB], &message("to both")).await;
    assert!(matches!(both, Err(PersistError::Refused(ref r)) if r.lines() == ["No mail from you.", "Goodbye."]));
}

#[tokio::test]
async fn when_only_some_recipients_refuse_the_others_get_it_and_the_sender_a_report() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    activate(store, ALICE, r#"require "ereject"; ereject "Not interested.";"#).await;
    // RFC 5429 §2.1.2: one answer to DATA for both, so the server accepts and reports the refusing one.
    let persisted = deliver_in_dialogue(store, "carol@remote.test", &[ALICE, BOB], &message("mixed")).await.unwrap();
    assert_eq!(persisted.local_copies, 1);
    assert!(mailbox(store, ALICE, "INBOX").await.is_empty());
    assert_eq!(mailbox(store, BOB, "INBOX").await.len(), 1);
    let report = queued(store).await;
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(report[0].2.contains("Not interested.") && report[0].1.is_empty(), "{}", report[0].2);
}

#[tokio::test]
async fn reject_is_refused_in_the_dialogue_only_when_its_text_goes_whole() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    activate(store, ALICE, r#"require "reject"; reject "No sales, thank you.";"#).await;
    let refused = deliver_in_dialogue(store, "carol@remote.test", &[ALICE], &message("sale")).await;
    assert!(matches!(refused, Err(PersistError::Refused(ref r)) if r.lines() == ["No sales, thank you."]));

    // RFC 5429 §2.2: not US-ASCII, so not in the dialogue; the report keeps the owner's words.
    activate(store, ALICE, r#"require "reject"; reject "Pas de réclame, merci.";"#).await;
    deliver_in_dialogue(store, "carol@remote.test", &[ALICE], &message("réclame")).await.unwrap();
    let report = queued(store).await;
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(mailbox(store, ALICE, "INBOX").await.is_empty());
    // ereject's non-ASCII reason is replaced in the dialogue instead (RFC 5429 §2.1.1).
    activate(store, ALICE, r#"require "ereject"; ereject "Pas de réclame, merci.";"#).await;
    let refused = deliver_in_dialogue(store, "carol@remote.test", &[ALICE], &message("encore")).await;
    assert!(
        matches!(refused, Err(PersistError::Refused(ref r)) if r.lines() == ["Refused by the recipient's mail filter"])
    );
}

#[tokio::test]
async fn redirects_to_other_domains_leave_with_an_srs_sender_of_the_owners_domain() {
    let fixture = Fixture::new().await;
    let store = &fixture.store;
    let filtering = Arc::new(SieveFiltering::default().with_srs(Srs::new(b"the test secret, 32 octets long!")));
    activate(store, ALICE, r#"redirect "dave@elsewhere.test"; redirect "bob@example.com";"#).await;
    deliver_filtered(store, &filtering, "carol@remote.test", ALICE, &message("forward me")).await;

    let queue = queued(store).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    let sender = &queue[0].1;
    assert!(sender.starts_with("SRS0=") && sender.ends_with("=remote.test=carol@example.com"), "{sender}");
    let (local, _) = sender.rsplit_once('@').unwrap();
    let srs = filtering.srs().unwrap();
    assert_eq!(srs.reverse(local, NOW).unwrap(), "carol@remote.test", "a bounce would reach Carol");
    // Delivered here, the copy needs no SPF: Bob sees Carol as the sender.
    let bob = mailbox(store, BOB, "INBOX").await;
    assert!(bob[0].2.starts_with("Return-Path: <carol@remote.test>"), "{}", bob[0].2);

    // Our own users' mail and bounces are sent on as they are.
    for sender in [BOB, ""] {
        deliver_filtered(store, &filtering, sender, ALICE, &message("from here")).await;
        let queue = queued(store).await;
        assert_eq!(queue.last().unwrap().1, sender, "{queue:?}");
    }
}
