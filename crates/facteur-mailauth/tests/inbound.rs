//! Inbound checks against a real DNS server held in-process: SPF (RFC 7208), DKIM (RFC 6376), DMARC
//! (RFC 7489) alignment and policy, temporary errors, and the Authentication-Results header (RFC 8601).
#![allow(clippy::unwrap_used)] // tests may unwrap

mod common;

use common::{AUTHSERV_ID, BAD_IP, GOOD_IP, World, message};
use facteur_mailauth::{
    Algorithm, AuthResult, Disposition, DkimAlgorithm, DmarcPolicy, FailAction, Policy, SpfIdentity,
    strip_forged_results,
};
use std::net::IpAddr;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[tokio::test]
async fn spf_pass_fail_softfail_and_none_follow_the_published_record() {
    let world = World::empty().await;
    world.dns.add_txt("hard.test", &format!("v=spf1 ip4:{GOOD_IP} -all"));
    world.dns.add_txt("soft.test", &format!("v=spf1 ip4:{GOOD_IP} ~all"));
    let auth = &world.auth;
    let helo = "client.sender.test";

    let pass = auth.spf_mail_from(ip(GOOD_IP), helo, "alice@hard.test").await;
    assert_eq!(pass.result, AuthResult::Pass);
    assert_eq!(pass.identity, SpfIdentity::MailFrom);
    assert_eq!(pass.domain, "hard.test");
    assert_eq!(auth.spf_mail_from(ip(BAD_IP), helo, "alice@hard.test").await.result, AuthResult::Fail);
    assert_eq!(auth.spf_mail_from(ip(BAD_IP), helo, "alice@soft.test").await.result, AuthResult::SoftFail);
    assert_eq!(auth.spf_mail_from(ip(BAD_IP), helo, "alice@nospf.test").await.result, AuthResult::None);
}

#[tokio::test]
async fn null_sender_is_checked_against_the_helo_name() {
    let world = World::empty().await;
    world.dns.add_txt("relay.hard.test", &format!("v=spf1 ip4:{GOOD_IP} -all"));
    let outcome = world.auth.spf_mail_from(ip(BAD_IP), "relay.hard.test", "").await;
    assert_eq!(outcome.result, AuthResult::Fail);
    assert_eq!(outcome.domain, "relay.hard.test");
    assert_eq!(outcome.checked, "postmaster@relay.hard.test");
    let helo = world.auth.spf_helo(ip(GOOD_IP), "relay.hard.test").await;
    assert_eq!((helo.result, helo.identity), (AuthResult::Pass, SpfIdentity::Helo));
    let literal = world.auth.spf_helo(ip(GOOD_IP), "[192.0.2.10]").await;
    assert_eq!(literal.result, AuthResult::None);
}

#[tokio::test]
async fn our_signature_verifies_and_the_header_is_exact() {
    let world = World::empty().await;
    world.sender_domain("example.test", "-", Some("v=DMARC1; p=reject"));
    let signed = world.signed("example.test", &message("alice@example.test"));
    let verdict = world.receive(GOOD_IP, "alice@example.test", &signed).await;

    assert_eq!(verdict.dkim.len(), 1);
    assert_eq!(verdict.dkim[0].result, AuthResult::Pass, "{:?}", verdict.dkim[0].reason);
    assert_eq!(verdict.dmarc.result, AuthResult::Pass);
    assert_eq!(verdict.disposition(&Policy::default()), Disposition::Deliver);
    let selector = world.selector("example.test");
    assert_eq!(
        verdict.authentication_results(),
        format!(
            "Authentication-Results: {AUTHSERV_ID};\r\n\
             \tspf=pass smtp.mailfrom=alice@example.test;\r\n\
             \tdkim=pass header.d=example.test header.s={selector};\r\n\
             \tdmarc=pass header.from=example.test;\r\n\
             \tarc=none\r\n"
        )
    );
}

#[tokio::test]
async fn altered_body_fails_dkim_and_a_rejecting_domain_refuses_it() {
    let world = World::empty().await;
    world.sender_domain("example.test", "-", Some("v=DMARC1; p=reject"));
    let mut signed = world.signed("example.test", &message("alice@example.test"));
    let tail = signed.len() - 8;
    signed[tail] = b'X'; // one byte of the body changed in transit
    // Sent from an unauthorised address, so SPF cannot rescue DMARC either.
    let verdict = world.receive(BAD_IP, "alice@example.test", &signed).await;

    assert_eq!(verdict.dkim[0].result, AuthResult::Fail);
    assert_eq!(verdict.spf.result, AuthResult::Fail);
    assert_eq!((verdict.dmarc.result, verdict.dmarc.policy), (AuthResult::Fail, DmarcPolicy::Reject));
    assert_eq!(
        verdict.disposition(&Policy::default()),
        Disposition::Reject {
            code: 550,
            enhanced: "5.7.1",
            text: "Message rejected per DMARC policy of example.test".to_string(),
        }
    );
    assert!(verdict.authentication_results().contains("dkim=fail reason="));
}

#[tokio::test]
async fn spf_alone_passes_dmarc_when_aligned() {
    let world = World::empty().await;
    world.sender_domain("example.test", "-", Some("v=DMARC1; p=reject"));
    let verdict = world.receive(GOOD_IP, "bounce@example.test", &message("alice@example.test")).await;
    assert!(verdict.dkim.is_empty());
    assert_eq!(verdict.dmarc.result, AuthResult::Pass);
    assert!(verdict.authentication_results().contains("\tdkim=none;\r\n"));
}

#[tokio::test]
async fn relaxed_alignment_accepts_a_subdomain_and_strict_does_not() {
    let world = World::empty().await;
    world.sender_domain("relaxed.test", "-", Some("v=DMARC1; p=reject; adkim=r; aspf=r"));
    world.sender_domain("strict.test", "-", Some("v=DMARC1; p=reject; adkim=s; aspf=s"));
    world.dns.add_a("news.relaxed.test", GOOD_IP.parse().unwrap());
    world.dns.add_a("news.strict.test", GOOD_IP.parse().unwrap());

    // Signed by the parent domain, From: a subdomain; envelope from an unrelated, SPF-less domain.
    let relaxed = world.signed("relaxed.test", &message("alice@news.relaxed.test"));
    let verdict = world.receive(BAD_IP, "bounce@elsewhere.test", &relaxed).await;
    assert_eq!(verdict.dkim[0].result, AuthResult::Pass);
    assert_eq!(verdict.dmarc.result, AuthResult::Pass);
    assert_eq!(verdict.dmarc.header_from, "news.relaxed.test");

    let strict = world.signed("strict.test", &message("alice@news.strict.test"));
    let verdict = world.receive(BAD_IP, "bounce@elsewhere.test", &strict).await;
    assert_eq!(verdict.dkim[0].result, AuthResult::Pass);
    assert_eq!(verdict.dmarc.result, AuthResult::Fail);
    assert!(matches!(verdict.disposition(&Policy::default()), Disposition::Reject { code: 550, .. }));
}

#[tokio::test]
async fn quarantine_policy_sends_failing_mail_to_junk() {
    let world = World::empty().await;
    world.sender_domain("quarantine.test", "-", Some("v=DMARC1; p=quarantine"));
    let verdict = world.receive(BAD_IP, "alice@quarantine.test", &message("alice@quarantine.test")).await;
    assert_eq!((verdict.dmarc.result, verdict.dmarc.policy), (AuthResult::Fail, DmarcPolicy::Quarantine));
    assert_eq!(verdict.disposition(&Policy::default()), Disposition::Junk);
}

#[tokio::test]
async fn spf_fail_without_dmarc_follows_the_configured_action() {
    let world = World::empty().await;
    world.sender_domain("nodmarc.test", "-", None);
    let verdict = world.receive(BAD_IP, "alice@nodmarc.test", &message("alice@nodmarc.test")).await;
    assert_eq!(verdict.dmarc.result, AuthResult::None);
    assert_eq!(verdict.disposition(&Policy::default()), Disposition::Junk);
    let strict = Policy { spf_fail_without_dmarc: FailAction::Reject, ..Policy::default() };
    assert!(matches!(verdict.disposition(&strict), Disposition::Reject { enhanced: "5.7.23", .. }));
    let lenient = Policy { spf_fail_without_dmarc: FailAction::Deliver, ..Policy::default() };
    assert_eq!(verdict.disposition(&lenient), Disposition::Deliver);
}

#[tokio::test]
async fn dns_servfail_defers_instead_of_passing() {
    let world = World::empty().await;
    world.dns.fail("flaky.test");
    let verdict = world.receive(GOOD_IP, "alice@flaky.test", &message("alice@flaky.test")).await;
    assert_eq!(verdict.spf.result, AuthResult::TempError);
    assert!(matches!(
        verdict.disposition(&Policy::default()),
        Disposition::TempFail { code: 451, enhanced: "4.7.24", .. }
    ));

    // SPF fine, but the DMARC lookup fails: still deferred, with DMARC named.
    world.sender_domain("dmarcdown.test", "-", None);
    world.dns.fail("_dmarc.dmarcdown.test");
    let verdict = world.receive(GOOD_IP, "alice@dmarcdown.test", &message("alice@dmarcdown.test")).await;
    assert_eq!(verdict.spf.result, AuthResult::Pass);
    assert_eq!(verdict.dmarc.result, AuthResult::TempError);
    assert!(verdict.authentication_results().contains("dmarc=temperror"));
    let Disposition::TempFail { code: 451, text, .. } = verdict.disposition(&Policy::default()) else {
        panic!("expected a temporary failure");
    };
    assert!(text.contains("DMARC"), "{text}");
}

#[tokio::test]
async fn ed25519_second_signature_verifies_alongside_rsa() {
    let world = World::empty().await;
    world.sender_domain("example.test", "-", Some("v=DMARC1; p=reject"));
    world.keys.generate("example.test", Algorithm::Ed25519).unwrap();
    world.publish_keys("example.test");
    let signed = world.signed("example.test", &message("alice@example.test"));
    let verdict = world.receive(BAD_IP, "alice@example.test", &signed).await;
    let algorithms: Vec<_> = verdict.dkim.iter().map(|check| (check.algorithm, check.result)).collect();
    assert_eq!(
        algorithms,
        vec![(DkimAlgorithm::RsaSha256, AuthResult::Pass), (DkimAlgorithm::Ed25519Sha256, AuthResult::Pass)]
    );
    assert_eq!(verdict.dmarc.result, AuthResult::Pass);
}

#[tokio::test]
async fn unparsable_message_yields_none_not_a_crash() {
    let world = World::empty().await;
    let verdict = world.receive(GOOD_IP, "", b"\x00\xff no headers at all").await;
    assert!(verdict.dkim.is_empty());
    assert_eq!(verdict.dmarc.result, AuthResult::None);
    assert!(verdict.authentication_results().ends_with("arc=none\r\n"));
}

#[test]
fn forged_results_with_our_id_are_removed_and_others_kept() {
    let message = b"Received: from x\r\n\
        Authentication-Results: MX.Facteur.Test;\r\n\tspf=pass smtp.mailfrom=ceo@bank.test;\r\n\tdkim=pass\r\n\
        Authentication-Results: other.example; spf=fail\r\n\
        Authentication-Results: (comment) mx.facteur.test; dmarc=pass\r\n\
        Subject: hi\r\n\
        \r\n\
        Authentication-Results: mx.facteur.test; in the body, untouched\r\n";
    let stripped = strip_forged_results(message, AUTHSERV_ID);
    assert_eq!(
        String::from_utf8_lossy(&stripped),
        "Received: from x\r\n\
         Authentication-Results: other.example; spf=fail\r\n\
         Subject: hi\r\n\
         \r\n\
         Authentication-Results: mx.facteur.test; in the body, untouched\r\n"
    );
    let clean = b"Subject: nothing forged\r\n\r\nbody\r\n";
    assert!(matches!(strip_forged_results(clean, AUTHSERV_ID), std::borrow::Cow::Borrowed(_)));
}

#[tokio::test]
async fn hostile_signature_domain_cannot_inject_header_lines() {
    let world = World::empty().await;
    let evil = b"DKIM-Signature: v=1; a=rsa-sha256; d=evil.test\r\n X-Injected: yes; s=x; h=from; bh=AAAA; b=AAAA\r\n\
        From: a@evil.test\r\n\r\nbody\r\n";
    let verdict = world.receive(BAD_IP, "a@evil.test", evil).await;
    let header = verdict.authentication_results();
    assert_eq!(header.matches("\r\n").count(), header.matches("\r\n\t").count() + 1, "{header}");
    assert!(header.ends_with("\r\n"));
}

#[tokio::test]
async fn thousands_of_bogus_signatures_cost_at_most_ten_checks() {
    let world = World::empty().await;
    let mut flood = String::new();
    for n in 0..2000 {
        flood.push_str(&format!("DKIM-Signature: v=1; a=rsa-sha256; d=d{n}.test; s=s; h=from; bh=AAAA; b=AAAA\r\n"));
    }
    flood.push_str("From: a@flood.test\r\n\r\nbody\r\n");
    let verdict = world.receive(BAD_IP, "a@flood.test", flood.as_bytes()).await;
    assert_eq!(verdict.dkim.len(), 10);
}
