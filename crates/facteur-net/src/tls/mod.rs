//! Server-side TLS: the ring crypto provider, and a rustls configuration built
//! from PEM files on disk.

/// The served certificate, replaceable while the server runs.
mod certificates;
/// What a certificate says about itself.
mod inspect;
/// The CAs verified client connections trust.
mod roots;
mod self_signed;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

pub use certificates::{ACME_TLS_ALPN, CertificateFiles, Certificates, public_key_sha256};
pub use inspect::{CertificateFacts, certificate_facts};
pub use roots::{public_roots, read_ca_file, trusted_roots};
pub use self_signed::{generate_self_signed, write_durably};

/// Why TLS could not be set up. Every variant names the file involved, because
/// the person reading it is an operator who has to go and fix that file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{} is not valid PEM: {reason}", path.display())]
    BadPem { path: PathBuf, reason: String },
    #[error("{} contains no certificate (expected a \"BEGIN CERTIFICATE\" block)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} contains no private key (expected a \"BEGIN PRIVATE KEY\" block)", path.display())]
    NoPrivateKey { path: PathBuf },
    #[error("the private key in {} does not belong to the certificate in {}", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },
    #[error("cannot use the key in {} with the certificate in {}: {reason}", key.display(), cert.display())]
    Unusable { cert: PathBuf, key: PathBuf, reason: String },
    #[error("cannot answer the tls-alpn-01 challenge for {name}: {reason}")]
    Challenge { name: String, reason: String },
    #[error("cannot generate a certificate for {hostname:?}: {reason}")]
    Generate { hostname: String, reason: String },
}

/// How logs name a TLS version: "TLSv1.3", "TLSv1.2".
pub fn version_name(version: rustls::ProtocolVersion) -> &'static str {
    match version {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
        _ => "TLS (older)",
    }
}

/// The only crypto provider Facteur uses (no aws-lc: it needs a C toolchain
/// and cmake, and ring covers every suite we offer).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Installs ring as the process-wide default provider, for the code paths
/// (client configs in tests, libraries) that ask rustls for "the default".
/// Calling it again is harmless.
pub fn install_crypto_provider() {
    // Err only means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Builds the server configuration from a PEM certificate chain (leaf first)
/// and a PEM private key (PKCS#8, PKCS#1 or SEC1).
///
/// TLS 1.2 and 1.3 only: RFC 8996 deprecates 1.0 and 1.1, and RFC 8314 §4.1
/// asks mail servers for 1.2 at least.
pub fn server_config(cert_path: &Path, key_path: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    server_config_with(Certificates::from_files(cert_path, key_path)?)
}

/// The server configuration serving whatever `certificates` holds at each handshake (see [`Certificates`]).
pub fn server_config_with(certificates: Arc<Certificates>) -> Result<Arc<ServerConfig>, TlsError> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|error| certificates.unusable(error))?;
    Ok(Arc::new(builder.with_no_client_auth().with_cert_resolver(certificates)))
}

/// The configuration of the HTTPS listeners: [`server_config_with`], plus the ALPN protocols they speak.
/// HTTP/1.1 is all they serve; `acme-tls/1` lets an ACME server validate a tls-alpn-01 challenge there
/// (RFC 8737 §3, which requires the server to negotiate it).
pub fn https_server_config(certificates: Arc<Certificates>) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = Arc::unwrap_or_clone(server_config_with(certificates)?);
    config.alpn_protocols = vec![b"http/1.1".to_vec(), ACME_TLS_ALPN.to_vec()];
    Ok(Arc::new(config))
}

fn unusable(cert: &Path, key: &Path, error: rustls::Error) -> TlsError {
    TlsError::Unusable { cert: cert.to_owned(), key: key.to_owned(), reason: error.to_string() }
}

fn read_file(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read { path: path.to_owned(), source })
}

fn bad_pem(path: &Path, error: pem::Error) -> TlsError {
    TlsError::BadPem { path: path.to_owned(), reason: error.to_string() }
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read_file(path)?;
    let chain =
        CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().map_err(|error| bad_pem(path, error))?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_owned() });
    }
    Ok(chain)
}

fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let pem = read_file(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|error| match error {
        pem::Error::NoItemsFound => TlsError::NoPrivateKey { path: path.to_owned() },
        other => bad_pem(path, other),
    })
}
