//! Answering one challenge: set up what the CA will look at, and take it down afterwards, whatever happens.

use std::sync::Arc;

use facteur_net::Certificates;
use instant_acme::KeyAuthorization;
use rcgen::{CertificateParams, CustomExtension, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::AcmeError;
use crate::http01::HttpTokens;
use crate::manager::ChallengeKind;

/// Where challenge answers are published: the https listeners' certificates (tls-alpn-01) and the plain http
/// listeners' tokens (http-01).
#[derive(Debug, Clone)]
pub(crate) struct Responder {
    pub certificates: Arc<Certificates>,
    pub tokens: HttpTokens,
}

/// One published answer; dropping it takes the answer down.
pub(crate) struct Published {
    responder: Responder,
    kind: ChallengeKind,
    /// The name (tls-alpn-01) or token (http-01) published.
    key: String,
}

impl Responder {
    pub async fn publish(
        &self,
        kind: ChallengeKind,
        name: &str,
        token: &str,
        key_authorization: &KeyAuthorization,
    ) -> Result<Published, AcmeError> {
        let key = match kind {
            ChallengeKind::TlsAlpn01 => {
                let (certificate, key) = alpn_certificate(name, key_authorization)?;
                self.certificates.start_challenge(name, certificate, key)?;
                name.to_owned()
            }
            ChallengeKind::Http01 => {
                self.tokens.insert(token, key_authorization.as_str()).await?;
                token.to_owned()
            }
        };
        Ok(Published { responder: self.clone(), kind, key })
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        match self.kind {
            ChallengeKind::TlsAlpn01 => self.responder.certificates.end_challenge(&self.key),
            ChallengeKind::Http01 => self.responder.tokens.remove(&self.key),
        }
    }
}

/// The tls-alpn-01 certificate (RFC 8737 §3): self-signed, for `name` alone, carrying the critical
/// acmeIdentifier extension with the SHA-256 of the key authorization. A fresh key each time: it proves
/// nothing and is thrown away.
fn alpn_certificate(
    name: &str,
    key_authorization: &KeyAuthorization,
) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), AcmeError> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec![name.to_owned()])?;
    params.custom_extensions = vec![CustomExtension::new_acme_identifier(key_authorization.digest().as_ref())];
    let certificate = params.self_signed(&key)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((certificate.der().clone(), key))
}
