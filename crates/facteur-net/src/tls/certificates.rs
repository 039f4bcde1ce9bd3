//! The certificates TLS handshakes get, replaceable while the server runs.
//!
//! Listeners hold a rustls configuration whose certificate resolver is a [`Certificates`]: each handshake asks
//! it for a certificate, so a renewed one (an operator's new `tls/cert.pem`, an ACME renewal) is served from
//! the next handshake on, without a restart and without touching connections already open. A reload that
//! fails (a half-written file, a key that does not match) keeps the certificate being served.
//!
//! Which certificate a handshake gets:
//! - a client offering the `acme-tls/1` protocol is an ACME server validating a tls-alpn-01 challenge
//!   (RFC 8737 §3): it gets the challenge certificate for the name it asks, or no handshake at all;
//! - otherwise the certificate whose names cover the SNI name (RFC 6066 §3), exact names before wildcards;
//! - otherwise (no SNI, an IP address, a name no certificate covers) the default: the issued (ACME)
//!   certificate once there is one, else the `[tls]` pair.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::{TlsError, provider, read_certificates, read_private_key, unusable};

/// The ALPN protocol of tls-alpn-01 validation (RFC 8737 §6.2).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// A certificate and key read from two files, which a reload reads again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFiles {
    pub certificate: PathBuf,
    pub private_key: PathBuf,
}

impl CertificateFiles {
    pub fn new(certificate: &Path, private_key: &Path) -> CertificateFiles {
        CertificateFiles { certificate: certificate.to_owned(), private_key: private_key.to_owned() }
    }

    fn load(&self) -> Result<Loaded, TlsError> {
        let key = load(&self.certificate, &self.private_key)?;
        let names = dns_names(&key.cert, &self.certificate)?;
        Ok(Loaded { key: Arc::new(key), names })
    }
}

/// The certificates served, and where they are read from.
pub struct Certificates {
    /// The `[tls]` pair: served when nothing more specific applies and no certificate was issued.
    fallback: CertificateFiles,
    /// Further pairs an operator configured, each served for the names it holds.
    extra: Vec<CertificateFiles>,
    /// Where the issued (ACME) certificate lives, once there is one.
    issued: RwLock<Option<CertificateFiles>>,
    served: RwLock<Arc<Served>>,
    /// tls-alpn-01 responses, by lower-case name, for the time an ACME validation is under way.
    challenges: RwLock<HashMap<String, Arc<CertifiedKey>>>,
}

/// What the handshakes get, built from every file at once so a handshake never sees half a reload.
struct Served {
    default: Arc<CertifiedKey>,
    by_name: HashMap<String, Arc<CertifiedKey>>,
}

struct Loaded {
    key: Arc<CertifiedKey>,
    names: Vec<String>,
}

impl std::fmt::Debug for Certificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificates").field("fallback", &self.fallback).field("extra", &self.extra).finish()
    }
}

impl Certificates {
    /// Reads the PEM certificate chain (leaf first) and private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_files(cert_path: &Path, key_path: &Path) -> Result<Arc<Certificates>, TlsError> {
        Certificates::with_extra(CertificateFiles::new(cert_path, key_path), Vec::new())
    }

    /// The `[tls]` pair plus further pairs served by name (SNI).
    pub fn with_extra(fallback: CertificateFiles, extra: Vec<CertificateFiles>) -> Result<Arc<Certificates>, TlsError> {
        let served = build(&fallback, &extra, None)?;
        Ok(Arc::new(Certificates {
            fallback,
            extra,
            issued: RwLock::new(None),
            served: RwLock::new(Arc::new(served)),
            challenges: RwLock::new(HashMap::new()),
        }))
    }

    /// Reads every file again and serves what they hold from the next handshake on. On error the certificates
    /// being served stay.
    pub fn reload(&self) -> Result<(), TlsError> {
        let issued = self.issued.read().unwrap_or_else(PoisonError::into_inner).clone();
        let fresh = build(&self.fallback, &self.extra, issued.as_ref())?;
        *self.served.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// Serves the issued certificate in `files` as the default and for its names, from the next handshake
    /// on, and reads it again at each [`Certificates::reload`]. On error nothing changes.
    pub fn use_issued(&self, files: CertificateFiles) -> Result<(), TlsError> {
        let fresh = build(&self.fallback, &self.extra, Some(&files))?;
        *self.issued.write().unwrap_or_else(PoisonError::into_inner) = Some(files);
        *self.served.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// Answers tls-alpn-01 handshakes for `name` with this certificate (DER) and key until
    /// [`Certificates::end_challenge`].
    pub fn start_challenge(
        &self,
        name: &str,
        certificate: CertificateDer<'static>,
        key: PrivateKeyDer<'static>,
    ) -> Result<(), TlsError> {
        // Not `CertifiedKey::from_der`: its key check parses the certificate with webpki, which refuses the
        // critical acmeIdentifier extension every challenge certificate carries.
        let signing_key = provider()
            .key_provider
            .load_private_key(key)
            .map_err(|error| TlsError::Challenge { name: name.to_owned(), reason: error.to_string() })?;
        let certified = CertifiedKey::new(vec![certificate], signing_key);
        self.challenges
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_lowercase(), Arc::new(certified));
        Ok(())
    }

    pub fn end_challenge(&self, name: &str) {
        self.challenges.write().unwrap_or_else(PoisonError::into_inner).remove(&name.to_lowercase());
    }

    /// The default certificate chain being served, leaf first (DER).
    pub fn chain(&self) -> Vec<CertificateDer<'static>> {
        self.served().default.cert.clone()
    }

    pub(super) fn unusable(&self, error: rustls::Error) -> TlsError {
        unusable(&self.fallback.certificate, &self.fallback.private_key, error)
    }

    fn served(&self) -> Arc<Served> {
        Arc::clone(&self.served.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn challenge(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        self.challenges.read().unwrap_or_else(PoisonError::into_inner).get(&name.to_lowercase()).cloned()
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let validating = hello.alpn().is_some_and(|mut protocols| protocols.any(|protocol| protocol == ACME_TLS_ALPN));
        if validating {
            // RFC 8737 §3: only the challenge certificate, never the real one, to an `acme-tls/1` client.
            return self.challenge(hello.server_name()?);
        }
        let served = self.served();
        let named = hello.server_name().and_then(|name| served.for_name(name));
        Some(named.unwrap_or_else(|| Arc::clone(&served.default)))
    }
}

impl Served {
    /// The certificate holding `name`: exactly, or through a wildcard for its parent (RFC 6125 §6.4.3).
    fn for_name(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let name = name.to_lowercase();
        let wildcard = name.split_once('.').map(|(_, parent)| format!("*.{parent}"));
        self.by_name.get(&name).or_else(|| wildcard.and_then(|wildcard| self.by_name.get(&wildcard))).cloned()
    }
}

/// Every certificate, read now. Later entries win for a name: the issued certificate over the configured ones.
fn build(
    fallback: &CertificateFiles,
    extra: &[CertificateFiles],
    issued: Option<&CertificateFiles>,
) -> Result<Served, TlsError> {
    let fallback = fallback.load()?;
    let mut default = Arc::clone(&fallback.key);
    let mut by_name = HashMap::new();
    let mut named = |loaded: &Loaded| {
        for name in &loaded.names {
            by_name.insert(name.to_lowercase(), Arc::clone(&loaded.key));
        }
    };
    named(&fallback);
    for files in extra {
        named(&files.load()?);
    }
    if let Some(files) = issued {
        let loaded = files.load()?;
        named(&loaded);
        default = loaded.key;
    }
    Ok(Served { default, by_name })
}

/// The DNS names a leaf certificate holds (its subjectAltName).
fn dns_names(chain: &[CertificateDer<'_>], path: &Path) -> Result<Vec<String>, TlsError> {
    let leaf = chain.first().ok_or_else(|| TlsError::NoCertificate { path: path.to_owned() })?;
    let parsed = parse_leaf(leaf, path)?;
    Ok(parsed.valid_dns_names().map(str::to_owned).collect())
}

fn parse_leaf<'a>(leaf: &'a CertificateDer<'a>, path: &Path) -> Result<webpki::EndEntityCert<'a>, TlsError> {
    webpki::EndEntityCert::try_from(leaf).map_err(|error| TlsError::BadPem {
        path: path.to_owned(),
        reason: format!("not an X.509 certificate: {error}"),
    })
}

/// The SHA-256 of the leaf certificate's public key (its DER SubjectPublicKeyInfo): what a `3 1 1` TLSA
/// record (RFC 7671 §5.1, DANE-EE) publishes. It stays the same as long as the key does, across renewals.
pub fn public_key_sha256(cert_path: &Path) -> Result<[u8; 32], TlsError> {
    let chain = read_certificates(cert_path)?;
    let leaf = chain.first().ok_or_else(|| TlsError::NoCertificate { path: cert_path.to_owned() })?;
    let spki = parse_leaf(leaf, cert_path)?.subject_public_key_info();
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
