//! IMAP sessions against the real binary with Python's imaplib: STARTTLS, LOGINDISABLED, LOGIN, AUTHENTICATE.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use facteur_testkit::TestServer;

mod common;

use common::imap::{run_script, server};

fn run(server: &TestServer, scenario: &str) {
    run_script(server, "imap_session.py", scenario);
}

#[test]
fn starttls_is_required_before_login_on_the_plain_port() {
    let server = server();
    run(&server, "starttls_then_login");
}

#[test]
fn authenticate_plain_works_and_wrong_passwords_are_refused() {
    let server = server();
    run(&server, "authenticate_plain");
}

#[test]
fn capabilities_after_login_no_longer_offer_authentication() {
    let server = server();
    run(&server, "capabilities_after_login");
}

#[test]
fn compress_deflate_carries_commands_and_responses_both_ways() {
    let server = server();
    run(&server, "compress_deflate");
}
