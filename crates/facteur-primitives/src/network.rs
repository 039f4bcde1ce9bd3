//! What "one client" is, for every per-client rule (connection limits, login throttling, bans).

use std::net::{IpAddr, Ipv6Addr};

/// The client network of `ip`: an IPv4 address, or an IPv6 /64. Anyone with IPv6 gets a /64 (one household or
/// server), so counting single IPv6 addresses would make a limit free to evade. IPv4-mapped addresses from
/// dual-stack sockets count as the IPv4 address they carry.
pub fn client_network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from_bits(v6.to_bits() & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn an_ipv6_slash_64_and_a_mapped_ipv4_address_are_one_network() {
        assert_eq!(client_network(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(client_network(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(client_network(ip("192.0.2.1")), ip("192.0.2.1"));
    }
}
