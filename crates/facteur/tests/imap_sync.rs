//! Two IMAP sessions on one mailbox against the real binary, and IDLE woken by an SMTP delivery.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use facteur_testkit::TestServer;

mod common;

use common::imap::{ALICE, run_script, server};

fn run(server: &TestServer, scenario: &str) {
    run_script(server, "imap_sync.py", scenario);
}

#[test]
fn flags_and_expunges_of_one_device_reach_the_other_at_the_right_time() {
    let server = server();
    run(&server, "flags_and_expunge_between_sessions");
}

#[test]
fn idle_is_woken_by_mail_arriving_over_smtp() {
    let server = server();
    run(&server, "idle_wakes_on_smtp_delivery");
    assert_eq!(server.messages(ALICE, "INBOX").len(), 1);
}
