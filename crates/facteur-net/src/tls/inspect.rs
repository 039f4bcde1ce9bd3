//! What a certificate says about itself: its names, its validity, whether it signed itself. For the ACME
//! renewal schedule and for the warnings an operator gets at start; webpki checks these things but does not
//! expose them.

use std::time::{Duration, SystemTime};

use x509_parser::extensions::GeneralName;

/// The facts of the first certificate of a PEM chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// The DNS names of its subjectAltName.
    pub names: Vec<String>,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
    /// Issuer and subject are the same name: nobody else vouches for it, so clients warn.
    pub self_signed: bool,
}

/// Reads the first certificate of `pem`; the error says why it is not one.
pub fn certificate_facts(pem: &[u8]) -> Result<CertificateFacts, String> {
    let (_, block) = x509_parser::pem::parse_x509_pem(pem).map_err(|error| error.to_string())?;
    let certificate = block.parse_x509().map_err(|error| error.to_string())?;
    let names = match certificate.subject_alternative_name().map_err(|error| error.to_string())? {
        Some(extension) => extension
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(name) => Some((*name).to_owned()),
                _ => None,
            })
            .collect(),
        None => Vec::new(),
    };
    let validity = certificate.validity();
    Ok(CertificateFacts {
        names,
        not_before: at(validity.not_before.timestamp()),
        not_after: at(validity.not_after.timestamp()),
        self_signed: certificate.issuer().as_raw() == certificate.subject().as_raw(),
    })
}

/// A Unix timestamp as a `SystemTime` (certificates predating 1970 are treated as starting then).
fn at(timestamp: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(timestamp).unwrap_or(0))
}
