//! Fuzzes the command reader: arbitrary bytes, split into arbitrary chunks, with a session
//! that sometimes rejects APPENDs and reads raw lines. Run with
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run command_parser` from the crate directory.
#![no_main]

use facteur_imap_proto::{CommandBody, CommandReader, Event, Limits, NameEncoding, NonSyncLiterals};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_line: 2048,
        max_command: 8192,
        max_literal: 4096,
        max_append: 16384,
        max_literals: 8,
        max_set_ranges: 64,
        max_list_items: 64,
        max_search_depth: 8,
        non_sync_literals: if control & 1 == 0 { NonSyncLiterals::Plus } else { NonSyncLiterals::Minus },
    };
    let bound = limits.max_command + limits.max_line + 2 * 256 + 64;
    let mut reader = CommandReader::new(limits);
    if control & 2 != 0 {
        reader.set_name_encoding(NameEncoding::Utf8);
    }
    let chunk = 1 + usize::from(control >> 2) * 4;
    for piece in input.chunks(chunk) {
        reader.push(piece);
        loop {
            match reader.next_event() {
                Ok(Event::NeedMore) => break,
                Ok(Event::AppendStart(start)) if start.literal_len % 3 == 0 => reader.reject_append(),
                Ok(Event::Command(c)) if c.body == CommandBody::Idle => {
                    let _ = reader.next_line();
                }
                Ok(Event::AppendData(d)) => assert!(!d.is_empty()),
                _ => {}
            }
            assert!(reader.held_bytes() <= bound);
        }
    }
});
