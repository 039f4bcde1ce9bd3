//! Fuzzes SCRAM's client messages (`facteur_auth::scram`, RFC 5802 §7) as a client sends them: the first line
//! is the client's first message, the second its final message; the first byte picks the mechanism
//! (SCRAM-SHA-256 or -PLUS) and whether the connection has a `tls-exporter` binding.
//!
//! What must hold:
//! - nothing panics, whatever the bytes;
//! - a parsed first message has a non-empty user and nonce; written back (`=2C`, `=3D`) with its header it
//!   parses to the same value;
//! - the channel binding rule (RFC 5802 §6, RFC 9266): -PLUS accepts only `p=tls-exporter`, and only with a
//!   binding; SCRAM-SHA-256 never accepts `p=`, nor `y` where -PLUS is offered;
//! - a parsed final message's signed part is a prefix of the message, its proof 32 bytes;
//! - no final message made of these bytes authenticates against a verifier of a password it does not know.
//!
//! Run with `cargo fuzz run --sanitizer none scram_messages` from `crates/facteur-auth` (see docs/fuzzing.md).
#![no_main]

use std::sync::OnceLock;

use facteur_auth::scram::{BindingFlag, ChannelBinding, ClientFinal, ClientFirst, ScramServer, TLS_EXPORTER};
use facteur_auth::ScramVerifier;
use libfuzzer_sys::fuzz_target;

/// `sasl::MAX_RESPONSE_LEN`: what a client message may decode to, at most.
const MAX_MESSAGE: usize = 2048;

const EXPORTER: [u8; 32] = [0x5a; 32];

fn verifier() -> ScramVerifier {
    static VERIFIER: OnceLock<ScramVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| ScramVerifier::derive("a password the fuzzer does not know", b"fuzz salt", 4096)).clone()
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let binding = ChannelBinding {
        plus: selector & 1 == 1,
        tls_exporter: (selector & 2 == 2).then_some(&EXPORTER),
    };
    let mut messages = rest.splitn(2, |&byte| byte == b'\n');
    let first = messages.next().unwrap_or_default();
    let last = messages.next().unwrap_or_default();
    if first.len() > MAX_MESSAGE || last.len() > MAX_MESSAGE {
        return;
    }
    let (Ok(first), Ok(last)) = (std::str::from_utf8(first), std::str::from_utf8(last)) else { return };
    if let Ok(parsed) = ClientFinal::parse(last) {
        assert!(last.starts_with(parsed.without_proof));
        assert_eq!(parsed.proof.len(), 32);
    }
    let Ok(client_first) = ClientFirst::parse(first) else { return };
    check_first(&client_first, first);
    let accepted = binding.data_for(&client_first.binding);
    assert_eq!(accepted.is_ok(), acceptable(&binding, &client_first.binding), "{client_first:?} on {binding:?}");
    let Ok(binding_data) = accepted else { return };
    let expected: &[u8] = if binding.plus { &EXPORTER } else { &[] };
    assert_eq!(binding_data, expected);
    let server = ScramServer::new(client_first, verifier(), "fuzzserver", &binding_data);
    assert!(server.client_final(last).is_err(), "authenticated without the password: {last:?}");
});

fn check_first(parsed: &ClientFirst, message: &str) {
    assert!(!parsed.username.is_empty());
    let (header, bare) = split_header(message);
    let nonce = bare.split(',').nth(1).and_then(|field| field.strip_prefix("r=")).expect("a parsed message has r=");
    assert!(!nonce.is_empty());
    let escaped = parsed.username.replace('=', "=3D").replace(',', "=2C");
    let rest = bare.splitn(3, ',').nth(2).map(|extensions| format!(",{extensions}")).unwrap_or_default();
    let rewritten = format!("{header}n={escaped},r={nonce}{rest}");
    assert_eq!(ClientFirst::parse(&rewritten).as_ref(), Ok(parsed), "{message:?} rewritten as {rewritten:?}");
}

/// The gs2 header (flag and authzid, with their commas) and the bare message.
fn split_header(message: &str) -> (&str, &str) {
    let flag_end = message.find(',').expect("a parsed message has a gs2 header");
    let authzid_end = flag_end + 1 + message[flag_end + 1..].find(',').expect("and an authzid field");
    message.split_at(authzid_end + 1)
}

/// RFC 5802 §6, RFC 9266: the one binding we take is tls-exporter on -PLUS where the connection has it; the
/// plain mechanism takes `n`, and `y` only where -PLUS is not offered (else it is a downgrade).
fn acceptable(binding: &ChannelBinding<'_>, flag: &BindingFlag) -> bool {
    match flag {
        BindingFlag::Binding(name) => binding.plus && name == TLS_EXPORTER && binding.tls_exporter.is_some(),
        BindingFlag::NotOffered => !binding.plus && binding.tls_exporter.is_none(),
        BindingFlag::Unsupported => !binding.plus,
    }
}
