//! Where mail for a domain goes (RFC 5321 §5.1): a static next hop from `[relay.routes]` first; else the
//! domain's MX hosts by preference; else, when the domain has no MX at all, the domain itself (its A/AAAA
//! records, the "implicit MX"). A null MX (RFC 7505) means the domain accepts no mail: a permanent failure.
//! A next hop that is this very server is refused: delivering to ourselves over the network would loop.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::RData;

use crate::reply::Verdict;

/// One server to try, with every address it has, in the order to try them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub host: String,
    pub addresses: Vec<SocketAddr>,
}

/// Why a domain has no usable next hop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("5.1.10 {0} accepts no mail (null MX, RFC 7505)")]
    NullMx(String),
    #[error("5.1.2 {0} does not exist or has no mail server")]
    NoSuchDomain(String),
    #[error("5.4.6 mail for {domain} would loop back to this server ({host})")]
    Loop { domain: String, host: String },
    #[error("5.3.5 [relay.routes] next hop {0:?} is not host:port")]
    BadRoute(String),
    #[error("4.4.3 DNS lookup for {name} failed: {reason}")]
    Dns { name: String, reason: String },
}

impl RouteError {
    pub fn verdict(&self) -> Verdict {
        match self {
            RouteError::Dns { .. } => Verdict::Temporary,
            _ => Verdict::Permanent,
        }
    }
}

/// What the MX records of a domain say, before any address lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxPlan {
    /// No MX records: use the domain's own addresses (RFC 5321 §5.1).
    Implicit,
    /// RFC 7505: "." as the only exchange.
    Null,
    /// Exchanges, most preferred (lowest number) first.
    Hosts(Vec<String>),
}

/// Orders MX records (preference, exchange with no trailing dot; "" for the root). Equal preferences keep
/// their DNS order: RFC 5321 §5.1 suggests shuffling them for load spreading, which one server does not need.
pub fn plan_mx(mut records: Vec<(u16, String)>) -> MxPlan {
    if records.is_empty() {
        return MxPlan::Implicit;
    }
    let is_root = |exchange: &str| exchange.is_empty() || exchange == ".";
    if records.iter().all(|(_, exchange)| is_root(exchange)) {
        return MxPlan::Null;
    }
    records.retain(|(_, exchange)| !is_root(exchange));
    records.sort_by_key(|(preference, _)| *preference);
    MxPlan::Hosts(records.into_iter().map(|(_, exchange)| exchange).collect())
}

/// Finds next hops; one per engine, shared by every delivery (the resolver caches answers).
pub struct Router {
    resolver: TokioResolver,
    routes: BTreeMap<String, String>,
    our_hostname: String,
    mx_port: u16,
}

impl Router {
    /// On the process's shared resolver (`facteur_mailauth::dns_resolver`), which asks for both address
    /// families.
    pub fn new(resolver: TokioResolver, routes: BTreeMap<String, String>, our_hostname: &str, mx_port: u16) -> Router {
        let routes = routes.into_iter().map(|(domain, hop)| (domain.to_ascii_lowercase(), hop)).collect();
        Router { resolver, routes, our_hostname: normalise(our_hostname), mx_port }
    }

    /// The servers to try for `domain`, in order.
    pub async fn next_hops(&self, domain: &str) -> Result<Vec<Hop>, RouteError> {
        let domain = normalise(domain);
        if let Some(route) = self.routes.get(&domain) {
            return Ok(vec![self.static_hop(route).await?]);
        }
        let hosts = match plan_mx(self.mx_records(&domain).await?) {
            MxPlan::Null => return Err(RouteError::NullMx(domain)),
            MxPlan::Implicit => vec![domain.clone()],
            MxPlan::Hosts(hosts) => hosts,
        };
        let mut hops = Vec::new();
        let mut last_error = None;
        for host in hosts {
            if normalise(&host) == self.our_hostname {
                return Err(RouteError::Loop { domain, host });
            }
            match self.addresses(&host, self.mx_port).await {
                Ok(addresses) if !addresses.is_empty() => hops.push(Hop { host, addresses }),
                Ok(_) => {}
                Err(error) => last_error = Some(error),
            }
        }
        match (hops.is_empty(), last_error) {
            (false, _) => Ok(hops),
            (true, Some(error)) => Err(error),
            (true, None) => Err(RouteError::NoSuchDomain(domain)),
        }
    }

    /// The hop `route` (`host:port`, `[v6]:port`) names.
    pub async fn static_hop(&self, route: &str) -> Result<Hop, RouteError> {
        let (host, port) = split_host_port(route).ok_or_else(|| RouteError::BadRoute(route.to_owned()))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if normalise(host) == self.our_hostname {
            return Err(RouteError::Loop { domain: route.to_owned(), host: host.to_owned() });
        }
        let addresses = self.addresses(host, port).await?;
        Ok(Hop { host: host.to_owned(), addresses })
    }

    async fn mx_records(&self, domain: &str) -> Result<Vec<(u16, String)>, RouteError> {
        match self.resolver.mx_lookup(fqdn(domain)).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter_map(|record| match &record.data {
                    RData::MX(mx) => Some((mx.preference, normalise(&mx.exchange.to_ascii()))),
                    _ => None,
                })
                .collect()),
            Err(error) if error.is_nx_domain() => Err(RouteError::NoSuchDomain(domain.to_owned())),
            Err(error) if error.is_no_records_found() => Ok(Vec::new()),
            Err(error) => Err(RouteError::Dns { name: domain.to_owned(), reason: error.to_string() }),
        }
    }

    /// Every address of `host` (IPv6 and IPv4); an IP literal is its own address.
    async fn addresses(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, RouteError> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        match self.resolver.lookup_ip(fqdn(host)).await {
            Ok(lookup) => Ok(lookup.iter().map(|ip| SocketAddr::new(ip, port)).collect()),
            Err(error) if error.is_nx_domain() || error.is_no_records_found() => Ok(Vec::new()),
            Err(error) => Err(RouteError::Dns { name: host.to_owned(), reason: error.to_string() }),
        }
    }
}

/// `host:port`, `[v6]:port` or a bare host (port 25).
fn split_host_port(route: &str) -> Option<(&str, u16)> {
    let route = route.trim();
    if route.is_empty() {
        return None;
    }
    if let Ok(address) = route.parse::<SocketAddr>() {
        return Some((route.rsplit_once(':')?.0, address.port()));
    }
    match route.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host, port.parse().ok()?)),
        Some(_) => None,
        None => Some((route, 25)),
    }
}

/// A name written for comparison: lower case, no trailing dot.
fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The name as an absolute one, so the resolver's search list is never appended.
fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(list: &[(u16, &str)]) -> Vec<(u16, String)> {
        list.iter().map(|(preference, host)| (*preference, (*host).to_owned())).collect()
    }

    #[test]
    fn mx_hosts_are_tried_lowest_preference_first() {
        let plan = plan_mx(records(&[(20, "backup.b.test"), (5, "mx1.b.test"), (10, "mx2.b.test")]));
        assert_eq!(plan, MxPlan::Hosts(vec!["mx1.b.test".into(), "mx2.b.test".into(), "backup.b.test".into()]));
    }

    #[test]
    fn no_mx_records_falls_back_to_the_domain_itself() {
        assert_eq!(plan_mx(Vec::new()), MxPlan::Implicit);
    }

    #[test]
    fn a_lone_root_exchange_is_a_null_mx() {
        assert_eq!(plan_mx(records(&[(0, "")])), MxPlan::Null);
        assert_eq!(plan_mx(records(&[(0, ".")])), MxPlan::Null);
    }

    #[test]
    fn a_root_exchange_beside_real_ones_is_ignored() {
        assert_eq!(plan_mx(records(&[(0, ""), (10, "mx.b.test")])), MxPlan::Hosts(vec!["mx.b.test".into()]));
    }

    #[test]
    fn static_routes_accept_host_port_ipv6_and_bare_host() {
        assert_eq!(split_host_port("127.0.0.1:2525"), Some(("127.0.0.1", 2525)));
        assert_eq!(split_host_port("[::1]:2525"), Some(("[::1]", 2525)));
        assert_eq!(split_host_port("relay.example.net"), Some(("relay.example.net", 25)));
        assert_eq!(split_host_port("relay:notaport"), None);
        assert_eq!(split_host_port(""), None);
    }

    #[test]
    fn only_dns_trouble_is_temporary() {
        assert_eq!(RouteError::Dns { name: "x".into(), reason: "timeout".into() }.verdict(), Verdict::Temporary);
        assert_eq!(RouteError::NullMx("x".into()).verdict(), Verdict::Permanent);
        assert_eq!(RouteError::Loop { domain: "x".into(), host: "y".into() }.verdict(), Verdict::Permanent);
    }
}
