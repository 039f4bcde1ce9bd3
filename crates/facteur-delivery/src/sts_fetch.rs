//! Finding the MTA-STS policy of a recipient domain (RFC 8461 §3, §5): the `_mta-sts` TXT record, the policy
//! file fetched over verified HTTPS, and the store's copy, used while its `max_age` lasts.
//!
//! RFC 8461 §5.1: the cached policy is used while it is unexpired and the TXT `id` is unchanged; a new `id`
//! means fetching again. RFC 8461 §5: when fetching fails, an unexpired cached policy still applies, else none
//! does (and the failure is reported through TLS-RPT). RFC 8461 §3.3: HTTPS with a certificate valid for
//! `mta-sts.DOMAIN`, no redirects, a size limit, a timeout, `text/plain`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use facteur_primitives::unix_now;
use facteur_store::{CachedStsPolicy, Store};
use hickory_resolver::TokioResolver;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use tokio_rustls::TlsConnector;
use tracing::{debug, info, warn};

use crate::mta_sts::{MAX_POLICY_BYTES, Mode, Policy, parse_policy, sts_record};
use crate::tls::{TlsFailure, server_name};

/// RFC 8461 §3.3 suggests a timeout of a minute or more for the whole fetch; a server that is slower than this
/// costs the delivery no more than one attempt (the cached policy, if any, applies).
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// The policy that applies to a domain now, and what went wrong finding it (for TLS-RPT).
#[derive(Debug, Clone, Default)]
pub struct StsOutcome {
    /// The policy and its text (the TLS-RPT `policy-string`), unless there is none or it is `none`.
    pub policy: Option<(Policy, String)>,
    pub fetch_failure: Option<TlsFailure>,
}

/// Finds MTA-STS policies; one per engine.
pub struct StsPolicies {
    resolver: TokioResolver,
    store: Arc<dyn Store>,
    https: Arc<ClientConfig>,
    port: u16,
}

impl StsPolicies {
    pub fn new(resolver: TokioResolver, store: Arc<dyn Store>, https: Arc<ClientConfig>, port: u16) -> StsPolicies {
        StsPolicies { resolver, store, https, port }
    }

    /// The policy of `domain` (lower case); see the module documentation.
    pub async fn policy_for(&self, domain: &str) -> StsOutcome {
        let now = unix_now();
        let cached = match self.store.mta_sts_policy(domain).await {
            Ok(cached) => cached.filter(|cached| cached.expires_at > now),
            Err(error) => {
                warn!(%domain, %error, "MTA-STS: cannot read the cached policy");
                None
            }
        };
        let Some(id) = self.announced_id(domain).await else {
            // RFC 8461 §5.1: a vanished TXT record does not end an unexpired policy.
            return outcome(cached.as_ref(), None);
        };
        if let Some(cached) = cached.as_ref().filter(|cached| cached.id == id) {
            return outcome(Some(cached), None);
        }
        match self.fetch(domain).await {
            Ok((policy, text)) => {
                let expires_at = now.saturating_add(i64::try_from(policy.max_age).unwrap_or(i64::MAX));
                let fresh = CachedStsPolicy { domain: domain.to_owned(), id, policy: text, expires_at };
                info!(%domain, id = %fresh.id, mode = ?policy.mode, max_age = policy.max_age, "MTA-STS: policy fetched");
                if let Err(error) = self.store.save_mta_sts_policy(fresh.clone()).await {
                    warn!(%domain, %error, "MTA-STS: cannot cache the policy");
                }
                outcome(Some(&fresh), None)
            }
            Err((failure, reason)) => {
                warn!(%domain, %reason, cached = cached.is_some(), "MTA-STS: policy fetch failed");
                outcome(cached.as_ref(), Some(failure))
            }
        }
    }

    /// The `id` of the domain's `_mta-sts` TXT record, if it has exactly one valid record.
    async fn announced_id(&self, domain: &str) -> Option<String> {
        let lookup = self.resolver.txt_lookup(format!("_mta-sts.{domain}.")).await.ok()?;
        let texts: Vec<String> = lookup
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                hickory_resolver::proto::rr::RData::TXT(txt) => {
                    Some(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect::<String>())
                }
                _ => None,
            })
            .collect();
        sts_record(&texts).map(|record| record.id)
    }

    async fn fetch(&self, domain: &str) -> Result<(Policy, String), (TlsFailure, String)> {
        let host = format!("mta-sts.{domain}");
        let fetched = tokio::time::timeout(FETCH_TIMEOUT, self.fetch_body(&host)).await;
        let body = match fetched {
            Err(_) => return Err((TlsFailure::StsPolicyFetchError, format!("no policy within {FETCH_TIMEOUT:?}"))),
            Ok(result) => result?,
        };
        let policy = parse_policy(&body).map_err(|error| (TlsFailure::StsPolicyInvalid, error.to_string()))?;
        let text = String::from_utf8_lossy(&body).into_owned();
        Ok((policy, text))
    }

    /// `GET https://HOST/.well-known/mta-sts.txt`, the body if it is a 200 `text/plain` within the size limit.
    async fn fetch_body(&self, host: &str) -> Result<Vec<u8>, (TlsFailure, String)> {
        let fetch_error = |reason: String| (TlsFailure::StsPolicyFetchError, reason);
        let addresses: Vec<SocketAddr> = match self.resolver.lookup_ip(format!("{host}.")).await {
            Ok(lookup) => lookup.iter().map(|ip| SocketAddr::new(ip, self.port)).collect(),
            Err(error) => return Err(fetch_error(format!("{host}: {error}"))),
        };
        let first = addresses.first().ok_or_else(|| fetch_error(format!("{host} has no address")))?;
        let tcp = tokio::net::TcpStream::connect(first).await.map_err(|e| fetch_error(format!("{first}: {e}")))?;
        let name = server_name(host).ok_or_else(|| fetch_error(format!("{host:?} is not a server name")))?;
        let tls = TlsConnector::from(Arc::clone(&self.https)).connect(name, tcp).await.map_err(|error| {
            // RFC 8460 §4.3.2: a certificate that does not verify is its own failure type.
            let webpki = error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .is_some_and(|inner| matches!(inner, rustls::Error::InvalidCertificate(_)));
            let failure = if webpki { TlsFailure::StsWebpkiInvalid } else { TlsFailure::StsPolicyFetchError };
            (failure, format!("TLS with {host}: {error}"))
        })?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|error| fetch_error(format!("HTTP with {host}: {error}")))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                debug!(%error, "MTA-STS: policy connection ended");
            }
        });
        let request = hyper::Request::get("/.well-known/mta-sts.txt")
            .header(hyper::header::HOST, host)
            .body(Empty::<Bytes>::new())
            .map_err(|error| fetch_error(error.to_string()))?;
        let response = sender.send_request(request).await.map_err(|error| fetch_error(error.to_string()))?;
        // RFC 8461 §3.3: redirects are not followed; anything but 200 is no policy.
        if response.status() != hyper::StatusCode::OK {
            return Err(fetch_error(format!("{host} answered HTTP {}", response.status())));
        }
        let content_type = response.headers().get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if !content_type.is_some_and(is_text_plain) {
            return Err(fetch_error(format!("{host} served {content_type:?}, not text/plain")));
        }
        let body = Limited::new(response.into_body(), MAX_POLICY_BYTES).collect().await;
        let body = body.map_err(|error| fetch_error(format!("policy body from {host}: {error}")))?;
        Ok(body.to_bytes().to_vec())
    }
}

/// `text/plain`, with or without parameters, in any case (RFC 8461 §3.3, RFC 2045 §5.1).
fn is_text_plain(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|media| media.trim().eq_ignore_ascii_case("text/plain"))
}

fn outcome(cached: Option<&CachedStsPolicy>, fetch_failure: Option<TlsFailure>) -> StsOutcome {
    let policy = cached.and_then(|cached| {
        let policy = parse_policy(cached.policy.as_bytes()).ok()?;
        (policy.mode != Mode::None).then(|| (policy, cached.policy.clone()))
    });
    StsOutcome { policy, fetch_failure }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_must_be_served_as_text_plain() {
        assert!(is_text_plain("text/plain"));
        assert!(is_text_plain("Text/Plain; charset=utf-8"));
        assert!(!is_text_plain("text/html"));
        assert!(!is_text_plain("text/plainly"));
    }
}
