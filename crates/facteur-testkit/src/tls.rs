use std::path::Path;
use std::sync::Arc;

use rustls::{RootCertStore, SupportedProtocolVersion};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// A TLS client configuration (ring provider) whose only trust anchor is the PEM certificate at `certificate`.
pub fn client_config_trusting(certificate: &Path) -> Arc<rustls::ClientConfig> {
    client_config_trusting_with_versions(certificate, rustls::DEFAULT_VERSIONS)
}

/// The same, speaking only `versions`: a client that knows TLS 1.2 alone, say.
pub fn client_config_trusting_with_versions(
    certificate: &Path,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<rustls::ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(certificate).expect("read test certificate") {
        roots.add(cert.expect("parse test certificate")).expect("add trust anchor");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("ring supports the requested versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
