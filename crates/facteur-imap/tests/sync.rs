//! Two sessions on one mailbox (two devices): each sees the other's changes at the points RFC 9051 §7
//! allows, and sequence numbers never go wrong.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_testkit::in_process::ALICE;

#[tokio::test]
async fn flags_set_by_one_session_are_seen_by_the_other_at_noop() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut phone = server.login(ALICE).await;
    let mut laptop = server.login(ALICE).await;
    phone.ok("SELECT INBOX").await;
    laptop.ok("SELECT INBOX").await;
    phone.ok("STORE 1 +FLAGS (\\Seen)").await;
    let noop = laptop.ok("NOOP").await;
    assert!(has(&noop, "* 1 FETCH (UID 1 FLAGS (\\Seen))"), "{noop:?}");
    // Reported once: a second NOOP has nothing new.
    assert_eq!(laptop.ok("NOOP").await.len(), 1);
}

#[tokio::test]
async fn expunge_by_another_session_waits_during_fetch_and_is_reported_at_noop() {
    let server = start(|_| {}).await;
    for _ in 0..3 {
        server.deliver(ALICE, "INBOX", SIMPLE).await;
    }
    let mut phone = server.login(ALICE).await;
    let mut laptop = server.login(ALICE).await;
    phone.ok("SELECT INBOX").await;
    laptop.ok("SELECT INBOX").await;
    phone.ok("STORE 2 +FLAGS.SILENT (\\Deleted)").await;
    phone.ok("EXPUNGE").await;
    // RFC 9051 §7.5.1: no EXPUNGE during FETCH; message 3 is still number 3 for the laptop.
    let fetch = laptop.ok("FETCH 3 UID").await;
    assert!(has(&fetch, "* 3 FETCH (UID 3)") && !has(&fetch, "EXPUNGE"), "{fetch:?}");
    let noop = laptop.ok("NOOP").await;
    assert!(has(&noop, "* 2 EXPUNGE"), "{noop:?}");
    let after = laptop.ok("FETCH 2 UID").await;
    assert!(has(&after, "* 2 FETCH (UID 3)"), "{after:?}");
}

#[tokio::test]
async fn new_mail_is_announced_with_exists() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let noop = client.ok("NOOP").await;
    assert!(has(&noop, "* 1 EXISTS"), "{noop:?}");
}

#[tokio::test]
async fn idle_wakes_up_on_delivery_and_ends_with_done() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    client.send("I1 IDLE\r\n").await;
    assert!(client.line().await.starts_with("+ "));
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    assert_eq!(client.line().await, "* 1 EXISTS");
    client.send("DONE\r\n").await;
    let done = client.until_tagged("I1").await;
    assert!(done.last().unwrap().starts_with("I1 OK"), "{done:?}");
}

#[tokio::test]
async fn commands_pipelined_after_done_are_answered_after_idle() {
    // IDLE reads in small pieces (64 bytes) while it waits: what follows DONE in the same packet, longer than
    // one piece, must still reach the commands after it, and a large answer must still leave whole.
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    client.send("I1 IDLE\r\n").await;
    assert!(client.line().await.starts_with("+ "));
    client
        .send(
            "DONE\r\nF1 FETCH 1 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])\r\nN1 NOOP\r\n",
        )
        .await;
    let done = client.until_tagged("I1").await;
    assert!(done.last().unwrap().starts_with("I1 OK"), "{done:?}");
    let fetch = client.until_tagged("F1").await;
    assert!(fetch.last().unwrap().starts_with("F1 OK"), "{fetch:?}");
    assert!(has(&fetch, "* 1 FETCH (UID 1"), "{fetch:?}");
    let noop = client.until_tagged("N1").await;
    assert!(noop.last().unwrap().starts_with("N1 OK"), "{noop:?}");
}

#[tokio::test]
async fn qresync_session_gets_vanished_instead_of_expunge() {
    let server = start(|_| {}).await;
    for _ in 0..2 {
        server.deliver(ALICE, "INBOX", SIMPLE).await;
    }
    let mut phone = server.login(ALICE).await;
    let mut laptop = server.login(ALICE).await;
    laptop.ok("ENABLE QRESYNC").await;
    let selected = laptop.ok("SELECT INBOX").await;
    let modseq: u64 = selected
        .iter()
        .find_map(|l| l.split("[HIGHESTMODSEQ ").nth(1))
        .and_then(|rest| rest.split(']').next())
        .unwrap()
        .parse()
        .unwrap();
    let validity: u32 = selected
        .iter()
        .find_map(|l| l.split("[UIDVALIDITY ").nth(1))
        .and_then(|rest| rest.split(']').next())
        .unwrap()
        .parse()
        .unwrap();
    laptop.ok("UNSELECT").await;
    phone.ok("SELECT INBOX").await;
    phone.ok("STORE 1 +FLAGS.SILENT (\\Deleted)").await;
    phone.ok("STORE 2 +FLAGS.SILENT (\\Flagged)").await;
    phone.ok("EXPUNGE").await;
    let resync = laptop.ok(&format!("SELECT INBOX (QRESYNC ({validity} {modseq}))")).await;
    assert!(has(&resync, "* VANISHED (EARLIER) 1"), "{resync:?}");
    assert!(has(&resync, "FLAGS (\\Flagged)"), "{resync:?}");
    phone.ok("STORE 1 +FLAGS.SILENT (\\Deleted)").await;
    phone.ok("EXPUNGE").await;
    let noop = laptop.ok("NOOP").await;
    assert!(has(&noop, "* VANISHED 2"), "{noop:?}");
}

#[tokio::test]
async fn a_session_is_told_when_another_deletes_its_selected_mailbox() {
    let server = start(|_| {}).await;
    let mut first = server.login(ALICE).await;
    let mut second = server.login(ALICE).await;
    first.ok("CREATE Doomed").await;
    first.ok("SELECT Doomed").await;
    second.ok("DELETE Doomed").await;
    first.send("N1 NOOP\r\n").await;
    assert!(first.line().await.starts_with("* BYE"));
}

#[tokio::test]
async fn a_new_message_is_recent_for_one_session_only() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut first = server.login(ALICE).await;
    let mut second = server.login(ALICE).await;
    let status = second.ok("STATUS INBOX (RECENT)").await;
    assert!(has(&status, "(RECENT 1)"), "{status:?}");
    assert!(has(&first.ok("EXAMINE INBOX").await, "* 1 RECENT"), "EXAMINE shows but does not claim");
    assert!(has(&first.ok("SELECT INBOX").await, "* 1 RECENT"));
    assert!(has(&second.ok("SELECT INBOX").await, "* 0 RECENT"));
    assert!(has(&first.ok("FETCH 1 FLAGS").await, "\\Recent"));
    assert!(has(&first.ok("SEARCH NEW").await, "* SEARCH 1"));
    assert!(has(&second.ok("SEARCH OLD").await, "* SEARCH 1"));
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let noop = second.ok("NOOP").await;
    assert!(has(&noop, "* 2 EXISTS") && has(&noop, "* 1 RECENT"), "{noop:?}");
}

#[tokio::test]
async fn a_new_keyword_is_announced_in_flags_before_it_is_used() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    let lines = client.ok("STORE 1 +FLAGS ($Project)").await;
    let flags = lines.iter().position(|l| l.starts_with("* FLAGS (") && l.contains("$Project")).unwrap();
    let fetch = lines.iter().position(|l| l.contains("FETCH")).unwrap();
    assert!(flags < fetch, "{lines:?}");
}
