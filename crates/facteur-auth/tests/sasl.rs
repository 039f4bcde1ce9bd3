//! SASL exchanges as a protocol crate drives them: start, feed lines, read steps.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use facteur_auth::{Credentials, Mechanism, PasswordMechanism, SaslError, SaslExchange, Step};

fn b64(bytes: &[u8]) -> Vec<u8> {
    STANDARD.encode(bytes).into_bytes()
}

fn done(authcid: &str, password: &str) -> Step {
    Step::Done(Credentials { authcid: authcid.into(), password: password.into() })
}

fn plain_with_initial_response(message: &[u8]) -> Step {
    SaslExchange::start(PasswordMechanism::Plain, Some(&b64(message))).1
}

#[test]
fn mechanism_names_parse_case_insensitively() {
    assert_eq!(Mechanism::from_name("PLAIN"), Some(Mechanism::Plain));
    assert_eq!(Mechanism::from_name("plain"), Some(Mechanism::Plain));
    assert_eq!(Mechanism::from_name("LoGiN"), Some(Mechanism::Login));
    assert_eq!(Mechanism::from_name("CRAM-MD5"), None);
    assert_eq!(Mechanism::from_name(""), None);
    assert_eq!(Mechanism::Login.name(), "LOGIN");
}

#[test]
fn plain_rfc4616_example_decodes() {
    // RFC 4616 §4, first example.
    let (exchange, step) = SaslExchange::start(PasswordMechanism::Plain, Some(b"AHRpbQB0YW5zdGFhZnRhbnN0YWFm"));
    assert_eq!(step, done("tim", "tanstaaftanstaaf"));
    assert!(exchange.is_finished());
}

#[test]
fn plain_rfc4616_proxy_example_is_refused() {
    // RFC 4616 §4, second example: Ursel authenticates as Kurt to act as Ursel.
    assert_eq!(
        plain_with_initial_response(b"Ursel\0Kurt\0xipj3plmq"),
        Step::Failed(SaslError::ProxyAuthorizationUnsupported)
    );
}

#[test]
fn plain_authzid_equal_to_authcid_is_accepted() {
    assert_eq!(plain_with_initial_response(b"tim\0tim\0pw"), done("tim", "pw"));
}

#[test]
fn plain_without_initial_response_sends_an_empty_challenge() {
    let (mut exchange, step) = SaslExchange::start(PasswordMechanism::Plain, None);
    assert_eq!(step, Step::Challenge(String::new()));
    assert!(!exchange.is_finished());
    assert_eq!(exchange.respond(&b64(b"\0alice@example.org\0s3cret")), done("alice@example.org", "s3cret"));
}

#[test]
fn plain_password_may_contain_spaces_and_non_ascii() {
    assert_eq!(plain_with_initial_response("\0anne\0mot de passe é".as_bytes()), done("anne", "mot de passe é"));
}

#[test]
fn plain_malformed_messages_fail_with_the_reason() {
    let cases: [(&[u8], SaslError); 7] = [
        (b"\0\0pw", SaslError::EmptyAuthcid),
        (b"\0tim\0", SaslError::EmptyPassword),
        (b"tim\0pw", SaslError::MalformedPlain),
        (b"no nul at all", SaslError::MalformedPlain),
        (b"", SaslError::MalformedPlain),
        (b"\0tim\0pw\0extra", SaslError::NulInField),
        (b"\0t\xffm\0pw", SaslError::NotUtf8),
    ];
    for (message, expected) in cases {
        assert_eq!(plain_with_initial_response(message), Step::Failed(expected), "{message:?}");
    }
}

#[test]
fn equals_sign_is_an_empty_initial_response_not_an_absent_one() {
    // RFC 4954 §4: "=" is a zero-length response; an empty PLAIN message is malformed.
    let (_, step) = SaslExchange::start(PasswordMechanism::Plain, Some(b"="));
    assert_eq!(step, Step::Failed(SaslError::MalformedPlain));
}

#[test]
fn bad_base64_fails() {
    for bad in [&b"not base64!"[..], b"AHRpbQ*0", b"\xff\xfe"] {
        assert_eq!(SaslExchange::start(PasswordMechanism::Plain, Some(bad)).1, Step::Failed(SaslError::BadBase64));
    }
}

#[test]
fn missing_padding_is_tolerated() {
    // "\0a\0bc" encodes to "AGEAYmM=", sent without its '='.
    assert_eq!(SaslExchange::start(PasswordMechanism::Plain, Some(b"AGEAYmM")).1, done("a", "bc"));
}

#[test]
fn over_long_response_is_refused_before_decoding() {
    let huge = b64(&[b'a'; 4096]);
    assert_eq!(SaslExchange::start(PasswordMechanism::Plain, Some(&huge)).1, Step::Failed(SaslError::TooLong));
    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Login, None);
    assert_eq!(exchange.respond(&huge), Step::Failed(SaslError::TooLong));
}

#[test]
fn star_cancels_the_exchange() {
    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Plain, None);
    assert_eq!(exchange.respond(b"*"), Step::Cancelled);
    assert!(exchange.is_finished());
    assert_eq!(exchange.respond(&b64(b"\0a\0b")), Step::Failed(SaslError::Finished));
}

#[test]
fn login_asks_username_then_password() {
    let (mut exchange, step) = SaslExchange::start(PasswordMechanism::Login, None);
    assert_eq!(step, Step::Challenge(STANDARD.encode("Username:")));
    assert_eq!(exchange.respond(&b64(b"bob@example.org")), Step::Challenge(STANDARD.encode("Password:")));
    assert_eq!(exchange.respond(&b64(b"p4ss")), done("bob@example.org", "p4ss"));
    assert!(exchange.is_finished());
}

#[test]
fn login_accepts_the_username_as_initial_response() {
    let (mut exchange, step) = SaslExchange::start(PasswordMechanism::Login, Some(&b64(b"bob")));
    assert_eq!(step, Step::Challenge(STANDARD.encode("Password:")));
    assert_eq!(exchange.respond(&b64(b"p4ss")), done("bob", "p4ss"));
}

#[test]
fn login_can_be_cancelled_at_the_password_prompt() {
    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Login, None);
    exchange.respond(&b64(b"bob"));
    assert_eq!(exchange.respond(b"*"), Step::Cancelled);
}

#[test]
fn login_malformed_answers_fail() {
    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Login, None);
    assert_eq!(exchange.respond(b""), Step::Failed(SaslError::EmptyAuthcid));

    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Login, None);
    exchange.respond(&b64(b"bob"));
    assert_eq!(exchange.respond(b""), Step::Failed(SaslError::EmptyPassword));

    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Login, None);
    assert_eq!(exchange.respond(&b64(b"b\0b")), Step::Failed(SaslError::NulInField));

    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Login, None);
    exchange.respond(&b64(b"bob"));
    assert_eq!(exchange.respond(b"%%%"), Step::Failed(SaslError::BadBase64));
    assert!(exchange.is_finished());
}

#[test]
fn trailing_line_ending_is_ignored() {
    let (mut exchange, _) = SaslExchange::start(PasswordMechanism::Plain, None);
    let mut line = b64(b"\0a\0b");
    line.extend_from_slice(b"\r\n");
    assert_eq!(exchange.respond(&line), done("a", "b"));
}
