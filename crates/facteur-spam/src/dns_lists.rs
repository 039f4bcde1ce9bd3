//! DNS lists (RFC 5782): a zone answers an A record in 127.0.0.0/8 for what it lists. Blocklists (`dnsbl`)
//! and allowlists (`dnswl`) list client addresses; URI lists (`uribl`) list domains, asked here for the
//! domains a message links to, its HELO name and its MAIL FROM domain.
//!
//! What the answers mean is each list's own: the operator may name the codes that count. Without them, any
//! answer in 127.0.0.0/8 counts except the ones lists use to say "not a listing": 127.0.0.1 (URIBL and SURBL
//! refuse a query with it) and 127.255.255.0/24 (Spamhaus: refused, rate limited, public resolver). Every
//! address is asked about, loopback included: lists name no loopback address except their test entries
//! (RFC 5782 §5: 127.0.0.2 is listed, 127.0.0.1 is not), which is how an operator checks a zone works.

use std::net::{IpAddr, Ipv4Addr};

use crate::Reason;

/// Which list a zone is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// Client addresses that send spam.
    Block,
    /// Client addresses that do not (a negative score).
    Allow,
    /// Domains seen in spam.
    Uri,
}

/// One configured zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub name: String,
    pub kind: ListKind,
    /// Added to the score when the zone lists what was asked (negative for an allowlist).
    pub score: f64,
    /// The answers that count as a listing; empty: any but the "not a listing" codes.
    pub codes: Vec<Ipv4Addr>,
}

/// The name to ask a zone about an address: the octets (IPv4) or nibbles (IPv6, RFC 5782 §2.4) reversed.
pub fn address_query(ip: IpAddr, zone: &str) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.{zone}.")
        }
        IpAddr::V6(v6) => {
            let nibbles: Vec<String> = v6
                .octets()
                .iter()
                .rev()
                .flat_map(|byte| [byte & 0x0f, byte >> 4])
                .map(|nibble| format!("{nibble:x}"))
                .collect();
            format!("{}.{zone}.", nibbles.join("."))
        }
    }
}

/// The name to ask a zone about a domain (RFC 5782 §2.3).
pub fn domain_query(domain: &str, zone: &str) -> String {
    format!("{}.{zone}.", domain.trim_end_matches('.').to_ascii_lowercase())
}

/// The first answer that counts as a listing in `zone`, if any.
pub fn listing(zone: &Zone, answers: &[Ipv4Addr]) -> Option<Ipv4Addr> {
    answers
        .iter()
        .copied()
        .find(|answer| if zone.codes.is_empty() { is_listing_code(*answer) } else { zone.codes.contains(answer) })
}

fn is_listing_code(answer: Ipv4Addr) -> bool {
    let [first, second, third, _] = answer.octets();
    first == 127 && answer != Ipv4Addr::new(127, 0, 0, 1) && !(second == 255 && third == 255)
}

/// The reason for a listing of `what` (an address or a domain) in `zone`.
pub fn reason(zone: &Zone, what: &str, answer: Ipv4Addr) -> Reason {
    let rule = match zone.kind {
        ListKind::Block => "DNSBL",
        ListKind::Allow => "DNSWL",
        ListKind::Uri => "URIBL",
    };
    Reason::new(rule, zone.score, format!("{what} listed in {}, answer {answer}", zone.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(codes: Vec<Ipv4Addr>) -> Zone {
        Zone { name: "bl.example".into(), kind: ListKind::Block, score: 5.0, codes }
    }

    #[test]
    fn query_names() {
        assert_eq!(address_query("192.0.2.99".parse().unwrap(), "bl.example"), "99.2.0.192.bl.example.");
        // RFC 5782 §2.4's example.
        let v6: IpAddr = "2001:db8:1:2:3:4:567:89ab".parse().unwrap();
        assert_eq!(
            address_query(v6, "ugly.example.com"),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com."
        );
        assert_eq!(domain_query("Spam.Example.", "uri.example"), "spam.example.uri.example.");
    }

    #[test]
    fn which_answers_are_listings() {
        let any = zone(vec![]);
        assert_eq!(listing(&any, &[Ipv4Addr::new(127, 0, 0, 2)]), Some(Ipv4Addr::new(127, 0, 0, 2)));
        assert_eq!(listing(&any, &[Ipv4Addr::new(127, 0, 0, 1)]), None);
        assert_eq!(listing(&any, &[Ipv4Addr::new(127, 255, 255, 254)]), None);
        assert_eq!(listing(&any, &[Ipv4Addr::new(192, 0, 2, 1)]), None);
        let only_ten = zone(vec![Ipv4Addr::new(127, 0, 0, 10)]);
        assert_eq!(listing(&only_ten, &[Ipv4Addr::new(127, 0, 0, 2)]), None);
        assert!(listing(&only_ten, &[Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 10)]).is_some());
    }
}
