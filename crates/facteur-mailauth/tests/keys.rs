//! DKIM keys on disk: layout, permissions, rotation and retirement, and signing that follows them.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::{GOOD_IP, World, message};
use facteur_mailauth::{Algorithm, AuthResult, KeyState, KeyStore, MailAuthError, Signer};
use std::os::unix::fs::PermissionsExt;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn generated_keys_are_private_and_named_by_date() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path().join("dkim"));
    let rsa = store.generate("Example.Test", Algorithm::Rsa2048).unwrap();
    let ed = store.generate("example.test", Algorithm::Ed25519).unwrap();

    let selector = rsa.selector.as_str();
    assert!(selector.len() == 9 && selector.starts_with("f20"), "{selector}");
    assert_eq!(ed.selector.as_str(), format!("{selector}e"));
    let domain_dir = dir.path().join("dkim/example.test");
    assert_eq!(mode(&dir.path().join("dkim")), 0o700);
    assert_eq!(mode(&domain_dir), 0o700);
    assert_eq!(mode(&domain_dir.join(format!("{selector}.rsa.pem"))), 0o600);
    assert_eq!(mode(&domain_dir.join(format!("{selector}e.ed25519.pem"))), 0o600);
    assert_eq!(mode(&domain_dir.join("selectors")), 0o600);
    assert_eq!(store.active("example.test").unwrap(), vec![rsa, ed]);
    assert_eq!(store.domains().unwrap(), vec!["example.test".to_string()]);
}

#[test]
fn dns_values_carry_the_public_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    store.generate("example.test", Algorithm::Rsa2048).unwrap();
    store.generate("example.test", Algorithm::Ed25519).unwrap();
    let txt = store.dns_txt("example.test").unwrap();
    assert_eq!(txt.len(), 2);
    assert!(txt[0].1.starts_with("v=DKIM1; k=rsa; p=MIIBIjAN"), "RSA key is a SubjectPublicKeyInfo: {}", txt[0].1);
    // 32 raw bytes of Ed25519 key are 44 base64 characters (RFC 8463 §4.2).
    let ed_key = txt[1].1.strip_prefix("v=DKIM1; k=ed25519; p=").unwrap();
    assert_eq!(ed_key.len(), 44);
}

#[test]
fn rotation_keeps_old_keys_published_until_retired() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    let first = store.generate("example.test", Algorithm::Rsa2048).unwrap();
    let rotated = store.rotate("example.test").unwrap();
    assert_eq!(rotated.len(), 1);
    let second = &rotated[0];
    assert_ne!(second.selector, first.selector, "same-day rotation gets a distinct selector");

    let keys = store.keys("example.test").unwrap();
    let states: Vec<_> = keys.iter().map(|key| (key.selector.clone(), key.state)).collect();
    assert_eq!(
        states,
        vec![(first.selector.clone(), KeyState::Published), (second.selector.clone(), KeyState::Active)]
    );
    assert_eq!(store.dns_txt("example.test").unwrap().len(), 2);

    assert!(matches!(store.retire("example.test", second.selector.as_str()), Err(MailAuthError::RetireActive { .. })));
    store.retire("example.test", first.selector.as_str()).unwrap();
    assert_eq!(store.keys("example.test").unwrap(), vec![second.clone()]);
    assert!(!dir.path().join(format!("example.test/{}.rsa.pem", first.selector)).exists());
    assert!(matches!(store.retire("example.test", "nosuch"), Err(MailAuthError::UnknownSelector { .. })));
}

#[test]
fn hostile_domain_names_never_touch_the_filesystem_outside_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path().join("dkim"));
    for domain in ["../escape", "a/b", ".."] {
        assert!(matches!(store.generate(domain, Algorithm::Ed25519), Err(MailAuthError::InvalidDomain { .. })));
    }
    assert!(!dir.path().join("escape").exists());
}

#[test]
fn signing_without_a_key_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let signer = Signer::new(KeyStore::new(dir.path()));
    let err = signer.sign("example.test", &message("alice@example.test")).unwrap_err();
    assert!(matches!(err, MailAuthError::NoActiveKey { .. }), "{err}");
}

#[tokio::test]
async fn signer_switches_to_the_new_key_after_rotation_without_restart() {
    let world = World::empty().await;
    world.sender_domain("example.test", "-", Some("v=DMARC1; p=reject"));
    let before = world.signer.sign("example.test", &message("alice@example.test")).unwrap();
    let old = world.selector("example.test");
    assert!(before.contains(&format!("s={old};")));

    world.keys.rotate("example.test").unwrap();
    world.publish_keys("example.test");
    let new = world.selector("example.test");
    let signed = world.signed("example.test", &message("alice@example.test"));
    assert!(String::from_utf8_lossy(&signed).contains(&format!("s={new};")));
    let verdict = world.receive(GOOD_IP, "alice@example.test", &signed).await;
    assert_eq!(verdict.dkim[0].result, AuthResult::Pass);
}

#[test]
fn from_is_oversigned() {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyStore::new(dir.path());
    store.generate("example.test", Algorithm::Ed25519).unwrap();
    let header = Signer::new(store).sign("example.test", &message("alice@example.test")).unwrap();
    let unfolded = header.replace("\r\n\t", "");
    let h = unfolded.split("h=").nth(1).unwrap().split(';').next().unwrap();
    assert_eq!(h.matches("From").count(), 2, "{h}");
    assert!(header.starts_with("DKIM-Signature: ") && header.ends_with("\r\n"));
    assert!(header.contains("c=relaxed/relaxed"));
}
