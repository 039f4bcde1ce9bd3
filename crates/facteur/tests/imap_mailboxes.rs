//! IMAP mailbox commands against the real binary with Python's imaplib, including the special-folder names.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use facteur_testkit::TestServer;

mod common;

use common::imap::{ALICE, run_script, server};

fn run(server: &TestServer, scenario: &str) {
    run_script(server, "imap_mailboxes.py", scenario);
}

#[test]
fn folders_are_listed_created_renamed_and_deleted() {
    let server = server();
    run(&server, "folders");
}

#[test]
fn outlook_and_thunderbird_names_of_sent_and_trash_land_in_the_one_mailbox() {
    let server = server();
    run(&server, "special_folder_names");
    assert_eq!(server.messages(ALICE, "Sent").len(), 2);
    assert_eq!(server.messages(ALICE, "Trash").len(), 1);
}

#[test]
fn subscriptions_are_names_that_outlive_their_mailboxes() {
    let server = server();
    run(&server, "subscriptions");
}

#[test]
fn the_operators_quota_is_reported_and_enforced() {
    let server = server();
    let set = server.cli(&["account", "quota", ALICE, "4K"], None);
    assert!(set.success(), "{set:?}");
    run(&server, "quota");
}
