//! offlineimap3, a second real synchronising client, against the real binary: flags, deletions and new mail
//! both ways.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::imap::{ALICE, run_script, server};

#[test]
fn offlineimap_two_way_sync_carries_flags_and_deletions_both_ways() {
    let server = server();
    run_script(&server, "imap_offlineimap.py", "two_way_sync");
    let inbox = server.messages(ALICE, "INBOX");
    assert_eq!(inbox.len(), 2, "remote 0 and 1 went, remote 2 and the local one stay");
}
