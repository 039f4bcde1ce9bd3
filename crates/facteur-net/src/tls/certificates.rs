//! The certificate every TLS handshake gets, replaceable while the server runs.
//!
//! Listeners hold a rustls configuration whose certificate resolver is a [`Certificates`]: each handshake asks
//! it for the current certificate, so a renewed one (an operator's new `tls/cert.pem`, later ACME) is served
//! from the next handshake on, without a restart and without touching connections already open. A reload that
//! fails (a half-written file, a key that does not match) keeps the certificate being served.

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::{TlsError, provider, read_certificates, read_private_key, unusable};

/// The served certificate and where it is read from.
pub struct Certificates {
    cert_path: PathBuf,
    key_path: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates").field("cert", &self.cert_path).field("key", &self.key_path).finish()
    }
}

impl Certificates {
    /// Reads the PEM certificate chain (leaf first) and private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_files(cert_path: &Path, key_path: &Path) -> Result<Arc<Certificates>, TlsError> {
        let current = load(cert_path, key_path)?;
        Ok(Arc::new(Certificates {
            cert_path: cert_path.to_owned(),
            key_path: key_path.to_owned(),
            current: RwLock::new(Arc::new(current)),
        }))
    }

    /// Reads the files again and serves what they hold from the next handshake on. On error the certificate
    /// being served stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = load(&self.cert_path, &self.key_path)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// The certificate chain being served, leaf first (DER).
    pub fn chain(&self) -> Vec<rustls_pki_types::CertificateDer<'static>> {
        self.current().cert.clone()
    }

    pub(super) fn unusable(&self, error: rustls::Error) -> TlsError {
        unusable(&self.cert_path, &self.key_path, error)
    }

    fn current(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

/// The SHA-256 of the leaf certificate's public key (its DER SubjectPublicKeyInfo): what a `3 1 1` TLSA
/// record (RFC 7671 §5.1, DANE-EE) publishes. It stays the same as long as the key does, across renewals.
pub fn public_key_sha256(cert_path: &Path) -> Result<[u8; 32], TlsError> {
    let chain = read_certificates(cert_path)?;
    let leaf = chain.first().ok_or_else(|| TlsError::NoCertificate { path: cert_path.to_owned() })?;
    let parsed = webpki::EndEntityCert::try_from(leaf).map_err(|error| TlsError::BadPem {
        path: cert_path.to_owned(),
        reason: format!("not an X.509 certificate: {error}"),
    })?;
    let spki = parsed.subject_public_key_info();
    let digest = ring::digest::digest(&ring::digest::SHA256, spki.as_ref());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    Ok(out)
}

/// The chain and key of two files, checked to belong together.
fn load(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    let chain = read_certificates(cert_path)?;
    let key = read_private_key(key_path)?;
    let certified = CertifiedKey::from_der(chain, key, &provider()).map_err(|error| match error {
        rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
            TlsError::KeyMismatch { cert: cert_path.to_owned(), key: key_path.to_owned() }
        }
        other => unusable(cert_path, key_path, other),
    })?;
    Ok(certified)
}
