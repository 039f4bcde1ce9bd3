//! The resolver every check runs on: mail-auth's `MessageAuthenticator` over hickory, with our caches.

use crate::cache::{Caches, TtlCache};
use crate::error::MailAuthError;
use hickory_resolver::TokioResolver;
use mail_auth::{MX, MessageAuthenticator, Parameters, RecordSet, Txt};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// How to reach DNS and how to name ourselves in `Authentication-Results`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSettings {
    /// Our hostname: the authserv-id of RFC 8601 §2.5, and the `%{r}` of SPF macros (RFC 7208 §7.3).
    pub authserv_id: String,
    /// Name servers to ask instead of `/etc/resolv.conf` (`[dns] nameservers`), each over UDP and TCP.
    /// Empty means the system configuration.
    pub nameservers: Vec<SocketAddr>,
    /// How long one DNS query may take before it is retried or reported as a temporary error.
    pub timeout: Duration,
    /// The most parsed records each cache keeps (bounded so that many sender domains cannot exhaust memory).
    pub cache_entries: usize,
}

impl AuthSettings {
    /// Settings with the system resolver, a 5 s timeout and 4096 cached records per record kind.
    pub fn new(authserv_id: impl Into<String>) -> Self {
        Self {
            authserv_id: authserv_id.into(),
            nameservers: Vec::new(),
            timeout: Duration::from_secs(5),
            cache_entries: 4096,
        }
    }
}

/// Runs SPF, DKIM, DMARC and ARC checks. Cheap to share: wrap it in an `Arc` and use it from every session.
pub struct Authenticator {
    pub(crate) resolver: MessageAuthenticator,
    pub(crate) caches: Caches,
    pub(crate) authserv_id: String,
}

/// mail-auth's lookup parameters with our caches plugged in.
pub(crate) type CachedParameters<'x, P> = Parameters<
    'x,
    P,
    TtlCache<Box<str>, Txt>,
    TtlCache<Box<str>, RecordSet<MX>>,
    TtlCache<Box<str>, RecordSet<Ipv4Addr>>,
    TtlCache<Box<str>, RecordSet<Ipv6Addr>>,
    TtlCache<IpAddr, RecordSet<Box<str>>>,
>;

impl Authenticator {
    /// Builds its own resolver (see [`crate::dns_resolver`]). Fails only when the system resolver
    /// configuration cannot be read.
    pub fn new(settings: AuthSettings) -> Result<Self, MailAuthError> {
        let resolver = crate::dns_resolver(&settings.nameservers, settings.timeout)?;
        Ok(Self::with_resolver(resolver, settings))
    }

    /// On the process's shared resolver; `settings.nameservers` and `settings.timeout` are then the
    /// resolver's business, not read here.
    pub fn with_resolver(resolver: TokioResolver, settings: AuthSettings) -> Self {
        Self {
            resolver: MessageAuthenticator(resolver),
            caches: Caches::new(settings.cache_entries),
            authserv_id: settings.authserv_id,
        }
    }

    /// Our authserv-id (the hostname written into `Authentication-Results`).
    pub fn authserv_id(&self) -> &str {
        &self.authserv_id
    }

    pub(crate) fn parameters<P>(&self, params: P) -> CachedParameters<'_, P> {
        Parameters::new(params)
            .with_txt_cache(&self.caches.txt)
            .with_mx_cache(&self.caches.mx)
            .with_ipv4_cache(&self.caches.ipv4)
            .with_ipv6_cache(&self.caches.ipv6)
            .with_ptr_cache(&self.caches.ptr)
    }
}
