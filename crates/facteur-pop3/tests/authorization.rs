//! USER/PASS, AUTH, STLS, CAPA and the maildrop lock against a real server.
#![allow(clippy::unwrap_used)]

mod common;

use common::{MultilineResponses, start};
use facteur_net::TlsMode;
use facteur_testkit::in_process::{ALICE, BOB, LineClient, PASSWORD, ReplyShape};

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn plain(user: &str, password: &str) -> String {
    base64(format!("\0{user}\0{password}").as_bytes())
}

#[tokio::test]
async fn wrong_password_is_refused_with_the_auth_code_and_user_must_be_sent_again() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect(&format!("USER {ALICE}"), "+OK").await;
    client.expect("PASS not the password", "-ERR [AUTH]").await;
    client.expect(&format!("PASS {PASSWORD}"), "-ERR").await;
    client.expect("USER nobody@example.com", "+OK").await;
    client.expect(&format!("PASS {PASSWORD}"), "-ERR [AUTH]").await;
    client.expect(&format!("USER {ALICE}"), "+OK").await;
    client.expect(&format!("PASS {PASSWORD}"), "+OK").await;
}

#[tokio::test]
async fn auth_plain_with_initial_response_and_with_a_challenge() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect(&format!("AUTH PLAIN {}", plain(ALICE, PASSWORD)), "+OK").await;
    client.expect("QUIT", "+OK").await;
    assert!(client.is_closed().await);

    let mut client = server.connect().await;
    assert_eq!(client.command("AUTH PLAIN").await, "+ \r\n");
    client.expect(&plain(BOB, "wrong"), "-ERR [AUTH]").await;
    assert_eq!(client.command("AUTH PLAIN").await, "+ \r\n");
    client.expect(&plain(BOB, PASSWORD), "+OK").await;
}

#[tokio::test]
async fn auth_login_and_the_mechanism_list() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    assert_eq!(client.listing("AUTH").await, ["SCRAM-SHA-256", "PLAIN", "LOGIN"], "-PLUS needs TLS 1.3");
    client.expect("AUTH CRAM-MD5", "-ERR").await;
    client.expect("AUTH LOGIN", "+ ").await;
    client.expect(&base64(ALICE.as_bytes()), "+ ").await;
    client.expect(&base64(PASSWORD.as_bytes()), "+OK").await;
}

#[tokio::test]
async fn failed_scram_logins_count_in_the_login_throttle_as_plain_failures_do() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("AUTH SCRAM-SHA-256-PLUS", "-ERR").await;
    for _ in 0..4 {
        let first = base64(format!("n,,n={ALICE},r=clientnonce").as_bytes());
        client.expect(&format!("AUTH SCRAM-SHA-256 {first}"), "+ ").await;
        // Not the nonce the server chose: a replayed exchange, refused like a wrong proof.
        let last = base64(format!("c=biws,r=clientnonceREPLAYED,p={}", base64(&[0; 32])).as_bytes());
        client.expect(&last, "-ERR [AUTH]").await;
    }
    let peer = "127.0.0.1".parse().unwrap();
    let delay = server.fixture.login_throttle.delay_for(peer, ALICE, std::time::Instant::now()).await;
    assert!(!delay.is_zero(), "four failures, one more than the free ones");
}

#[tokio::test]
async fn a_scram_exchange_can_be_cancelled_and_only_plus_takes_a_channel_binding() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("AUTH SCRAM-SHA-256", "+ ").await;
    client.expect(&base64(format!("n,,n={ALICE},r=abc").as_bytes()), "+ ").await;
    client.expect("*", "-ERR Authentication cancelled").await;
    // A downgrade is refused only where -PLUS is offered: not on this plain connection.
    let downgrade = base64(format!("y,,n={ALICE},r=abc").as_bytes());
    client.expect(&format!("AUTH SCRAM-SHA-256 {downgrade}"), "+ ").await;
    client.expect("*", "-ERR").await;
    let binding = base64(format!("p=tls-exporter,,n={ALICE},r=abc").as_bytes());
    client.expect(&format!("AUTH SCRAM-SHA-256 {binding}"), "-ERR Malformed").await;
}

#[tokio::test]
async fn a_cancelled_or_malformed_exchange_is_refused() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("AUTH PLAIN", "+ ").await;
    client.expect("*", "-ERR").await;
    client.expect("AUTH PLAIN", "+ ").await;
    client.expect("!!not base64!!", "-ERR").await;
    client.expect("AUTH PLAIN", "+ ").await;
    client.send(vec![b'A'; 5000]).await;
    client.expect("", "-ERR").await;
    client.expect(&format!("AUTH PLAIN {}", plain(ALICE, PASSWORD)), "+OK").await;
}

#[tokio::test]
async fn without_tls_passwords_are_refused_and_not_advertised_until_stls() {
    let server = start(TlsMode::Plain, |settings| settings.allow_plaintext_auth = false).await;
    let mut client = server.connect().await;
    let capabilities = client.listing("CAPA").await;
    assert!(capabilities.contains(&"STLS".to_owned()), "{capabilities:?}");
    assert!(!capabilities.iter().any(|c| c == "USER" || c.starts_with("SASL")), "{capabilities:?}");
    client.expect(&format!("USER {ALICE}"), "-ERR [AUTH]").await;
    client.expect(&format!("PASS {PASSWORD}"), "-ERR [AUTH]").await;
    client.expect(&format!("AUTH PLAIN {}", plain(ALICE, PASSWORD)), "-ERR [AUTH]").await;
    // A command pipelined after STLS in plain text must not run inside TLS.
    client.send("STLS\r\nNOOP\r\n").await;
    assert!(client.line().await.starts_with("+OK"));
    let mut client = client.starttls(server.fixture.certificate.client_config()).await;
    let capabilities = client.listing("CAPA").await;
    assert!(!capabilities.contains(&"STLS".to_owned()), "{capabilities:?}");
    assert!(capabilities.contains(&"USER".to_owned()), "{capabilities:?}");
    let sasl = "SASL SCRAM-SHA-256-PLUS SCRAM-SHA-256 PLAIN LOGIN".to_owned();
    assert!(capabilities.contains(&sasl), "{capabilities:?}");
    client.expect("STLS", "-ERR").await;
    client.expect(&format!("USER {ALICE}"), "+OK").await;
    client.expect(&format!("PASS {PASSWORD}"), "+OK").await;
    client.expect("NOOP", "+OK").await;
}

#[tokio::test]
async fn capa_lists_the_rfc_2449_capabilities() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    let capabilities = client.listing("CAPA").await;
    for expected in [
        "TOP",
        "UIDL",
        "USER",
        "SASL SCRAM-SHA-256 PLAIN LOGIN",
        "RESP-CODES",
        "AUTH-RESP-CODE",
        "PIPELINING",
        "EXPIRE NEVER",
        "LOGIN-DELAY 0",
        "STLS",
    ] {
        assert!(capabilities.contains(&expected.to_owned()), "{expected} missing from {capabilities:?}");
    }
    assert!(capabilities.iter().any(|c| c.starts_with("IMPLEMENTATION ")));
    client.expect("USER x", "+OK").await;
    let mut client = server.login(ALICE).await;
    let capabilities = client.listing("CAPA").await;
    assert!(!capabilities.iter().any(|c| c == "USER" || c == "STLS"), "{capabilities:?}");
}

#[tokio::test]
async fn apop_is_refused_and_the_greeting_offers_no_timestamp() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = LineClient::connect(server.address, ReplyShape::Line).await;
    let greeting = client.line().await;
    assert!(greeting.starts_with("+OK") && !greeting.contains('<'), "{greeting:?}");
    client.expect(&format!("APOP {ALICE} c4c9334bac560ecc979e58001b3e22fb"), "-ERR").await;
}

#[tokio::test]
async fn a_second_pop3_session_gets_in_use_until_the_first_ends() {
    let server = start(TlsMode::Plain, |_| {}).await;
    server.deliver(ALICE, &common::message("x", "y")).await;
    let mut first = server.login(ALICE).await;
    let mut second = server.connect().await;
    second.expect(&format!("USER {ALICE}"), "+OK").await;
    second.expect(&format!("PASS {PASSWORD}"), "-ERR [IN-USE]").await;
    // Another account is not affected.
    server.login(BOB).await.expect("STAT", "+OK").await;
    // The store (what IMAP works on) is not locked: a delivery goes through.
    server.deliver(ALICE, &common::message("during", "z")).await;
    first.expect("QUIT", "+OK").await;
    assert!(first.is_closed().await);
    second.expect(&format!("USER {ALICE}"), "+OK").await;
    second.expect(&format!("PASS {PASSWORD}"), "+OK Logged in, 2 messages").await;
}

#[tokio::test]
async fn the_maildrop_lock_holds_across_listeners_sharing_a_store() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let other = server.another_listener().await;
    let _first = server.login(ALICE).await;
    let mut second = LineClient::connect(other, ReplyShape::Line).await;
    assert!(second.line().await.starts_with("+OK"));
    second.expect(&format!("USER {ALICE}"), "+OK").await;
    second.expect(&format!("PASS {PASSWORD}"), "-ERR [IN-USE]").await;
}

#[tokio::test]
async fn implicit_tls_listener_accepts_user_pass() {
    let server = start(TlsMode::Implicit, |settings| settings.allow_plaintext_auth = false).await;
    let mut client = server.connect_tls().await;
    let capabilities = client.listing("CAPA").await;
    assert!(!capabilities.contains(&"STLS".to_owned()), "{capabilities:?}");
    client.expect(&format!("USER {ALICE}"), "+OK").await;
    client.expect(&format!("PASS {PASSWORD}"), "+OK").await;
}
