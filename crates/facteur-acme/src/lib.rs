//! Certificates from an ACME CA (RFC 8555), for every name the server answers to.
//!
//! [`Acme`] runs beside the listeners: it serves the certificate it stored last time (at once, before the
//! first handshake), then asks the CA for one whenever the stored certificate is missing, lacks a wanted name,
//! comes from another CA or has lived two thirds of its life. It proves control of each name itself: a
//! special certificate on the https listener (tls-alpn-01, RFC 8737) or a file on the plain http listener
//! (http-01, RFC 8555 §8.3). A new certificate goes to the listeners through `facteur_net::Certificates`, so
//! it is served from the next handshake on. Nothing here ever stops a listener: a CA that cannot be reached,
//! refuses or fails a challenge leaves the current certificate in service, logs why and tries again later.
//! Nodes that serve the same names ([`Peers`]) share one certificate: one of them orders at a time, and any
//! of them answers http-01.

mod challenge;
mod files;
mod http01;
mod issue;
mod manager;
mod peers;
mod schedule;

pub use files::{AcmeFiles, StoredCertificate};
pub use http01::{HttpTokens, http01_router};
pub use manager::{Acme, AcmeSettings, ChallengeKind};
pub use peers::{PEER_CHECK, PeerError, Peers};
pub use schedule::{renewal_time, retry_delay};

/// The issuer domain a CAA record names for the CA behind `directory` (RFC 8659 §4.2), for the CAs whose
/// directory URLs are well known; `None` for others (their documentation says it).
pub fn caa_issuer(directory: &str) -> Option<&'static str> {
    let host = directory.strip_prefix("https://")?.split(['/', ':']).next()?;
    [
        ("acme-v02.api.letsencrypt.org", "letsencrypt.org"),
        ("acme-staging-v02.api.letsencrypt.org", "letsencrypt.org"),
        ("acme.zerossl.com", "sectigo.com"),
        ("dv.acme-v02.api.pki.goog", "pki.goog"),
        ("dv.acme-v02.test-api.pki.goog", "pki.goog"),
        ("api.buypass.com", "buypass.com"),
        ("api.test4.buypass.no", "buypass.com"),
    ]
    .into_iter()
    .find_map(|(known, issuer)| host.eq_ignore_ascii_case(known).then_some(issuer))
}

/// Why a certificate could not be obtained or used. The listeners keep their certificate in every case.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("the ACME CA: {0}")]
    Protocol(#[from] instant_acme::Error),
    #[error("{what}: {reason}")]
    Refused { what: String, reason: String },
    #[error("cannot read or write {}: {source}", path.display())]
    File { path: std::path::PathBuf, source: std::io::Error },
    #[error("{} is not usable: {reason}", path.display())]
    BadFile { path: std::path::PathBuf, reason: String },
    #[error("cannot make a key or certificate request: {0}")]
    Key(#[from] rcgen::Error),
    #[error(transparent)]
    Tls(#[from] facteur_net::TlsError),
    #[error("the other nodes' shared state: {0}")]
    Peers(crate::peers::PeerError),
}

#[cfg(test)]
mod tests {
    use super::caa_issuer;

    #[test]
    fn the_caa_issuer_follows_the_directory() {
        assert_eq!(caa_issuer("https://acme-v02.api.letsencrypt.org/directory"), Some("letsencrypt.org"));
        assert_eq!(caa_issuer("https://acme-staging-v02.api.letsencrypt.org/directory"), Some("letsencrypt.org"));
        assert_eq!(caa_issuer("https://127.0.0.1:14000/dir"), None);
        assert_eq!(caa_issuer("http://acme-v02.api.letsencrypt.org/directory"), None);
    }
}
