//! The spam checks on hostile mail (crates/facteur-spam): every content rule, the link scan, the classifier's
//! tokens, the removal of forged verdict fields and the header fields we write must hold on any message.
#![no_main]

use facteur_spam::content::{self, MAX_LINK_DOMAINS};
use facteur_spam::{Thresholds, Verdict, bayes, strip_our_fields, training};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|raw: &[u8]| {
    let summary = facteur_message::ingest(raw);
    let local_domains = ["example.com".to_owned()];
    let facts = content::Facts { raw, summary: &summary, now: 1_796_644_800, local_domains: &local_domains };
    let reasons = content::check(&facts);

    let domains = content::link_domains(raw, &summary);
    assert!(domains.len() <= MAX_LINK_DOMAINS);
    for domain in &domains {
        // What is asked of DNS lists: a plausible name, never a way to write another query.
        assert!(domain.len() <= 253 && domain.contains('.'), "{domain:?}");
        assert!(domain.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'));
    }

    let tokens = bayes::tokens(raw, &summary);
    assert!(tokens.len() <= bayes::MAX_TOKENS);
    assert!(tokens.windows(2).all(|pair| pair[0] < pair[1]), "distinct and sorted");
    assert_eq!(training::digest(raw, &summary).len(), 64);

    // Our header fields: whatever the reasons quote of the message, every line is ours or a continuation.
    let verdict = Verdict { reasons, known_correspondent: None, decided: None };
    let fields = verdict.header_fields(&Thresholds::default(), "mx.example.com");
    assert!(fields.ends_with("\r\n"));
    for line in fields.split("\r\n").filter(|line| !line.is_empty()) {
        assert!(line.starts_with("X-Spam-") || line.starts_with('\t'), "{line:?}");
        assert!(line.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)), "{line:?}");
    }

    // A sender's verdict fields are gone from the header, and nothing else changed length but them.
    let stripped = strip_our_fields(raw);
    let header = &stripped[..facteur_message::header_length(&stripped)];
    let ours = |field: &facteur_message::HeaderField<'_>| facteur_spam::OUR_FIELDS.iter().any(|name| field.name_is(name));
    assert!(!facteur_message::header_fields(header).any(|field| ours(&field)));
    assert!(stripped.len() <= raw.len());
    assert!(raw.ends_with(&stripped[facteur_message::header_length(&stripped)..]));
});
