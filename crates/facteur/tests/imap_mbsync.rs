//! mbsync (isync), a real synchronising client, against the real binary: flags and deletions both ways.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use facteur_testkit::TestServer;

mod common;

use common::imap::{ALICE, run_script, server};

fn run(server: &TestServer, scenario: &str) {
    run_script(server, "imap_mbsync.py", scenario);
}

#[test]
fn mbsync_two_way_sync_carries_flags_and_deletions_both_ways() {
    let server = server();
    run(&server, "two_way_sync");
    assert_eq!(server.messages(ALICE, "INBOX").len(), 2);
}
