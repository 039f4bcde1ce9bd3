//! Connection-level behaviour: greeting, login, state refusals, limits.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use facteur_imap::{ImapServer, Settings};
use facteur_net::{Limits, TlsMode};
use facteur_testkit::in_process::{ALICE, Fixture, LineClient, PASSWORD, ReplyShape, TEST_LIMITS};

#[tokio::test]
async fn login_is_disabled_on_plain_connections_unless_allowed() {
    let server = start(|settings| settings.allow_plaintext_auth = false).await;
    let mut client = server.connect().await;
    let caps = client.ok("CAPABILITY").await;
    assert!(has(&caps, "LOGINDISABLED") && has(&caps, "STARTTLS"), "{caps:?}");
    let refused = client.command(&format!("LOGIN {ALICE} \"{PASSWORD}\"")).await;
    assert!(refused.last().unwrap().contains("NO [PRIVACYREQUIRED]"), "{refused:?}");
}

#[tokio::test]
async fn login_answers_with_the_authenticated_capabilities() {
    let server = start(|_| {}).await;
    let mut client = server.connect().await;
    let reply = client.command(&format!("LOGIN {ALICE} \"{PASSWORD}\"")).await;
    let last = reply.last().unwrap();
    assert!(last.contains("OK [CAPABILITY IMAP4rev2") && !last.contains("AUTH=PLAIN"), "{last}");
}

#[tokio::test]
async fn wrong_password_is_refused_with_authenticationfailed() {
    let server = start(|_| {}).await;
    let mut client = server.connect().await;
    let reply = client.command(&format!("LOGIN {ALICE} wrong")).await;
    assert!(reply.last().unwrap().contains("NO [AUTHENTICATIONFAILED]"), "{reply:?}");
    let still_refused = client.command("SELECT INBOX").await;
    assert!(still_refused.last().unwrap().contains("BAD"), "{still_refused:?}");
}

#[tokio::test]
async fn authenticate_plain_with_an_initial_response_logs_in() {
    let server = start(|_| {}).await;
    let mut client = server.connect().await;
    let credentials = format!("\0{ALICE}\0{PASSWORD}");
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
    client.ok(&format!("AUTHENTICATE PLAIN {encoded}")).await;
    client.ok("SELECT INBOX").await;
}

#[tokio::test]
async fn authenticate_login_answers_challenges() {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let server = start(|_| {}).await;
    let mut client = server.connect().await;
    client.send("A1 AUTHENTICATE LOGIN\r\n").await;
    assert!(client.line().await.starts_with("+ "));
    client.send(&format!("{}\r\n", b64(ALICE))).await;
    assert!(client.line().await.starts_with("+ "));
    client.send(&format!("{}\r\n", b64(PASSWORD))).await;
    let done = client.until_tagged("A1").await;
    assert!(done.last().unwrap().starts_with("A1 OK"), "{done:?}");
}

#[tokio::test]
async fn commands_of_the_selected_state_are_refused_before_select() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    let reply = client.command("FETCH 1 FLAGS").await;
    assert!(reply.last().unwrap().contains("BAD No mailbox selected"), "{reply:?}");
}

#[tokio::test]
async fn pipelined_commands_are_all_answered_in_order() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    client.send("P1 NOOP\r\nP2 SELECT INBOX\r\nP3 NOOP\r\n").await;
    let lines = client.until_tagged("P3").await;
    let tagged: Vec<&String> = lines.iter().filter(|l| l.starts_with('P')).collect();
    assert_eq!(tagged.len(), 3, "{lines:?}");
    assert!(tagged[1].starts_with("P2 OK [READ-WRITE]"));
}

#[tokio::test]
async fn a_client_that_keeps_sending_garbage_is_disconnected() {
    let server = start(|settings| settings.max_errors = 3).await;
    let mut client = server.connect().await;
    for _ in 0..2 {
        let reply = client.command("FROB").await;
        assert!(reply.last().unwrap().contains("BAD"));
    }
    client.send("T9 FROB\r\n").await;
    let mut saw_bye = false;
    for _ in 0..2 {
        if client.line().await.starts_with("* BYE") {
            saw_bye = true;
        }
    }
    assert!(saw_bye);
}

#[tokio::test]
async fn id_enable_and_namespace_answer() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    assert!(has(&client.ok("ID NIL").await, "* ID (\"name\" \"Facteur\""));
    let enabled = client.ok("ENABLE CONDSTORE UNKNOWN").await;
    assert!(has(&enabled, "* ENABLED CONDSTORE"), "{enabled:?}");
    assert!(has(&client.ok("NAMESPACE").await, "* NAMESPACE ((\"\" \"/\")) NIL NIL"));
}

#[tokio::test]
async fn logout_says_bye_before_ok() {
    let server = start(|_| {}).await;
    let mut client = server.login(ALICE).await;
    let lines = client.ok("LOGOUT").await;
    assert!(lines[0].starts_with("* BYE"), "{lines:?}");
}

#[tokio::test]
async fn a_command_trickled_in_is_cut_when_the_whole_command_is_late() {
    // The limit covers a whole command, as RFC 5321 §4.5.3.2 has it for SMTP: a byte every 300 ms keeps no
    // session alive past its 800 ms.
    let fixture = Fixture::new().await;
    let server = ImapServer::new(
        Settings::new("imap.example.com"),
        Arc::clone(&fixture.store),
        Arc::clone(&fixture.login_throttle),
    );
    let limits = Limits { idle_timeout: Duration::from_millis(800), ..TEST_LIMITS };
    let address = fixture.serve(TlsMode::Plain, limits, Arc::new(server)).await;
    let mut client = LineClient::connect(address, ReplyShape::Line).await;
    assert!(client.line().await.starts_with("* OK"));
    for byte in b"a1 NOOP" {
        // Past the limit the server has said goodbye and closed: later writes may fail.
        let _ = client.try_send([*byte]).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = client.try_send("\r\n").await;
    let answer = client.line().await;
    assert!(answer.starts_with("* BYE"), "the trickled command was answered: {answer:?}");
}
