//! A resolver's answer to a TLSA query (RFC 7672), from the network: decoded by hickory, read by DANE. Must
//! never panic; only usable records (DANE-TA or DANE-EE, known selector and matching type) come out.
#![no_main]

use facteur_delivery::dane::{TlsaAnswer, read_tlsa_answer};
use hickory_resolver::proto::op::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::from_vec(data) else { return };
    if let TlsaAnswer::Secure(records) = read_tlsa_answer(&message) {
        assert!(message.metadata.authentic_data);
        assert!(records.iter().all(|record| record.is_usable()));
    }
});
