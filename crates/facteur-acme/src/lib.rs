//! Certificates from an ACME CA (RFC 8555), for every name the server answers to.
//!
//! [`Acme`] runs beside the listeners: it serves the certificate it stored last time (at once, before the
//! first handshake), then asks the CA for one whenever the stored certificate is missing, lacks a wanted name,
//! comes from another CA or has lived two thirds of its life. It proves control of each name itself: a
//! special certificate on the https listener (tls-alpn-01, RFC 8737) or a file on the plain http listener
//! (http-01, RFC 8555 §8.3). A new certificate goes to the listeners through `facteur_net::Certificates`, so
//! it is served from the next handshake on. Nothing here ever stops a listener: a CA that cannot be reached,
//! refuses or fails a challenge leaves the current certificate in service, logs why and tries again later.

mod challenge;
mod files;
mod http01;
mod issue;
mod manager;
mod schedule;

pub use files::{AcmeFiles, StoredCertificate};
pub use http01::{HttpTokens, http01_router};
pub use manager::{Acme, AcmeSettings, ChallengeKind};
pub use schedule::{renewal_time, retry_delay};

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
}
