//! What every discovery handler shares: the settings, the store, and the one place that decides which of
//! our domains a request is about.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::HOST;
use facteur_store::Store;

use facteur_primitives::DomainName;

use crate::address::EmailAddress;
use crate::discovery::Discovery;
use crate::refusal::Refusal;

/// Host name prefixes under which clients look for the documents: `autoconfig.DOMAIN` (Thunderbird),
/// `autodiscover.DOMAIN` (Outlook), `mta-sts.DOMAIN` (RFC 8461 §3.3).
const SERVICE_LABELS: [&str; 3] = ["autoconfig", "autodiscover", "mta-sts"];

/// A domain the store confirmed is ours. Only [`Site`] makes one, so a document can only be written for a
/// domain that was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalDomain(DomainName);

impl LocalDomain {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
impl LocalDomain {
    /// For document tests that do not go through a store.
    pub fn unchecked(domain: &str) -> LocalDomain {
        LocalDomain(DomainName::parse(domain).unwrap_or_else(|_| panic!("test domain {domain:?} is invalid")))
    }
}

/// The state behind the discovery router.
pub(crate) struct Site {
    pub discovery: Discovery,
    store: Arc<dyn Store>,
}

impl Site {
    pub fn new(discovery: Discovery, store: Arc<dyn Store>) -> Site {
        Site { discovery, store }
    }

    /// The domain of an address the client gave, if it is ours.
    pub async fn domain_of_address(&self, address: &EmailAddress) -> Result<LocalDomain, Refusal> {
        self.local(address.domain()).await?.ok_or(Refusal::NotOurs)
    }

    /// The domain a request is about from its Host header alone: the host itself, or the host without its
    /// `autoconfig.`/`autodiscover.`/`mta-sts.` label.
    pub async fn domain_of_host(&self, headers: &HeaderMap) -> Result<LocalDomain, Refusal> {
        let host = host_name(headers).ok_or(Refusal::NotOurs)?;
        let candidates = std::iter::once(host.clone())
            .chain(SERVICE_LABELS.iter().filter_map(|label| host.without_first_label(label)));
        for candidate in candidates {
            if let Some(local) = self.local(&candidate).await? {
                return Ok(local);
            }
        }
        Err(Refusal::NotOurs)
    }

    /// An address if the request named one, else the Host header.
    pub async fn domain_of_request(
        &self,
        address: Option<&EmailAddress>,
        headers: &HeaderMap,
    ) -> Result<LocalDomain, Refusal> {
        match address {
            Some(address) => self.domain_of_address(address).await,
            None => self.domain_of_host(headers).await,
        }
    }

    async fn local(&self, domain: &DomainName) -> Result<Option<LocalDomain>, Refusal> {
        match self.store.is_local_domain(domain.as_str()).await {
            Ok(true) => Ok(Some(LocalDomain(domain.clone()))),
            Ok(false) => Ok(None),
            Err(error) => {
                tracing::warn!(%error, "cannot check a domain in the store");
                Err(Refusal::StoreUnavailable)
            }
        }
    }
}

/// The Host header's name without its port (RFC 9110 §7.2). IP literals give `None`.
fn host_name(headers: &HeaderMap) -> Option<DomainName> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    DomainName::parse(name).ok()
}

/// Parses an address the client sent; one we cannot read is a bad request, not a foreign domain.
pub(crate) fn parse_address(input: &str) -> Result<EmailAddress, Refusal> {
    EmailAddress::parse(input).map_err(|_| Refusal::BadRequest("not a valid e-mail address\n"))
}

/// A query parameter by name, ignoring ASCII case (clients disagree: `Email`, `email`, `emailaddress`).
pub(crate) fn query_param<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static(host));
        headers
    }

    #[test]
    fn host_port_is_ignored() {
        assert_eq!(host_name(&headers("Autoconfig.Example.com:8443")).unwrap().as_str(), "autoconfig.example.com");
        assert_eq!(host_name(&headers("example.com")).unwrap().as_str(), "example.com");
    }

    #[test]
    fn ip_hosts_name_no_domain() {
        assert_eq!(host_name(&headers("127.0.0.1:80")), None);
        assert_eq!(host_name(&headers("[::1]:443")), None);
        assert_eq!(host_name(&HeaderMap::new()), None);
    }

    #[test]
    fn query_names_match_without_case() {
        let query = vec![("Email".to_owned(), "a@b.c".to_owned())];
        assert_eq!(query_param(&query, "email"), Some("a@b.c"));
        assert_eq!(query_param(&query, "protocol"), None);
    }
}
