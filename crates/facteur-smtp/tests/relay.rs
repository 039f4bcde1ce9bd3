//! Open-relay attempts on the MX face, in every dress: all refused with 554 5.7.1, nothing queued.
#![allow(clippy::unwrap_used)]

mod common;

use common::start;
use facteur_net::TlsMode;
use facteur_smtp::Face;

#[tokio::test]
async fn every_dressed_up_relay_attempt_is_refused() {
    // Relay attempts count as errors; allow enough to try every form in one session.
    let server = start(Face::Mx, TlsMode::Plain, |settings| settings.max_errors = 50).await;
    let mut client = server.connect().await;
    client.expect("EHLO attacker.example", "250").await;
    client.expect("MAIL FROM:<spammer@attacker.example>", "250").await;
    for recipient in [
        "<victim@elsewhere.net>",
        "<VICTIM@ELSEWHERE.NET>",
        "<victim@elsewhere.net.>",
        "<victim%elsewhere.net@example.com>",
        "<elsewhere.net!victim@example.com>",
        "<\"victim@elsewhere.net\"@example.com>",
        "<@example.com:victim@elsewhere.net>",
        "<@example.com,@mx.example.com:victim@elsewhere.net>",
    ] {
        let reply = client.command(&format!("RCPT TO:{recipient}")).await;
        assert!(reply.starts_with("554 5.7.1"), "{recipient}: {reply}");
        client.expect("RSET", "250").await;
        client.expect("MAIL FROM:<spammer@attacker.example>", "250").await;
    }
    // Address literals do not even parse (smtp-proto takes domain names only): refused all the same.
    for recipient in ["<victim@[192.0.2.1]>", "<victim@[127.0.0.1]>"] {
        let reply = client.command(&format!("RCPT TO:{recipient}")).await;
        assert!(reply.starts_with("501 5.1.3"), "{recipient}: {reply}");
    }
    assert!(server.fixture.store.queue().await.unwrap().is_empty());
}

#[tokio::test]
async fn source_route_to_a_local_user_is_judged_on_the_final_address() {
    let server = start(Face::Mx, TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.expect("EHLO relay.example", "250").await;
    client.expect("MAIL FROM:<a@relay.example>", "250").await;
    client.expect("RCPT TO:<@elsewhere.net:alice@example.com>", "250 2.1.5").await;
    client.expect("RCPT TO:<Alice@Example.COM.>", "250 2.1.5").await;
}

#[tokio::test]
async fn unauthenticated_submission_does_not_relay_either() {
    let server = start(Face::Submission, TlsMode::Plain, |settings| settings.allow_plaintext_auth = true).await;
    let mut client = server.connect().await;
    client.expect("EHLO client.example", "250").await;
    client.expect("MAIL FROM:<alice@example.com>", "530 5.7.0").await;
    client.expect("RCPT TO:<victim@elsewhere.net>", "503 5.5.1").await;
}
