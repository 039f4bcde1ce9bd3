//! The domains a message links to: what URI blocklists are asked about, and where a URL shortener hides the
//! real destination from every filter.

use std::collections::BTreeSet;

use facteur_message::{MessageSummary, part_text};

use super::score;
use crate::Reason;

/// At most this much of each text part is read for links (the decoded text; a message's links are near its
/// top, and a huge part must not cost more).
const TEXT_LIMIT: usize = 256 * 1024;
/// At most this many distinct domains per message: each may cost DNS queries.
pub const MAX_LINK_DOMAINS: usize = 20;

/// Services whose links only redirect elsewhere.
const SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "cutt.ly",
    "rebrand.ly",
    "shorturl.at",
    "tiny.cc",
    "rb.gy",
    "t.ly",
    "s.id",
    "v.gd",
    "bl.ink",
    "short.io",
    "t.co",
    "lnkd.in",
];

/// The distinct domains of the `http`/`https` links in the message's text parts (plain and HTML), lower case,
/// in order of first appearance, at most [`MAX_LINK_DOMAINS`].
pub fn link_domains(raw: &[u8], summary: &MessageSummary) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut domains = Vec::new();
    for part in super::text_parts(&summary.body) {
        for domain in url_hosts(&part_text(raw, part, TEXT_LIMIT)) {
            if domains.len() == MAX_LINK_DOMAINS {
                return domains;
            }
            if seen.insert(domain.clone()) {
                domains.push(domain);
            }
        }
    }
    domains
}

pub(super) fn check_shorteners(domains: &[String]) -> Option<Reason> {
    let shortener = domains.iter().find(|domain| SHORTENERS.contains(&domain.as_str()))?;
    Some(Reason::new("URL_SHORTENER", score::URL_SHORTENER, format!("links through {shortener}")))
}

/// The host of every `http://` or `https://` URL in `text` that is a domain name (not an IP literal).
fn url_hosts(text: &str) -> impl Iterator<Item = String> + '_ {
    let lower = text.to_ascii_lowercase();
    let starts: Vec<usize> = lower.match_indices("http").map(|(at, _)| at).collect();
    starts.into_iter().filter_map(move |at| {
        let rest = &text[at..];
        let after_scheme = strip_scheme(rest)?;
        host_of(after_scheme)
    })
}

fn strip_scheme(url: &str) -> Option<&str> {
    let scheme_len = if url.get(..7)?.eq_ignore_ascii_case("http://") {
        7
    } else if url.get(..8)?.eq_ignore_ascii_case("https://") {
        8
    } else {
        return None;
    };
    url.get(scheme_len..)
}

/// The authority's host, lower case, when it is a plausible domain name: letters, digits, hyphens, at least
/// one dot, not all digits and dots (an address).
fn host_of(rest: &str) -> Option<String> {
    let end =
        rest.find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | ')' | ']') || c.is_whitespace());
    let authority = &rest[..end.unwrap_or(rest.len())];
    let host_and_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = host_and_port.split(':').next()?.trim_end_matches('.').to_ascii_lowercase();
    let plausible = host.len() <= 253
        && host.contains('.')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
        && !host.split('.').any(str::is_empty);
    plausible.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls_in_text() {
        let text = "See https://Example.ORG/path?x=1, http://user:pw@bit.ly:80/abc and <a href=\"https://www.x.net\">. \
                    Not http://192.0.2.1/ nor httpx://no.net nor https://nodot/";
        let hosts: Vec<String> = url_hosts(text).collect();
        assert_eq!(hosts, ["example.org", "bit.ly", "www.x.net"]);
    }

    #[test]
    fn link_domains_read_decoded_parts() {
        let raw = b"Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
                    <a href=3D\"https://tinyurl.com/x\">go</a> https://tinyurl.com/y\r\n";
        let summary = facteur_message::ingest(raw);
        let domains = link_domains(raw, &summary);
        assert_eq!(domains, ["tinyurl.com"]);
        assert_eq!(check_shorteners(&domains).map(|reason| reason.rule).as_deref(), Some("URL_SHORTENER"));
    }
}
