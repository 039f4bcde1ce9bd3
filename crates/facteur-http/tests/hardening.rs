//! Limits that protect the listener: unknown paths, oversized bodies, slow clients, connection limits,
//! shutdown.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{HOSTNAME, TIMEOUTS, TestServer, clients_available, curl};
use facteur_net::{ConnectionLimiter, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection; how long that took.
async fn time_until_closed(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut buffer = [0u8; 4096];
    let closing = async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), closing).await.expect("the server never closed the connection");
    started.elapsed()
}

fn assert_cut_by(timeout: Duration, elapsed: Duration) {
    assert!(elapsed >= timeout - Duration::from_millis(100), "closed after {elapsed:?}, before the timeout");
    assert!(elapsed < timeout + Duration::from_secs(2), "closed after {elapsed:?}, long after the timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_client_is_cut_off_by_the_tls_handshake_timeout() {
    let server = TestServer::start().await;
    let mut stream = TcpStream::connect(server.https).await.unwrap();
    assert_cut_by(TIMEOUTS.handshake, time_until_closed(&mut stream).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_client_is_cut_off_by_the_header_timeout() {
    let server = TestServer::start().await;
    let mut stream = TcpStream::connect(server.ops).await.unwrap();
    assert_cut_by(TIMEOUTS.header_read, time_until_closed(&mut stream).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_trickling_headers_is_cut_off() {
    let server = TestServer::start().await;
    let mut stream = TcpStream::connect(server.ops).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    assert_cut_by(TIMEOUTS.header_read, time_until_closed(&mut stream).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connection_is_closed() {
    let server = TestServer::start().await;
    let mut stream = TcpStream::connect(server.ops).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut response = [0u8; 512];
    let read = stream.read(&mut response).await.unwrap();
    assert!(response[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&response[..read]));
    assert_cut_by(TIMEOUTS.header_read, time_until_closed(&mut stream).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_body_gets_413() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.xml");
    std::fs::write(&body, vec![b'x'; facteur_http::MAX_REQUEST_BODY + 1]).unwrap();
    for extra_header in ["X-Nothing: 1", "Transfer-Encoding: chunked"] {
        let mut args = vec!["-H".into(), extra_header.into(), "--data-binary".into(), format!("@{}", body.display())];
        args.extend(server.https_url("autodiscover.example.com", "/autodiscover/autodiscover.xml"));
        assert_eq!(curl(args).await.status, 413, "{extra_header}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_headers_are_refused() {
    let server = TestServer::start().await;
    let mut stream = TcpStream::connect(server.ops).await.unwrap();
    let request = format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(64 * 1024));
    // The server may stop reading (and close) before all of it is written.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut response)).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 431"), "{response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_and_directories_are_404_and_nothing_is_sniffed() {
    if !clients_available() {
        return;
    }
    let server = TestServer::start().await;
    for path in ["/", "/.well-known/", "/.well-known/autoconfig/", "/apple/", "/../etc/passwd", "/index.html"] {
        let fetched = curl(server.https_url(HOSTNAME, path)).await;
        assert_eq!(fetched.status, 404, "{path}");
    }
    let fetched = curl(server.https_url("mta-sts.example.com", "/.well-known/mta-sts.txt")).await;
    assert!(fetched.head.contains("x-content-type-options: nosniff"), "{}", fetched.head);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_per_client_limit_are_closed_at_once() {
    let limits = Limits { max_connections_per_ip: 1, ..Limits::default() };
    let discovery = common::discovery(facteur_http::MtaStsMode::Enforce);
    let server = TestServer::start_with(discovery, Some(ConnectionLimiter::new(&limits))).await;
    let mut first = TcpStream::connect(server.https).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut second = TcpStream::connect(server.https).await.unwrap();
    assert!(time_until_closed(&mut second).await < Duration::from_millis(500));
    // The first one is still held to its own (handshake) timeout.
    assert_cut_by(TIMEOUTS.handshake - Duration::from_millis(100), time_until_closed(&mut first).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_idle_connections_and_stops_accepting() {
    let server = TestServer::start().await;
    let mut idle = TcpStream::connect(server.ops).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut response = [0u8; 512];
    assert!(idle.read(&mut response).await.unwrap() > 0);

    server.fixture.shut_down();
    for task in server.tasks {
        tokio::time::timeout(Duration::from_millis(900), task).await.expect("serve did not return").unwrap();
    }
    assert!(time_until_closed(&mut idle).await < Duration::from_millis(100));
    assert!(TcpStream::connect(server.ops).await.is_err(), "still accepting after shutdown");
}
