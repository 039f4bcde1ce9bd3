//! The certificate authorities a Facteur client trusts when it verifies a server: the public ones, plus those of
//! an operator's private CA (a smarthost, MX hosts under MTA-STS on a private network, the database).

use std::path::Path;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;

use super::{TlsError, read_certificates};

/// The public CAs (webpki-roots, Mozilla's list): what MTA-STS means by a valid certificate (RFC 8461 §4.2),
/// and what any verified connection trusts.
pub fn public_roots() -> RootCertStore {
    RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned())
}

/// The certificates of a PEM CA file, at least one.
pub fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    read_certificates(path)
}

/// [`public_roots`], plus the certificates of `ca_file` when there is one.
pub fn trusted_roots(ca_file: Option<&Path>) -> Result<RootCertStore, TlsError> {
    let mut roots = public_roots();
    if let Some(path) = ca_file {
        for certificate in read_ca_file(path)? {
            roots
                .add(certificate)
                .map_err(|error| TlsError::BadPem { path: path.to_owned(), reason: error.to_string() })?;
        }
    }
    Ok(roots)
}
