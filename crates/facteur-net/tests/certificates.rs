//! Which certificate a handshake gets: by SNI name among several, the issued one over the configured one, and
//! replacements without a new configuration. Handshakes run in memory between rustls client and server.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::sync::Arc;

use facteur_net::{CertificateFiles, Certificates, generate_self_signed, server_config_with};
use facteur_testkit::client_config_trusting;
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ServerConfig, ServerConnection};

/// A self-signed pair for `name`, in `dir`.
fn pair(dir: &Path, name: &str) -> CertificateFiles {
    let (certificate, key) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}.key")));
    generate_self_signed(name, &certificate, &key).unwrap();
    CertificateFiles::new(&certificate, &key)
}

/// Whether a client trusting only `trusted` completes a handshake asking for `name`: true exactly when the
/// server served that certificate (and it holds `name`).
fn serves(config: &Arc<ServerConfig>, trusted: &Path, name: &str) -> bool {
    let server_name = ServerName::try_from(name.to_owned()).unwrap();
    let mut client = ClientConnection::new(client_config_trusting(trusted), server_name).unwrap();
    let mut server = ServerConnection::new(Arc::clone(config)).unwrap();
    for _ in 0..10 {
        let mut bytes = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut bytes).unwrap();
        }
        if server.read_tls(&mut bytes.as_slice()).is_err() || server.process_new_packets().is_err() {
            return false;
        }
        bytes.clear();
        while server.wants_write() {
            server.write_tls(&mut bytes).unwrap();
        }
        if client.read_tls(&mut bytes.as_slice()).is_err() || client.process_new_packets().is_err() {
            return false;
        }
        if !client.is_handshaking() && !server.is_handshaking() {
            return true;
        }
    }
    false
}

#[test]
fn each_name_gets_its_certificate_and_the_issued_one_takes_over() {
    facteur_net::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let main = pair(dir.path(), "mail.a.test");
    let other = pair(dir.path(), "mail.b.test");
    let certificates = Certificates::with_extra(main.clone(), vec![other.clone()]).unwrap();
    let config = server_config_with(Arc::clone(&certificates)).unwrap();
    assert!(serves(&config, &main.certificate, "mail.a.test"));
    assert!(serves(&config, &other.certificate, "mail.b.test"), "SNI picks the configured pair holding the name");
    assert!(!serves(&config, &main.certificate, "mail.b.test"));

    // An issued certificate for mail.a.test: served for that name (and by default) from the next handshake.
    let issued_dir = tempfile::tempdir().unwrap();
    let issued = pair(issued_dir.path(), "mail.a.test");
    certificates.use_issued(issued.clone()).unwrap();
    assert!(serves(&config, &issued.certificate, "mail.a.test"));
    assert!(!serves(&config, &main.certificate, "mail.a.test"));
    assert!(serves(&config, &other.certificate, "mail.b.test"), "names the issued one lacks keep their pair");

    // The issued files replaced, then reloaded (SIGHUP): the new one is served.
    let first = issued_dir.path().join("first.pem");
    std::fs::copy(&issued.certificate, &first).unwrap();
    assert_eq!(pair(issued_dir.path(), "mail.a.test"), issued);
    assert!(serves(&config, &first, "mail.a.test"), "files are read at reload, not at each handshake");
    certificates.reload().unwrap();
    assert!(serves(&config, &issued.certificate, "mail.a.test"));
    assert!(!serves(&config, &first, "mail.a.test"));
}

#[test]
fn an_unusable_issued_certificate_changes_nothing() {
    facteur_net::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let main = pair(dir.path(), "mail.a.test");
    let certificates = Certificates::with_extra(main.clone(), Vec::new()).unwrap();
    let config = server_config_with(Arc::clone(&certificates)).unwrap();
    let broken = CertificateFiles::new(&dir.path().join("missing.pem"), &main.private_key);
    assert!(certificates.use_issued(broken).is_err());
    assert!(serves(&config, &main.certificate, "mail.a.test"));
    certificates.reload().unwrap();
    assert!(serves(&config, &main.certificate, "mail.a.test"), "the refused files are not read at reload either");
}
