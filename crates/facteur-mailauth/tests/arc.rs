//! ARC (RFC 8617): a forwarder that rewrites the Subject breaks DKIM, but its ARC seal still verifies.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use base64::Engine;
use common::{BAD_IP, World, message};
use facteur_mailauth::{Algorithm, AuthResult};
use mail_auth::arc::ArcSealer;
use mail_auth::common::crypto::Ed25519Key;
use mail_auth::common::headers::HeaderWriter;
use mail_auth::{ArcOutput, AuthenticatedMessage, AuthenticationResults};

/// The DER inside the PEM key file the key store wrote.
fn key_der(world: &World, domain: &str, selector: &str) -> Vec<u8> {
    let pem = std::fs::read_to_string(world.key_root.join(domain).join(format!("{selector}.ed25519.pem"))).unwrap();
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

#[tokio::test]
async fn arc_seal_of_a_forwarder_verifies_after_dkim_broke() {
    let world = World::empty().await;
    world.sender_domain("example.test", "-", Some("v=DMARC1; p=none"));
    world.keys.generate("forwarder.test", Algorithm::Ed25519).unwrap();
    world.publish_keys("forwarder.test");
    let forwarder_selector = world.keys.active("forwarder.test").unwrap()[0].selector.to_string();

    // The list rewrites the subject, then seals what it forwards.
    let original = String::from_utf8(world.signed("example.test", &message("alice@example.test"))).unwrap();
    let forwarded = original.replace("Subject: Quarterly", "Subject: [team] Quarterly");
    let parsed = AuthenticatedMessage::parse(forwarded.as_bytes()).unwrap();
    let key = Ed25519Key::from_pkcs8_der(&key_der(&world, "forwarder.test", &forwarder_selector)).unwrap();
    let results = AuthenticationResults::new("forwarder.test");
    let chain = ArcOutput::default();
    let seal = ArcSealer::from_key(key)
        .domain("forwarder.test")
        .selector(forwarder_selector.as_str())
        .headers(["From", "To", "Subject", "DKIM-Signature"])
        .seal(&parsed, &results, &chain)
        .unwrap();
    let sealed = format!("{}{forwarded}", seal.to_header());

    let verdict = world.receive(BAD_IP, "list-bounces@forwarder.test", sealed.as_bytes()).await;
    assert_eq!(verdict.arc.result, AuthResult::Pass, "{:?}", verdict.arc.reason);
    assert_eq!(verdict.dkim[0].result, AuthResult::Fail);
    assert!(verdict.authentication_results().ends_with("\tarc=pass\r\n"));

    // Tampering after the seal breaks the chain.
    let tampered = sealed.replace("in spirit", "in person");
    let verdict = world.receive(BAD_IP, "list-bounces@forwarder.test", tampered.as_bytes()).await;
    assert_eq!(verdict.arc.result, AuthResult::Fail);
}
