//! The smarthost: one relay that takes all outbound mail not routed by `[relay.routes]`, for hosts whose port 25
//! is blocked. Unlike MX hosts it gets our credentials, so its TLS is required and its certificate verified
//! (the public CAs, or the operator's own CA file), and AUTH is sent only inside that TLS.

use std::path::Path;
use std::sync::Arc;

use rustls::ClientConfig;

/// How TLS starts with the smarthost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmarthostTls {
    /// TLS from the first byte (submissions, port 465; RFC 8314).
    Implicit,
    /// STARTTLS after EHLO (submission, port 587); a smarthost that does not offer it gets nothing.
    StartTls,
}

#[derive(Clone)]
pub struct Smarthost {
    pub host: String,
    pub port: u16,
    pub tls: SmarthostTls,
    /// User name and password for AUTH PLAIN (or LOGIN).
    pub credentials: Option<(String, String)>,
    /// Verifies the smarthost's certificate.
    pub tls_config: Arc<ClientConfig>,
}

impl std::fmt::Debug for Smarthost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("Smarthost")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmarthostError {
    #[error("smarthost CA file: {0}")]
    CaFile(#[from] facteur_net::TlsError),
    #[error("smarthost TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// A client configuration that trusts the public CAs and, when given, the certificates in `ca_file` (PEM).
pub fn verifying_client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, SmarthostError> {
    let roots = facteur_net::trusted_roots(ca_file)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
