//! Bad input and limits: long lines, error counts, idle timeout, shutdown. None of them deletes anything.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{message, start};
use facteur_net::TlsMode;
use facteur_testkit::in_process::ALICE;

#[tokio::test]
async fn an_overlong_line_is_refused_and_the_session_goes_on() {
    let server = start(TlsMode::Plain, |_| {}).await;
    let mut client = server.connect().await;
    client.send(format!("USER {}\r\n", "a".repeat(10_000))).await;
    assert!(client.line().await.starts_with("-ERR Command line too long"));
    client.expect("CAPA", "+OK").await;
}

#[tokio::test]
async fn garbage_is_answered_with_err_and_too_much_of_it_closes_the_session() {
    let server = start(TlsMode::Plain, |settings| settings.max_errors = 4).await;
    let mut client = server.connect().await;
    client.send(b"\xff\xfe\x00garbage\r\n").await;
    assert!(client.line().await.starts_with("-ERR"));
    client.expect("XYZZY", "-ERR unknown command").await;
    client.expect("RETR", "-ERR").await;
    client.expect("", "-ERR").await;
    assert!(client.line().await.starts_with("-ERR Too many bad commands"));
    assert!(client.is_closed().await);
}

#[tokio::test]
async fn an_idle_session_is_logged_out_without_deleting() {
    let server = start(TlsMode::Plain, |settings| settings.idle_timeout = Duration::from_millis(300)).await;
    server.deliver(ALICE, &message("stay", "x")).await;
    let mut client = server.login(ALICE).await;
    client.expect("DELE 1", "+OK").await;
    let farewell = client.line().await;
    assert!(farewell.starts_with("-ERR") && farewell.contains("idle"), "{farewell:?}");
    assert!(client.is_closed().await);
    assert_eq!(server.inbox(ALICE).await.len(), 1);
}

#[tokio::test]
async fn shutdown_ends_sessions_without_deleting() {
    let server = start(TlsMode::Plain, |_| {}).await;
    server.deliver(ALICE, &message("stay", "x")).await;
    let mut client = server.login(ALICE).await;
    client.expect("DELE 1", "+OK").await;
    server.fixture.shut_down();
    assert!(client.line().await.starts_with("-ERR [SYS/TEMP]"));
    assert!(client.is_closed().await);
    assert_eq!(server.inbox(ALICE).await.len(), 1);
}

#[tokio::test]
async fn repeated_login_failures_are_slowed_down() {
    let server = start(TlsMode::Plain, |settings| settings.max_errors = 100).await;
    let mut client = server.connect().await;
    let started = std::time::Instant::now();
    for _ in 0..5 {
        client.expect(&format!("USER {ALICE}"), "+OK").await;
        client.expect("PASS guess", "-ERR [AUTH]").await;
    }
    // Three free failures, then 1 s, then 2 s (the throttle's default curve).
    assert!(started.elapsed() >= Duration::from_secs(1), "{:?}", started.elapsed());
}
