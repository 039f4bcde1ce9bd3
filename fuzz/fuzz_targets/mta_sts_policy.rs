//! What a recipient domain's DNS and HTTPS server say about MTA-STS (RFC 8461), from anyone: the TXT
//! records and the policy file. Must never panic; a policy read is within the RFC's bounds.
#![no_main]

use facteur_delivery::mta_sts::{MAX_AGE_LIMIT, Mode, parse_policy, sts_record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let records: Vec<String> = text.split('\n').map(str::to_owned).collect();
    if let Some(record) = sts_record(&records) {
        assert!((1..=32).contains(&record.id.len()) && record.id.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    if let Ok(policy) = parse_policy(data) {
        assert!(policy.max_age <= MAX_AGE_LIMIT);
        assert!(policy.mode == Mode::None || !policy.mx.is_empty());
        for host in records.iter().take(4) {
            let _ = policy.names_mx(host);
        }
    }
});
