//! The listener over real loopback sockets: binding, limits, shutdown.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{EchoHandler, plain_client, start_server, wait_until};
use facteur_net::{ConnectionLimiter, Limits, Listener, ListenerError, TlsMode};
use facteur_testkit::in_process::{Fixture, TEST_LIMITS};
use tokio::net::TcpStream;

#[tokio::test]
async fn bind_on_port_zero_reports_the_real_port() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    assert_ne!(server.address.port(), 0);
    let mut client = plain_client(server.address).await;
    assert_eq!(client.line().await, "HELLO None\r\n");
}

#[tokio::test]
async fn binding_a_port_in_use_names_the_listener_and_address() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let tls = server.fixture.certificate.server_config();
    let limiter = ConnectionLimiter::new(&TEST_LIMITS);
    let error = Listener::bind("imap", server.address, TlsMode::Plain, tls, limiter).await.unwrap_err();
    assert!(matches!(error, ListenerError::Bind { .. }));
    let message = error.to_string();
    assert!(message.contains("imap") && message.contains(&server.address.to_string()), "{message}");
}

#[tokio::test]
async fn lines_are_echoed_with_their_exact_terminator() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    client.send(b"one\r\ntwo\nthree\r\n").await;
    assert_eq!(client.line().await, "ECHO one\r\n");
    assert_eq!(client.line().await, "ECHO two\n");
    assert_eq!(client.line().await, "ECHO three\r\n");
}

#[tokio::test]
async fn per_ip_limit_refuses_with_the_handlers_line_and_recovers() {
    let limits = Limits { max_connections_per_ip: 1, ..TEST_LIMITS };
    let server = start_server(TlsMode::Plain, limits).await;
    let mut first = plain_client(server.address).await;
    assert_eq!(first.line().await, "HELLO None\r\n");

    let mut second = plain_client(server.address).await;
    assert_eq!(second.line().await, "BUSY TooManyFromPeer\r\n");
    assert_eq!(second.line().await, "", "refused connection is closed");

    first.send(b"QUIT\r\n").await;
    assert_eq!(first.line().await, "BYE\r\n");
    wait_until(|| server.limiter.open_connections() == 0).await;
    let mut third = plain_client(server.address).await;
    assert_eq!(third.line().await, "HELLO None\r\n");
}

#[tokio::test]
async fn server_wide_limit_refuses_as_busy() {
    let limits = Limits { max_connections: 1, ..TEST_LIMITS };
    let server = start_server(TlsMode::Plain, limits).await;
    let mut first = plain_client(server.address).await;
    first.line().await;
    let mut second = plain_client(server.address).await;
    assert_eq!(second.line().await, "BUSY ServerBusy\r\n");
}

#[tokio::test]
async fn shutdown_stops_accepting_and_lets_sessions_say_goodbye() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;

    server.fixture.shut_down();
    assert_eq!(client.line().await, "SHUTDOWN\r\n");
    tokio::time::timeout(Duration::from_secs(5), server.task).await.expect("listener stopped").unwrap();
    let refused = TcpStream::connect(server.address).await;
    assert!(refused.is_err(), "port still accepting after shutdown");
    assert_eq!(server.limiter.open_connections(), 0);
}

#[tokio::test]
async fn ending_the_grace_period_aborts_sessions_that_ignore_shutdown() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    client.send(b"HANG\r\n").await;
    assert_eq!(client.line().await, "HANGING\r\n");

    server.fixture.shut_down();
    let mut serving = server.task;
    let grace = tokio::time::timeout(Duration::from_millis(300), &mut serving).await;
    assert!(grace.is_err(), "serve returned while a session was still running");
    serving.abort();
    let rest = client.read_to_end().await;
    assert!(rest.is_empty(), "aborted session wrote {rest:?}");
    wait_until(|| server.limiter.open_connections() == 0).await;
}

#[tokio::test]
async fn a_plain_watch_receiver_works_as_the_shutdown_signal() {
    let fixture = Fixture::new().await;
    let listener = fixture.listen(TlsMode::Plain, TEST_LIMITS).await;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let serving = tokio::spawn(listener.serve(Arc::new(EchoHandler), stopping));
    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), serving).await.expect("listener stopped").unwrap();
}
