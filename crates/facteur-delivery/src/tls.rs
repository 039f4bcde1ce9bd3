//! TLS for outbound STARTTLS, as the recipient domain's policy asks.
//!
//! Without a policy, RFC 3207 §4 and RFC 7435 (opportunistic security): MX hosts are found through
//! unauthenticated DNS and very often present self-signed or mismatched certificates, so refusing them would
//! only push delivery back to plaintext, which protects against nothing. We then encrypt whenever the peer
//! offers STARTTLS and accept any certificate: this defeats passive eavesdropping, not an active attacker.
//!
//! A domain can ask for more. MTA-STS (RFC 8461, see `mta_sts` and `sts_fetch`) names its MX hosts and asks for
//! certificates that verify against the public CAs (webpki, the name being the MX host); DANE (RFC 7672, see
//! `dane`) publishes the expected certificates in DNSSEC-signed TLSA records. [`PolicyVerifier`] checks a
//! certificate against either, and either refuses it (`enforce`, DANE) or lets the session go on while noting
//! the failure for TLS-RPT (MTA-STS `testing`, RFC 8460). Handshake signatures are always checked, so the peer
//! must hold the key of the certificate it shows.

use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::dane::{Tlsa, dane_verdict};

/// Why a TLS session with an MX host was not what the policy asked: the result types of RFC 8460 §4.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    StarttlsNotSupported,
    CertificateHostMismatch,
    CertificateExpired,
    CertificateNotTrusted,
    ValidationFailure,
    TlsaInvalid,
    DnssecInvalid,
    StsPolicyFetchError,
    StsPolicyInvalid,
    StsWebpkiInvalid,
}

impl TlsFailure {
    /// The `result-type` of a TLS-RPT report.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsFailure::StarttlsNotSupported => "starttls-not-supported",
            TlsFailure::CertificateHostMismatch => "certificate-host-mismatch",
            TlsFailure::CertificateExpired => "certificate-expired",
            TlsFailure::CertificateNotTrusted => "certificate-not-trusted",
            TlsFailure::ValidationFailure => "validation-failure",
            TlsFailure::TlsaInvalid => "tlsa-invalid",
            TlsFailure::DnssecInvalid => "dnssec-invalid",
            TlsFailure::StsPolicyFetchError => "sts-policy-fetch-error",
            TlsFailure::StsPolicyInvalid => "sts-policy-invalid",
            TlsFailure::StsWebpkiInvalid => "sts-webpki-invalid",
        }
    }

    /// The failure a webpki verification error stands for.
    pub fn of_webpki(error: &rustls::Error) -> TlsFailure {
        match error {
            rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            ) => TlsFailure::CertificateHostMismatch,
            rustls::Error::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. }) => {
                TlsFailure::CertificateExpired
            }
            rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer | CertificateError::BadSignature | CertificateError::NotValidYet,
            ) => TlsFailure::CertificateNotTrusted,
            _ => TlsFailure::ValidationFailure,
        }
    }
}

impl std::fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a server certificate is checked against.
#[derive(Debug, Clone)]
pub enum CertificateCheck {
    /// The public CAs (and the operator's extra ones), the name being the MX host: MTA-STS.
    WebPki,
    /// DNSSEC-authenticated TLSA records (RFC 7672 §3).
    Dane(Vec<Tlsa>),
}

/// The trust every verified TLS of the engine starts from: the public CAs and `[relay] tls_ca_file`.
#[derive(Debug, Clone)]
pub struct TrustedRoots {
    provider: Arc<CryptoProvider>,
    webpki: Arc<WebPkiServerVerifier>,
    roots: Arc<RootCertStore>,
}

impl TrustedRoots {
    pub fn new(roots: RootCertStore) -> Result<TrustedRoots, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = Arc::new(roots);
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(&provider))
            .build()
            .map_err(|error| rustls::Error::General(error.to_string()))?;
        Ok(TrustedRoots { provider, webpki, roots })
    }

    /// A client configuration verifying with webpki against these roots (MTA-STS policy fetches).
    pub fn https_client_config(&self) -> Result<Arc<ClientConfig>, rustls::Error> {
        let config = ClientConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()?
            .with_root_certificates(Arc::clone(&self.roots))
            .with_no_client_auth();
        Ok(Arc::new(config))
    }

    /// A client configuration for one STARTTLS under `check`; `enforce` refuses a certificate that fails it,
    /// else the failure is only noted. The note is in the returned [`Observed`].
    pub fn starttls_config(
        &self,
        check: CertificateCheck,
        enforce: bool,
    ) -> Result<(Arc<ClientConfig>, Observed), rustls::Error> {
        let observed = Observed::default();
        let verifier = PolicyVerifier {
            check,
            enforce,
            observed: observed.clone(),
            webpki: Arc::clone(&self.webpki),
            provider: Arc::clone(&self.provider),
            algorithms: self.provider.signature_verification_algorithms,
        };
        let config = ClientConfig::builder_with_provider(Arc::clone(&self.provider))
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok((Arc::new(config), observed))
    }
}

/// The client configuration for outbound STARTTLS without a policy.
pub fn opportunistic_client_config() -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = AnyCertificate { algorithms: provider.signature_verification_algorithms };
    let config = ClientConfig::builder_with_provider(Arc::clone(&provider) as Arc<CryptoProvider>)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name to send in SNI for `host`: its DNS name, or its IP address for a literal.
pub fn server_name(host: &str) -> Option<ServerName<'static>> {
    ServerName::try_from(host.to_owned()).ok()
}

/// What the certificate check of one session found, readable after the handshake.
#[derive(Debug, Clone, Default)]
pub struct Observed(Arc<Mutex<Option<TlsFailure>>>);

impl Observed {
    /// The failure the last handshake noted, cleared for the next one (a hop's addresses share the check).
    pub fn take_failure(&self) -> Option<TlsFailure> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn note(&self, failure: TlsFailure) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(failure);
    }
}

/// Checks the certificate as the policy asks; see the module documentation.
#[derive(Debug)]
struct PolicyVerifier {
    check: CertificateCheck,
    enforce: bool,
    observed: Observed,
    webpki: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PolicyVerifier {
    fn verdict(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> Result<(), (TlsFailure, rustls::Error)> {
        match &self.check {
            CertificateCheck::WebPki => self
                .webpki
                .verify_server_cert(end_entity, intermediates, server_name, &[], now)
                .map(drop)
                .map_err(|error| (TlsFailure::of_webpki(&error), error)),
            CertificateCheck::Dane(records) => {
                dane_verdict(records, end_entity, intermediates, server_name, now, &self.provider)
            }
        }
    }
}

/// The handshake-signature checks, alike in every verifier here whatever it decides about the certificate: the
/// crypto provider's algorithms (`self.algorithms`) check them.
macro_rules! handshake_signatures_checked_by_the_provider {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    };
}

impl ServerCertVerifier for PolicyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.verdict(end_entity, intermediates, server_name, now) {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err((failure, error)) => {
                self.observed.note(failure);
                if self.enforce { Err(error) } else { Ok(ServerCertVerified::assertion()) }
            }
        }
    }

    handshake_signatures_checked_by_the_provider!();
}

/// Accepts whatever certificate the server presents; see the module documentation for why.
#[derive(Debug)]
struct AnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    handshake_signatures_checked_by_the_provider!();
}
