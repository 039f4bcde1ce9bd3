//! STAT, LIST, UIDL, RETR, TOP, DELE, RSET and QUIT against a real server and store: what the client sees,
//! and what the store holds afterwards.
#![allow(clippy::unwrap_used)]

mod common;

use common::{MultilineResponses, message, start};
use facteur_net::TlsMode;
use facteur_pop3::DeleAction;
use facteur_store::{SpecialUse, SystemFlags};
use facteur_testkit::in_process::{ALICE, BOB, PASSWORD};

#[tokio::test]
async fn stat_list_and_uidl_describe_the_snapshot() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let first = message("one", "first");
    let second = message("two", "second message");
    server.deliver(ALICE, &first).await;
    server.deliver(ALICE, &second).await;
    let mut client = server.login(ALICE).await;
    let total = first.len() + second.len();
    assert_eq!(client.command("STAT").await, format!("+OK 2 {total}\r\n"));
    assert_eq!(client.listing("LIST").await, [format!("1 {}", first.len()), format!("2 {}", second.len())]);
    assert_eq!(client.command("LIST 2").await, format!("+OK 2 {}\r\n", second.len()));
    assert!(client.command("LIST 3").await.starts_with("-ERR no such message"));
    let uids = client.listing("UIDL").await;
    assert_eq!(uids.len(), 2);
    let (number, id) = uids[1].split_once(' ').unwrap();
    assert_eq!(number, "2");
    assert!(id.len() <= 70 && id.bytes().all(|b| (0x21..=0x7e).contains(&b)), "{id:?}");
    assert_eq!(client.command("UIDL 2").await, format!("+OK {}\r\n", uids[1]));
    client.expect("QUIT", "+OK").await;
}

#[tokio::test]
async fn retr_serves_the_stored_bytes_with_dot_stuffing_and_top_cuts_the_body() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let content = b"Subject: dots\r\n\r\n.\r\n..two dots\r\n.leading\r\nline 4\r\nline 5\r\n".to_vec();
    server.deliver(ALICE, &content).await;
    let mut client = server.login(ALICE).await;
    assert_eq!(client.fetch("RETR 1").await, content);
    assert_eq!(client.fetch("TOP 1 0").await, b"Subject: dots\r\n\r\n");
    assert_eq!(client.fetch("TOP 1 2").await, b"Subject: dots\r\n\r\n.\r\n..two dots\r\n");
    assert_eq!(client.fetch("TOP 1 100").await, content);
    assert!(client.command("RETR 2").await.starts_with("-ERR"));
    client.expect("QUIT", "+OK").await;
}

#[tokio::test]
async fn a_large_message_arrives_whole() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut content = b"Subject: big\r\n\r\n".to_vec();
    for line in 0..40_000 {
        content.extend_from_slice(
            format!("{}line {line} of a large message\r\n", if line % 7 == 0 { "." } else { "" }).as_bytes(),
        );
    }
    server.deliver(ALICE, &content).await;
    let mut client = server.login(ALICE).await;
    assert_eq!(client.command("LIST 1").await, format!("+OK 1 {}\r\n", content.len()));
    assert_eq!(client.fetch("RETR 1").await, content);
}

#[tokio::test]
async fn dele_then_quit_expunges_exactly_the_marked_messages() {
    let server = start(TlsMode::Plain, |_| {}).await;
    for n in 0..3 {
        server.deliver(ALICE, &message(&format!("m{n}"), "x")).await;
    }
    let before = server.inbox(ALICE).await;
    let mut client = server.login(ALICE).await;
    client.expect("DELE 1", "+OK").await;
    client.expect("DELE 3", "+OK").await;
    assert!(client.command("DELE 1").await.starts_with("-ERR"), "a deleted message cannot be deleted again");
    assert!(client.command("RETR 1").await.starts_with("-ERR"), "a deleted message cannot be referred to");
    assert_eq!(client.listing("LIST").await.len(), 1);
    assert_eq!(server.inbox(ALICE).await.len(), 3, "DELE only marks");
    let bye = client.command("QUIT").await;
    assert!(bye.starts_with("+OK") && bye.contains("2 messages deleted"), "{bye:?}");
    assert!(client.is_closed().await);
    let after: Vec<_> = server.inbox(ALICE).await.into_iter().map(|meta| meta.uid).collect();
    assert_eq!(after, [before[1].uid]);
}

#[tokio::test]
async fn rset_unmarks_so_quit_deletes_nothing() {
    let server = start(TlsMode::Plain, |_| {}).await;
    server.deliver(ALICE, &message("a", "x")).await;
    server.deliver(ALICE, &message("b", "y")).await;
    let mut client = server.login(ALICE).await;
    client.expect("DELE 1", "+OK").await;
    client.expect("DELE 2", "+OK").await;
    assert!(client.command("STAT").await.starts_with("+OK 0 0"));
    client.expect("RSET", "+OK").await;
    assert!(client.command("STAT").await.starts_with("+OK 2 "));
    client.expect("QUIT", "+OK").await;
    assert_eq!(server.inbox(ALICE).await.len(), 2);
}

#[tokio::test]
async fn a_dropped_connection_deletes_nothing_and_releases_the_maildrop() {
    let server = start(TlsMode::Plain, |_| {}).await;
    server.deliver(ALICE, &message("keep me", "x")).await;
    let mut client = server.login(ALICE).await;
    client.expect("DELE 1", "+OK").await;
    drop(client);
    // The next login waits for the first session's end to be noticed, then sees the message still there.
    let mut again = loop {
        let mut client = server.connect().await;
        client.expect(&format!("USER {ALICE}"), "+OK").await;
        let status = client.command(&format!("PASS {}", PASSWORD)).await;
        if status.starts_with("+OK") {
            break client;
        }
        assert!(status.starts_with("-ERR [IN-USE]"), "{status:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(again.command("STAT").await.starts_with("+OK 1 "));
    assert_eq!(server.inbox(ALICE).await.len(), 1);
}

#[tokio::test]
async fn a_message_delivered_during_a_session_waits_for_the_next_one() {
    let server = start(TlsMode::Plain, |_| {}).await;
    server.deliver(ALICE, &message("old", "x")).await;
    let mut client = server.login(ALICE).await;
    server.deliver(ALICE, &message("new", "y")).await;
    assert!(client.command("STAT").await.starts_with("+OK 1 "));
    assert!(client.command("RETR 2").await.starts_with("-ERR"));
    client.expect("DELE 1", "+OK").await;
    client.expect("QUIT", "+OK").await;
    assert!(client.is_closed().await);
    let mut next = server.login(ALICE).await;
    assert!(next.command("STAT").await.starts_with("+OK 1 "));
    let retrieved = next.fetch("RETR 1").await;
    assert!(String::from_utf8_lossy(&retrieved).contains("Subject: new"));
}

#[tokio::test]
async fn uidl_values_survive_deletions_and_new_sessions() {
    let server = start(TlsMode::Plain, |_| {}).await;
    for n in 0..3 {
        server.deliver(ALICE, &message(&format!("m{n}"), "x")).await;
    }
    let mut client = server.login(ALICE).await;
    let first = client.listing("UIDL").await;
    client.expect("DELE 1", "+OK").await;
    client.expect("QUIT", "+OK").await;
    assert!(client.is_closed().await);
    let mut client = server.login(ALICE).await;
    let second = client.listing("UIDL").await;
    let ids = |listing: &[String]| listing.iter().map(|l| l.split_once(' ').unwrap().1.to_owned()).collect::<Vec<_>>();
    assert_eq!(ids(&second), ids(&first)[1..]);
}

#[tokio::test]
async fn retr_marks_seen_for_imap_and_top_does_not() {
    let server = start(TlsMode::Plain, |_| {}).await;
    server.deliver(ALICE, &message("a", "x")).await;
    server.deliver(ALICE, &message("b", "y")).await;
    let mut client = server.login(ALICE).await;
    client.fetch("RETR 1").await;
    client.fetch("TOP 2 0").await;
    client.expect("QUIT", "+OK").await;
    assert!(client.is_closed().await);
    let flags: Vec<_> = server.inbox(ALICE).await.iter().map(|meta| meta.flags.contains(SystemFlags::SEEN)).collect();
    assert_eq!(flags, [true, false]);
}

#[tokio::test]
async fn trash_action_moves_deleted_messages_to_trash_seen_flags_kept() {
    let server = start(TlsMode::Plain, |settings| settings.dele_action = DeleAction::Trash).await;
    server.deliver(ALICE, &message("bin me", "x")).await;
    server.deliver(ALICE, &message("keep", "y")).await;
    let mut client = server.login(ALICE).await;
    client.fetch("RETR 1").await;
    client.expect("DELE 1", "+OK").await;
    client.expect("QUIT", "+OK").await;
    assert!(client.is_closed().await);
    assert_eq!(server.inbox(ALICE).await.len(), 1);
    let account = server.fixture.store.account_by_address(ALICE).await.unwrap().unwrap();
    let trash = server.fixture.store.mailbox_by_role(account.id, SpecialUse::Trash).await.unwrap().unwrap();
    let trashed = server.fixture.messages(ALICE, &trash.name).await;
    assert_eq!(trashed.len(), 1);
    assert!(trashed[0].flags.contains(SystemFlags::SEEN));
    let mut client = server.login(ALICE).await;
    assert!(client.command("STAT").await.starts_with("+OK 1 "), "the POP3 client sees it gone");
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() {
    let server = start(TlsMode::Plain, |_| {}).await;
    server.deliver(BOB, &message("p", "pipelined")).await;
    let mut client = server.connect().await;
    client.send(format!("USER {BOB}\r\nPASS {}\r\nSTAT\r\nLIST\r\nNOOP\r\nQUIT\r\n", PASSWORD)).await;
    assert!(client.line().await.starts_with("+OK"));
    assert!(client.line().await.starts_with("+OK Logged in, 1 messages"));
    assert!(client.line().await.starts_with("+OK 1 "));
    assert!(client.line().await.starts_with("+OK 1 messages"));
    assert_eq!(client.multiline().await.iter().filter(|&&b| b == b'\n').count(), 1);
    assert_eq!(client.line().await, "+OK\r\n");
    assert!(client.line().await.starts_with("+OK"));
    assert!(client.is_closed().await);
}

#[tokio::test]
async fn transaction_commands_before_login_and_login_commands_after_are_refused() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    for command in ["STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "TOP 1 1", "UIDL"] {
        assert!(client.command(command).await.starts_with("-ERR"), "{command} before login");
    }
    let mut client = server.login(ALICE).await;
    for command in ["USER x", "PASS y", "AUTH PLAIN", "STLS", "APOP a b"] {
        assert!(client.command(command).await.starts_with("-ERR"), "{command} after login");
    }
}
