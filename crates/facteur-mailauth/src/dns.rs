//! The process's one DNS resolver. Sender authentication (SPF, DKIM, DMARC, ARC) and outbound delivery (MX,
//! A and AAAA) ask the same questions about the same domains: one resolver means one cache, one set of
//! name servers (`[dns] nameservers`) and one timeout. The binary builds it and hands a clone (which shares
//! the cache) to each.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, LookupIpStrategy, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

use crate::error::MailAuthError;

/// A resolver asking `nameservers` (each over UDP and TCP on its own port: TCP matters for long DKIM keys,
/// whose answers may be truncated over UDP), or the system's configuration when empty. `query_timeout`
/// bounds one query; both address families are looked up, for delivery to IPv6-only hosts.
pub fn dns_resolver(nameservers: &[SocketAddr], query_timeout: Duration) -> Result<TokioResolver, MailAuthError> {
    let (config, mut options) = if nameservers.is_empty() {
        hickory_resolver::system_conf::read_system_conf().map_err(|err| MailAuthError::Resolver(err.to_string()))?
    } else {
        (override_config(nameservers), ResolverOpts::default())
    };
    options.timeout = query_timeout;
    options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(options)
        .build()
        .map_err(|err| MailAuthError::Resolver(err.to_string()))
}

fn override_config(nameservers: &[SocketAddr]) -> ResolverConfig {
    let servers = nameservers
        .iter()
        .map(|address| {
            let connections = [ConnectionConfig::udp(), ConnectionConfig::tcp()]
                .into_iter()
                .map(|mut connection| {
                    connection.port = address.port();
                    connection
                })
                .collect();
            NameServerConfig::new(address.ip(), true, connections)
        })
        .collect();
    ResolverConfig::from_name_servers(servers)
}
