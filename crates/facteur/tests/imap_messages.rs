//! IMAP message commands against the real binary with Python's imaplib.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use facteur_testkit::TestServer;

mod common;

use common::imap::{ALICE, run_script, server};

fn run(server: &TestServer, scenario: &str) {
    run_script(server, "imap_messages.py", scenario);
}

#[test]
fn append_then_fetch_envelope_structure_and_sections() {
    let server = server();
    run(&server, "fetch_family");
}

#[test]
fn store_search_copy_move_and_expunge() {
    let server = server();
    run(&server, "store_search_copy_move");
    assert_eq!(server.messages(ALICE, "INBOX").len(), 1);
    assert_eq!(server.messages(ALICE, "Archive").len(), 1);
}

#[test]
fn a_binary_append_is_stored_as_base64_and_fetched_back_as_binary() {
    let server = server();
    run(&server, "binary_append");
}

#[test]
fn sort_and_thread_order_and_group_the_mailbox() {
    let server = server();
    run(&server, "sort_and_thread");
}
