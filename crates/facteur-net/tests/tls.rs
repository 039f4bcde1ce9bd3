//! TLS configuration from files and implicit-TLS sessions.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::fs::PermissionsExt;

use common::start_server;
use facteur_net::{Limits, TlsError, TlsMode, generate_self_signed, server_config};
use facteur_testkit::client_config_trusting_with_versions;
use facteur_testkit::in_process::{LineClient, LocalhostCertificate, ReplyShape, TEST_LIMITS};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[test]
fn generated_key_is_private_and_certificate_loads() {
    let certificate = LocalhostCertificate::generate();
    let key_mode = std::fs::metadata(&certificate.key).unwrap().permissions().mode() & 0o777;
    assert_eq!(key_mode, 0o600);
    let cert_mode = std::fs::metadata(&certificate.cert).unwrap().permissions().mode() & 0o777;
    assert_eq!(cert_mode, 0o644);
    server_config(&certificate.cert, &certificate.key).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(certificate.cert.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .filter(|name| name.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn regenerating_replaces_both_files() {
    let certificate = LocalhostCertificate::generate();
    let before = std::fs::read(&certificate.key).unwrap();
    generate_self_signed("localhost", &certificate.cert, &certificate.key).unwrap();
    assert_ne!(std::fs::read(&certificate.key).unwrap(), before);
    server_config(&certificate.cert, &certificate.key).unwrap();
}

#[test]
fn missing_certificate_file_is_named() {
    let certificate = LocalhostCertificate::generate();
    let missing = certificate.directory().join("nope.pem");
    let error = server_config(&missing, &certificate.key).unwrap_err();
    assert!(matches!(error, TlsError::Read { .. }), "{error}");
    assert!(error.to_string().contains("nope.pem"), "{error}");
}

#[test]
fn file_without_a_certificate_is_reported() {
    let certificate = LocalhostCertificate::generate();
    // The key file holds a key, not a certificate.
    let error = server_config(&certificate.key, &certificate.key).unwrap_err();
    assert!(matches!(error, TlsError::NoCertificate { .. }), "{error}");
    assert!(error.to_string().contains("key.pem"), "{error}");
}

#[test]
fn file_without_a_key_is_reported() {
    let certificate = LocalhostCertificate::generate();
    let error = server_config(&certificate.cert, &certificate.cert).unwrap_err();
    assert!(matches!(error, TlsError::NoPrivateKey { .. }), "{error}");
}

#[test]
fn corrupt_pem_is_reported() {
    let certificate = LocalhostCertificate::generate();
    let corrupt = certificate.directory().join("corrupt.pem");
    std::fs::write(&corrupt, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").unwrap();
    let error = server_config(&corrupt, &certificate.key).unwrap_err();
    assert!(matches!(error, TlsError::BadPem { .. }), "{error}");
    assert!(error.to_string().contains("corrupt.pem"), "{error}");
}

#[test]
fn key_of_another_certificate_is_a_mismatch() {
    let first = LocalhostCertificate::generate();
    let second = LocalhostCertificate::generate();
    let error = server_config(&first.cert, &second.key).unwrap_err();
    assert!(matches!(error, TlsError::KeyMismatch { .. }), "{error}");
}

#[tokio::test]
async fn implicit_tls_negotiates_tls13_with_the_generated_certificate() {
    let server = start_server(TlsMode::Implicit, TEST_LIMITS).await;
    let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
    let tls = client_config_trusting_with_versions(&server.fixture.certificate.cert, &versions);
    let mut client = LineClient::connect_tls(server.address, ReplyShape::Line, tls).await;
    assert_eq!(client.tls_version(), Some(rustls::ProtocolVersion::TLSv1_3));
    assert_eq!(client.line().await, "HELLO Some(TLSv1_3)\r\n");
    client.send(b"PING\r\n").await;
    assert_eq!(client.line().await, "ECHO PING\r\n");
}

#[tokio::test]
async fn tls12_clients_are_still_served() {
    let server = start_server(TlsMode::Implicit, TEST_LIMITS).await;
    let tls = client_config_trusting_with_versions(&server.fixture.certificate.cert, &[&rustls::version::TLS12]);
    let mut client = LineClient::connect_tls(server.address, ReplyShape::Line, tls).await;
    assert_eq!(client.line().await, "HELLO Some(TLSv1_2)\r\n");
}

#[tokio::test]
async fn localhost_certificate_also_verifies_for_the_loopback_address() {
    let server = start_server(TlsMode::Implicit, TEST_LIMITS).await;
    let connector = tokio_rustls::TlsConnector::from(server.fixture.certificate.client_config());
    let tcp = TcpStream::connect(server.address).await.unwrap();
    let name = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
    connector.connect(name, tcp).await.unwrap();
}

/// A TLS 1.1 ClientHello (no supported_versions extension), built by hand
/// since no maintained client library can still speak TLS 1.1.
#[allow(clippy::unwrap_used)]
fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version TLS 1.1
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // empty session id
    body.extend_from_slice(&[0x00, 0x04, 0xc0, 0x13, 0x00, 0x2f]); // two CBC suites
    body.extend_from_slice(&[0x01, 0x00]); // null compression
    // signature_algorithms: ecdsa_secp256r1_sha256, so the server gets as far
    // as choosing a version instead of failing on certificate selection.
    body.extend_from_slice(&[0x00, 0x08, 0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03]);
    let mut handshake = vec![0x01, 0x00];
    handshake.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend_from_slice(&u16::try_from(handshake.len()).unwrap().to_be_bytes());
    record.extend_from_slice(&handshake);
    record
}

#[tokio::test]
async fn tls11_client_is_refused_with_a_protocol_version_alert() {
    let server = start_server(TlsMode::Implicit, TEST_LIMITS).await;
    let mut tcp = TcpStream::connect(server.address).await.unwrap();
    tcp.write_all(&tls11_client_hello()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), tcp.read_to_end(&mut answer)).await.unwrap().unwrap();
    // An alert record (21) whose description is protocol_version (70), then close.
    assert!(answer.len() >= 7, "{answer:?}");
    assert_eq!(answer[0], 21, "{answer:?}");
    assert_eq!(answer[6], 70, "{answer:?}");
}

#[tokio::test]
async fn over_limit_implicit_tls_connection_is_closed_without_a_handshake() {
    let limits = Limits { max_connections_per_ip: 1, ..TEST_LIMITS };
    let server = start_server(TlsMode::Implicit, limits).await;
    let tls = server.fixture.certificate.client_config();
    let mut first = LineClient::connect_tls(server.address, ReplyShape::Line, tls.clone()).await;
    first.line().await;
    assert!(LineClient::try_connect_tls(server.address, ReplyShape::Line, tls).await.is_err());
}
