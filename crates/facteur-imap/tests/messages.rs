//! APPEND, FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE against a real store.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use facteur_testkit::in_process::ALICE;

#[tokio::test]
async fn append_with_a_non_synchronising_literal_answers_appenduid() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    let message = "Subject: appended\r\n\r\nbody\r\n";
    let lines = client.ok(&format!("APPEND INBOX (\\Seen $Work) {{{}+}}\r\n{message}", message.len())).await;
    assert!(lines.last().unwrap().contains("[APPENDUID "), "{lines:?}");
    client.ok("SELECT INBOX").await;
    let fetched = client.ok("FETCH 1 (FLAGS BODY.PEEK[])").await;
    assert!(has(&fetched, "\\Seen") && has(&fetched, "$Work") && has(&fetched, "Subject: appended"), "{fetched:?}");
}

#[tokio::test]
async fn append_with_a_synchronising_literal_waits_for_the_go_ahead() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    let message = "Subject: sync\r\n\r\nbody\r\n";
    client.send(&format!("A1 APPEND Drafts {{{}}}\r\n", message.len())).await;
    assert!(client.line().await.starts_with("+ "));
    client.send(&format!("{message}\r\n")).await;
    let done = client.until_tagged("A1").await;
    assert!(done.last().unwrap().starts_with("A1 OK [APPENDUID"), "{done:?}");
    assert_eq!(server.mailbox_len(ALICE, "Drafts").await, 1);
}

#[tokio::test]
async fn large_append_is_streamed_to_a_blob_and_reads_back_identical() {
    let server = start(|settings| settings.append_in_memory_max = 1000).await;
    let mut client = server.login(ALICE).await;
    let body: String = (0..2000).map(|i| format!("line {i} of a long message\r\n")).collect();
    let message = format!("Subject: big\r\n\r\n{body}");
    client.ok(&format!("APPEND INBOX {{{}+}}\r\n{message}", message.len())).await;
    client.ok("SELECT INBOX").await;
    let fetched = client.ok("FETCH 1 (RFC822.SIZE BODY.PEEK[HEADER])").await;
    assert!(has(&fetched, &format!("RFC822.SIZE {}", message.len())), "{:?}", &fetched[0][..100]);
    assert!(has(&fetched, "BODY[HEADER] {16}Subject: big"), "{fetched:?}");
}

#[tokio::test]
async fn append_to_a_missing_mailbox_asks_to_trycreate() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    let reply = client.command("APPEND Nowhere {4+}\r\nabcd").await;
    assert!(reply.last().unwrap().contains("NO [TRYCREATE]"), "{reply:?}");
    client.ok("NOOP").await;
}

#[tokio::test]
async fn fetch_serves_envelope_structure_and_sections_from_the_summary() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", MIXED).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    let lines = client.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[1])").await;
    let fetch = &lines[0];
    assert!(fetch.contains("ENVELOPE (NIL \"Report\" ((\"Carol\" NIL \"carol\" \"example.net\"))"), "{fetch}");
    assert!(fetch.contains("(\"application\" \"pdf\" (\"name\" \"r.pdf\") NIL NIL \"base64\" 12"), "{fetch}");
    assert!(fetch.contains("\"mixed\""), "{fetch}");
    assert!(fetch.contains("BODY[HEADER.FIELDS (SUBJECT)] {19}Subject: Report"), "{fetch}");
    assert!(fetch.contains("BODY[1] {13}See attached."), "{fetch}");
    let flags = client.ok("FETCH 1 FLAGS").await;
    assert!(!has(&flags, "\\Seen"), "PEEK must not set \\Seen: {flags:?}");
}

#[tokio::test]
async fn fetch_of_a_body_section_sets_seen_and_reports_it() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    let lines = client.ok("FETCH 1 BODY[TEXT]<0.5>").await;
    assert!(has(&lines, "BODY[TEXT]<0> {5}Shall") && has(&lines, "FLAGS (\\Seen"), "{lines:?}");
    let examine = client.ok("EXAMINE INBOX").await;
    assert!(examine.last().unwrap().contains("[READ-ONLY]"));
}

#[tokio::test]
async fn uid_fetch_includes_the_uid_and_ignores_missing_uids() {
    let server = start(|_| {}).await;
    let uid = server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    let lines = client.ok("UID FETCH 1:100 RFC822.SIZE").await;
    assert!(has(&lines, &format!("* 1 FETCH (UID {uid} RFC822.SIZE {})", SIMPLE.len())), "{lines:?}");
    let bad = client.command("FETCH 5 FLAGS").await;
    assert!(bad.last().unwrap().contains("BAD"), "{bad:?}");
}

#[tokio::test]
async fn store_reports_flags_unless_silent_and_unchangedsince_reports_modified() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX (CONDSTORE)").await;
    let lines = client.ok("STORE 1:2 +FLAGS (\\Flagged)").await;
    assert_eq!(lines.iter().filter(|l| l.contains("FLAGS (\\Flagged")).count(), 2, "{lines:?}");
    let silent = client.ok("STORE 1 -FLAGS.SILENT (\\Flagged)").await;
    assert_eq!(silent.len(), 1, "{silent:?}");
    let conditional = client.ok("STORE 1:2 (UNCHANGEDSINCE 1) +FLAGS (\\Seen)").await;
    assert!(conditional.last().unwrap().contains("[MODIFIED 1:2]"), "{conditional:?}");
}

#[tokio::test]
async fn search_finds_by_flag_header_and_text_and_esearch_counts() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    server.deliver(ALICE, "INBOX", MIXED).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    client.ok("STORE 2 +FLAGS (\\Answered)").await;
    assert!(has(&client.ok("SEARCH ANSWERED").await, "* SEARCH 2"));
    assert!(has(&client.ok("SEARCH FROM carol").await, "* SEARCH 2"));
    assert!(has(&client.ok("SEARCH SUBJECT lunch").await, "* SEARCH 1"));
    assert!(has(&client.ok("SEARCH BODY noon").await, "* SEARCH 1"));
    assert!(has(&client.ok("SEARCH HEADER Message-ID <1@example.com>").await, "* SEARCH 1"));
    assert!(has(&client.ok("SEARCH NOT ANSWERED SINCE 1-Jan-2020").await, "* SEARCH 1"));
    assert!(has(&client.ok("SEARCH LARGER 100000").await, "* SEARCH"));
    let esearch = client.ok("UID SEARCH RETURN (COUNT MIN) ALL").await;
    assert!(has(&esearch, "* ESEARCH (TAG \"T") && has(&esearch, "UID COUNT 2 MIN 1"), "{esearch:?}");
    let charset = client.command("SEARCH CHARSET KOI8-R ALL").await;
    assert!(charset.last().unwrap().contains("[BADCHARSET"), "{charset:?}");
}

#[tokio::test]
async fn copy_answers_copyuid_and_move_expunges_from_the_source() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    server.deliver(ALICE, "INBOX", MIXED).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    let copied = client.ok("COPY 1 Archive").await;
    assert!(copied.last().unwrap().contains("[COPYUID "), "{copied:?}");
    let moved = client.ok("MOVE 1 Trash").await;
    assert!(has(&moved, "* OK [COPYUID ") && has(&moved, "* 1 EXPUNGE"), "{moved:?}");
    assert_eq!(server.inbox_len(ALICE).await, 1);
    assert_eq!(server.mailbox_len(ALICE, "Trash").await, 1);
    let missing = client.command("COPY 1 Nowhere").await;
    assert!(missing.last().unwrap().contains("NO [TRYCREATE]"));
}

#[tokio::test]
async fn expunge_removes_only_deleted_messages_and_uid_expunge_only_those_named() {
    let server = start(|_| {}).await;
    for _ in 0..3 {
        server.deliver(ALICE, "INBOX", SIMPLE).await;
    }
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    client.ok("STORE 1:3 +FLAGS.SILENT (\\Deleted)").await;
    let uid_expunge = client.ok("UID EXPUNGE 3").await;
    assert!(has(&uid_expunge, "* 3 EXPUNGE"), "{uid_expunge:?}");
    let expunge = client.ok("EXPUNGE").await;
    assert!(has(&expunge, "* 1 EXPUNGE"), "{expunge:?}");
    assert_eq!(server.inbox_len(ALICE).await, 0);
}

#[tokio::test]
async fn close_expunges_silently() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", SIMPLE).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    client.ok("STORE 1 +FLAGS.SILENT (\\Deleted)").await;
    let closed = client.ok("CLOSE").await;
    assert_eq!(closed.len(), 1, "{closed:?}");
    assert_eq!(server.inbox_len(ALICE).await, 0);
}

#[tokio::test]
async fn binary_fetch_undoes_the_transfer_encoding() {
    let server = start(|_| {}).await;
    server.deliver(ALICE, "INBOX", MIXED).await;
    let mut client = server.login(ALICE).await;
    client.ok("SELECT INBOX").await;
    let lines = client.ok("FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[2] BINARY.PEEK[1])").await;
    let fetch = &lines[0];
    assert!(fetch.contains("BINARY.SIZE[2] 9"), "{fetch}");
    assert!(fetch.contains("BINARY[2] {9}%PDF-1.4\n"), "{fetch}");
    assert!(fetch.contains("BINARY[1] {13}See attached."), "{fetch}");
    assert!(!has(&client.ok("FETCH 1 FLAGS").await, "\\Seen"));
}
