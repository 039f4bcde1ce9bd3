//! A JMAP request body from a hostile client: parsed, its result references resolved, its Email create
//! objects built into messages (see `facteur_jmap::fuzzing`). Must never panic, hang or grow without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    facteur_jmap::fuzzing::request(data);
});
