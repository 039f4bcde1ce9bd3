//! Interop with dkimpy, an independent DKIM implementation (Debian `python3-dkim`, `python3-nacl` for
//! Ed25519): what we sign verifies there, what it signs verifies here, and alterations fail both ways.
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::{GOOD_IP, World, message, python_with, script};
use facteur_mailauth::{Algorithm, AuthResult, DkimAlgorithm};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run(python: &Path, args: &[String], stdin: &[u8]) -> Output {
    let mut child = Command::new(python)
        .arg(script("dkimpy_interop.py"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// dkimpy's verdict on `message`, given the key records of `domain`.
fn dkimpy_verifies(python: &Path, world: &World, domain: &str, message: &[u8]) -> bool {
    let mut args = vec!["verify".to_string()];
    for (selector, txt) in world.keys.dns_txt(domain).unwrap() {
        args.push(format!("{selector}._domainkey.{domain}"));
        args.push(txt);
    }
    let output = run(python, &args, message);
    eprintln!("dkimpy: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    output.status.success()
}

/// `message` with a dkimpy signature made with our RSA key file.
fn dkimpy_signed(python: &Path, world: &World, domain: &str, algorithm: &str, message: &[u8]) -> Vec<u8> {
    let selector = world.selector(domain);
    let key_file = world.key_root.join(domain).join(format!("{selector}.rsa.pem"));
    let args = ["sign", domain, &selector, &key_file.to_string_lossy(), algorithm].map(String::from);
    let output = run(python, &args, message);
    assert!(output.status.success(), "dkimpy sign: {}", String::from_utf8_lossy(&output.stderr));
    let mut signed = output.stdout;
    signed.extend_from_slice(message);
    signed
}

#[tokio::test]
async fn our_rsa_signature_verifies_with_dkimpy_and_fails_once_altered() {
    let Some(python) = python_with(&["dkim"]) else { return };
    let world = World::empty().await;
    world.sender_domain("example.test", "-", None);
    let signed = world.signed("example.test", &message("alice@example.test"));
    assert!(dkimpy_verifies(&python, &world, "example.test", &signed));

    let altered = String::from_utf8(signed).unwrap().replace("Quarterly figures", "Quarterly figures!");
    assert!(!dkimpy_verifies(&python, &world, "example.test", altered.as_bytes()));
}

#[tokio::test]
async fn our_ed25519_signature_verifies_with_dkimpy() {
    let Some(python) = python_with(&["dkim", "nacl"]) else { return };
    let world = World::empty().await;
    world.sender_domain("example.test", "-", None);
    world.keys.generate("example.test", Algorithm::Ed25519).unwrap();
    let signed = world.signed("example.test", &message("alice@example.test"));
    assert_eq!(String::from_utf8_lossy(&signed).matches("DKIM-Signature:").count(), 2);
    assert!(dkimpy_verifies(&python, &world, "example.test", &signed));
}

#[tokio::test]
async fn dkimpy_signature_verifies_with_us_and_fails_once_altered() {
    let Some(python) = python_with(&["dkim"]) else { return };
    let world = World::empty().await;
    world.sender_domain("example.test", "-", Some("v=DMARC1; p=reject"));
    let signed = dkimpy_signed(&python, &world, "example.test", "rsa-sha256", &message("alice@example.test"));

    let verdict = world.receive(GOOD_IP, "alice@example.test", &signed).await;
    assert_eq!(verdict.dkim.len(), 1);
    assert_eq!(verdict.dkim[0].result, AuthResult::Pass, "{:?}", verdict.dkim[0].reason);
    assert_eq!(verdict.dmarc.result, AuthResult::Pass);

    let altered = String::from_utf8(signed).unwrap().replace("in spirit", "in person");
    let verdict = world.receive(GOOD_IP, "alice@example.test", altered.as_bytes()).await;
    assert_eq!(verdict.dkim[0].result, AuthResult::Fail);
}

#[tokio::test]
async fn rsa_sha1_from_dkimpy_verifies_but_is_reported_weak() {
    let Some(python) = python_with(&["dkim"]) else { return };
    let world = World::empty().await;
    world.sender_domain("example.test", "-", None);
    let signed = dkimpy_signed(&python, &world, "example.test", "rsa-sha1", &message("alice@example.test"));
    let verdict = world.receive(GOOD_IP, "alice@example.test", &signed).await;
    assert_eq!(verdict.dkim[0].result, AuthResult::Pass, "{:?}", verdict.dkim[0].reason);
    assert_eq!(verdict.dkim[0].algorithm, DkimAlgorithm::RsaSha1);
    assert!(verdict.authentication_results().contains("header.a=rsa-sha1"));
}
