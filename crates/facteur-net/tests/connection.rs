//! Connection reads and the STARTTLS upgrade, over real loopback sockets.

mod common;

use std::time::{Duration, Instant};

use common::{MAX_LINE, plain_client, start_server, wait_until};
use facteur_net::{Limits, TlsMode};
use facteur_testkit::client_config_trusting_with_versions;
use facteur_testkit::in_process::TEST_LIMITS;

#[tokio::test]
async fn over_long_line_is_reported_and_the_next_line_still_works() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    let mut input = vec![b'a'; MAX_LINE];
    input.extend_from_slice(b"\r\nPING\r\n");
    client.send(&input).await;
    assert_eq!(client.line().await, "ERR too long\r\n");
    assert_eq!(client.line().await, "ECHO PING\r\n");
}

#[tokio::test]
async fn line_of_exactly_the_limit_is_accepted() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    let mut input = vec![b'b'; MAX_LINE - 2];
    input.extend_from_slice(b"\r\n");
    client.send(&input).await;
    assert_eq!(client.line().await, format!("ECHO {}", String::from_utf8(input).unwrap()));
}

#[tokio::test]
async fn a_megabyte_line_is_skipped_in_pieces() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    for _ in 0..16 {
        client.send(&[b'x'; 64 * 1024]).await;
    }
    client.send(b"\r\nPING\r\n").await;
    assert_eq!(client.line().await, "ERR too long\r\n");
    assert_eq!(client.line().await, "ECHO PING\r\n");
}

#[tokio::test]
async fn exact_reads_take_buffered_bytes_first_then_lines_resume() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    // Literal and the next command in one segment, as pipelining clients send them.
    client.send(b"LITERAL 5\r\nhelloPING\r\n").await;
    assert_eq!(client.line().await, "GOT hello\r\n");
    assert_eq!(client.line().await, "ECHO PING\r\n");
    // A literal arriving later than its announcement.
    client.send(b"LITERAL 3\r\n").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.send(b"abc").await;
    assert_eq!(client.line().await, "GOT abc\r\n");
}

#[tokio::test]
async fn idle_timeout_fires() {
    let limits = Limits { idle_timeout: Duration::from_millis(200), ..TEST_LIMITS };
    let server = start_server(TlsMode::Plain, limits).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    let started = Instant::now();
    assert_eq!(client.line().await, "TIMEOUT\r\n");
    assert!(started.elapsed() >= Duration::from_millis(150), "fired after {:?}", started.elapsed());
    assert_eq!(client.line().await, "");
}

#[tokio::test]
async fn a_client_trickling_bytes_is_cut_when_the_whole_line_is_late() {
    // RFC 5321 §4.5.3.2: a timeout covers a command, not one read. Each byte here comes well within the
    // limit, but the line as a whole does not.
    let limits = Limits { idle_timeout: Duration::from_millis(600), ..TEST_LIMITS };
    let server = start_server(TlsMode::Plain, limits).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    let started = Instant::now();
    let trickle = async {
        // Past the deadline the server has closed: later writes may fail, which is the point.
        for _ in 0..6 {
            let _ = client.try_send(b"x").await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    trickle.await;
    assert_eq!(client.line().await, "TIMEOUT\r\n");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(550) && elapsed < Duration::from_millis(1500), "cut after {elapsed:?}");
}

#[tokio::test]
async fn an_over_long_line_is_refused_before_its_end_arrives() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    client.send(&[b'z'; MAX_LINE + 1]).await;
    assert_eq!(client.line().await, "ERR too long\r\n");
    client.send(&[b'z'; 10 * MAX_LINE]).await;
    client.send(b"\r\nPING\r\n").await;
    assert_eq!(client.line().await, "ECHO PING\r\n");
}

#[tokio::test]
async fn starttls_discards_bytes_pipelined_before_the_handshake() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    assert_eq!(client.line().await, "HELLO None\r\n");

    // CVE-2011-0411: an attacker appends a command to the STARTTLS line.
    client.send(b"STARTTLS\r\nINJECTED\r\n").await;
    assert_eq!(client.line().await, "220 go\r\n");

    // The client checks that nothing followed the go-ahead before the handshake.
    let tls = client_config_trusting_with_versions(&server.fixture.certificate.cert, &[&rustls::version::TLS13]);
    let mut client = client.starttls(tls).await;
    assert_eq!(client.line().await, "DISCARDED 10\r\n");
    client.send(b"PING\r\n").await;
    assert_eq!(client.line().await, "ECHO PING\r\n", "the injected line must never be seen");
    // Once upgraded, STARTTLS is no longer on offer.
    client.send(b"STARTTLS\r\n").await;
    assert_eq!(client.line().await, "ERR no TLS\r\n");
}

#[tokio::test]
async fn starttls_with_garbage_instead_of_a_handshake_ends_the_session() {
    let server = start_server(TlsMode::Plain, TEST_LIMITS).await;
    let mut client = plain_client(server.address).await;
    client.line().await;
    client.send(b"STARTTLS\r\n").await;
    assert_eq!(client.line().await, "220 go\r\n");
    client.send(b"NOT A TLS RECORD\r\n").await;
    let rest = client.line().await;
    assert!(!rest.contains("ECHO"), "plaintext after STARTTLS was processed: {rest:?}");
    wait_until(|| server.limiter.open_connections() == 0).await;
}
