//! LIST, CREATE, DELETE, RENAME, SUBSCRIBE, STATUS, SELECT, and the special-folder names.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_testkit::in_process::{ALICE, BOB};

#[tokio::test]
async fn list_shows_special_use_and_children_attributes() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.ok("CREATE Work/2024").await;
    let lines = client.ok("LIST \"\" \"*\"").await;
    assert!(has(&lines, "* LIST (\\Sent \\HasNoChildren) \"/\" Sent"), "{lines:?}");
    assert!(has(&lines, "* LIST (\\HasChildren) \"/\" Work"), "{lines:?}");
    assert!(has(&lines, "* LIST (\\HasNoChildren) \"/\" Work/2024"), "{lines:?}");
    let top = client.ok("LIST \"\" %").await;
    assert!(!has(&top, "Work/2024"), "{top:?}");
    let root = client.ok("LIST \"\" \"\"").await;
    assert!(has(&root, "* LIST (\\Noselect) \"/\" \"\""), "{root:?}");
}

#[tokio::test]
async fn list_extended_selects_special_use_and_returns_status() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    let special = client.ok("LIST (SPECIAL-USE) \"\" \"*\"").await;
    assert!(!has(&special, "INBOX") && has(&special, "\\Trash"), "{special:?}");
    let status = client.ok("LIST \"\" INBOX RETURN (SUBSCRIBED STATUS (MESSAGES UNSEEN))").await;
    assert!(has(&status, "* LIST (\\Subscribed \\HasNoChildren) \"/\" INBOX"), "{status:?}");
    assert!(has(&status, "* STATUS INBOX (MESSAGES 1 UNSEEN 1)"), "{status:?}");
}

#[tokio::test]
async fn create_of_a_client_spelling_of_sent_makes_no_duplicate_and_resolves_to_sent() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.ok("CREATE \"Sent Items\"").await;
    let lines = client.ok("LIST \"\" \"*\"").await;
    assert!(!has(&lines, "Sent Items"), "{lines:?}");
    client.ok("APPEND \"Sent Items\" {9+}\r\nSubject: x").await;
    assert_eq!(server.mailbox_len(ALICE, "Sent").await, 1);
    let selected = client.ok("SELECT \"Sent Items\"").await;
    assert!(has(&selected, "* 1 EXISTS"), "{selected:?}");
    // Modified UTF-7 of "Éléments envoyés", as an IMAP4rev1 client sends it.
    let status = client.ok("STATUS \"&AMk-l&AOk-ments envoy&AOk-s\" (MESSAGES)").await;
    assert!(has(&status, "(MESSAGES 1)"), "{status:?}");
}

#[tokio::test]
async fn utf8_names_work_once_imap4rev2_is_enabled() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.ok("ENABLE IMAP4rev2").await;
    client.ok("CREATE \"Projets/été\"").await;
    let lines = client.ok("LIST \"\" \"Projets/*\"").await;
    assert!(has(&lines, "Projets/été"), "{lines:?}");
    let selected = client.ok("SELECT Corbeille").await;
    assert!(has(&selected, "* LIST (\\Trash) \"/\" Trash"), "{selected:?}");
}

#[tokio::test]
async fn create_with_use_refuses_a_second_mailbox_for_a_role() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    let reply = client.command("CREATE Outbox (USE (\\Sent))").await;
    assert!(reply.last().unwrap().contains("NO [USEATTR]"), "{reply:?}");
    client.ok("CREATE Flagged (USE (\\Flagged))").await;
    assert!(has(&client.ok("LIST \"\" Flagged").await, "\\Flagged"));
    let again = client.command("CREATE Flagged").await;
    assert!(again.last().unwrap().contains("NO [ALREADYEXISTS]"), "{again:?}");
}

#[tokio::test]
async fn rename_and_delete_act_on_exact_names_only() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.ok("CREATE Old").await;
    client.ok("RENAME Old New").await;
    let lines = client.ok("LIST \"\" \"*\"").await;
    assert!(has(&lines, "\" New") && !has(&lines, "\" Old"), "{lines:?}");
    client.ok("DELETE New").await;
    let alias = client.command("DELETE \"Deleted Items\"").await;
    assert!(alias.last().unwrap().contains("NO"), "{alias:?}");
    assert!(has(&client.ok("LIST \"\" Trash").await, "Trash"));
    let inbox = client.command("DELETE INBOX").await;
    assert!(inbox.last().unwrap().contains("NO"));
}

#[tokio::test]
async fn renaming_inbox_moves_its_messages_and_leaves_it_empty() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    client.ok("RENAME INBOX Saved").await;
    assert_eq!(server.inbox_len(ALICE).await, 0);
    assert_eq!(server.mailbox_len(ALICE, "Saved").await, 1);
}

#[tokio::test]
async fn subscribe_and_lsub() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.ok("CREATE Lists").await;
    client.ok("UNSUBSCRIBE Lists").await;
    assert!(!has(&client.ok("LSUB \"\" Lists").await, "* LSUB"));
    assert!(!has(&client.ok("LIST (SUBSCRIBED) \"\" \"*\"").await, "Lists"));
    client.ok("SUBSCRIBE Lists").await;
    assert!(has(&client.ok("LSUB \"\" Lists").await, "* LSUB () \"/\" Lists"));
}

#[tokio::test]
async fn select_describes_the_mailbox() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    let lines = client.ok("SELECT INBOX").await;
    for expected in [
        "* FLAGS (",
        "* 1 EXISTS",
        "* 1 RECENT",
        "[PERMANENTFLAGS (",
        "[UIDVALIDITY ",
        "[UIDNEXT 2]",
        "[HIGHESTMODSEQ ",
    ] {
        assert!(has(&lines, expected), "{expected} missing: {lines:?}");
    }
    let status = client.ok("STATUS INBOX (MESSAGES UIDNEXT UNSEEN DELETED SIZE HIGHESTMODSEQ RECENT)").await;
    assert!(has(&status, &format!("MESSAGES 1 UIDNEXT 2 UNSEEN 1 DELETED 0 SIZE {}", SIMPLE.len())), "{status:?}");
}

#[tokio::test]
async fn one_account_never_sees_another_accounts_mailboxes() {
    let server = start(|_| {}).await;
    let mut alice = server.login(ALICE).await;
    alice.ok("CREATE Secret").await;
    let mut bob = server.login(BOB).await;
    assert!(!has(&bob.ok("LIST \"\" \"*\"").await, "Secret"));
    assert!(bob.command("SELECT Secret").await.last().unwrap().contains("NO"));
}
