//! `facteur dns-records DOMAIN`: every DNS record a domain needs, as zone-file text (RFC 1035 §5) with a
//! comment saying what each record is for.

use crate::selector::Selector;
use std::fmt::Write;
use std::net::{Ipv4Addr, Ipv6Addr};

/// What the records are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    /// The mail domain (`example.test`): the zone origin.
    pub domain: String,
    /// The server's host name (`mail.example.test`): MX target and service host.
    pub hostname: String,
    /// The server's public IPv4 address, when known.
    pub ipv4: Option<Ipv4Addr>,
    /// The server's public IPv6 address, when known.
    pub ipv6: Option<Ipv6Addr>,
    /// The DKIM TXT values to publish ([`KeyStore::dns_txt`](crate::KeyStore::dns_txt)).
    pub dkim: Vec<(Selector, String)>,
    /// Where each client service listens.
    pub ports: ServicePorts,
    /// The MTA-STS policy id (RFC 8461 §3.1): change it whenever the policy served over HTTPS changes.
    pub mta_sts_id: String,
    /// The mode the policy is served in, which the comments follow.
    pub mta_sts: MtaStsPublication,
    /// The SHA-256 of the certificate's public key, when there is a certificate: a DANE-EE TLSA record.
    pub tlsa_sha256: Option<[u8; 32]>,
    /// The CA allowed to issue for the domain, when certificates come from a known ACME CA: a CAA record.
    pub caa: Option<CaaIssuer>,
}

/// The CAA `issue` property (RFC 8659 §4.2) for the ACME CA in use, narrowed to our account and challenge
/// (RFC 8657), so that no other CA, and no other account at ours, can obtain a certificate for the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaaIssuer {
    /// The CA's issuer domain, e.g. `letsencrypt.org`.
    pub issuer: String,
    /// The ACME account URL, once the account exists.
    pub account_uri: Option<String>,
    /// The ACME challenge type used (`tls-alpn-01`, `http-01`).
    pub validation_method: String,
}

impl CaaIssuer {
    /// The property value: `issuer; accounturi=URL; validationmethods=METHOD`.
    pub fn value(&self) -> String {
        let mut value = self.issuer.clone();
        if let Some(account) = &self.account_uri {
            value.push_str(&format!("; accounturi={account}"));
        }
        value.push_str(&format!("; validationmethods={}", self.validation_method));
        value
    }
}

/// The names, in each mail domain, that the records point at the mail host: clients and senders connect to
/// them over HTTPS, so the certificate must hold them.
const AUTOCONFIG: &str = "autoconfig";
const AUTODISCOVER: &str = "autodiscover";
const MTA_STS: &str = "mta-sts";

/// Every name the records send clients to for `domains`, besides the host name itself: what the server's
/// certificate must hold (ACME's default names). Host name first, then each domain's names, without repeats.
pub fn served_names(hostname: &str, domains: &[String]) -> Vec<String> {
    let mut names = vec![hostname.trim_end_matches('.').to_ascii_lowercase()];
    for domain in domains {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        for label in [MTA_STS, AUTOCONFIG, AUTODISCOVER] {
            let name = format!("{label}.{domain}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// How the MTA-STS policy is served (`[http] mta_sts_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MtaStsPublication {
    /// Senders must use verified TLS.
    Enforce,
    /// Senders report TLS failures but still deliver.
    Testing,
    /// No policy is served: nothing to publish.
    Off,
}

/// The ports of the client services advertised by SRV (RFC 6186, RFC 8314); `None` = not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServicePorts {
    /// Submission over implicit TLS (465).
    pub submissions: Option<u16>,
    /// Submission with STARTTLS (587).
    pub submission: Option<u16>,
    /// IMAP over implicit TLS (993).
    pub imaps: Option<u16>,
    /// IMAP with STARTTLS (143).
    pub imap: Option<u16>,
    /// POP3 over implicit TLS (995).
    pub pop3s: Option<u16>,
    /// POP3 with STLS (110).
    pub pop3: Option<u16>,
    /// ManageSieve with STARTTLS (4190).
    pub managesieve: Option<u16>,
}

impl ServicePorts {
    /// The ports for a port base (`facteur init --port-base N`): N+465, N+587, N+993, N+143, N+995, N+110,
    /// N+4190.
    pub fn with_base(base: u16) -> Self {
        let port = |standard: u16| base.checked_add(standard);
        Self {
            submissions: port(465),
            submission: port(587),
            imaps: port(993),
            imap: port(143),
            pop3s: port(995),
            pop3: port(110),
            managesieve: port(4190),
        }
    }
}

/// The longest character-string a TXT record holds (RFC 1035 §3.3).
const TXT_STRING_MAX: usize = 255;

/// One record the domain needs, with what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneRecord {
    /// What the record is for, printed above it.
    pub comment: String,
    /// Its owner name, fully qualified, lowercase, without the final dot.
    pub owner: String,
    pub data: RecordData,
}

/// A record's type and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    Mx {
        preference: u16,
        exchange: String,
    },
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Txt(String),
    /// RFC 2782; a target of `.` says the service is not offered (RFC 6186 §3.4).
    Srv {
        priority: u16,
        weight: u16,
        port: u16,
        target: String,
    },
    Cname(String),
    /// RFC 6698: certificate usage, selector, matching type, and the data (here always `3 1 1`, RFC 7671).
    Tlsa {
        usage: u8,
        selector: u8,
        matching: u8,
        data: Vec<u8>,
    },
    /// RFC 8659: a non-critical property (here always `issue`) and its value.
    Caa {
        tag: String,
        value: String,
    },
}

impl RecordData {
    /// The type as zone files write it.
    pub fn kind(&self) -> &'static str {
        match self {
            RecordData::Mx { .. } => "MX",
            RecordData::A(_) => "A",
            RecordData::Aaaa(_) => "AAAA",
            RecordData::Txt(_) => "TXT",
            RecordData::Srv { .. } => "SRV",
            RecordData::Cname(_) => "CNAME",
            RecordData::Tlsa { .. } => "TLSA",
            RecordData::Caa { .. } => "CAA",
        }
    }

    /// The value as zone files write it (TXT split into quoted strings).
    pub fn zone_value(&self) -> String {
        match self {
            RecordData::Mx { preference, exchange } => format!("{preference} {}", absolute(exchange)),
            RecordData::A(address) => address.to_string(),
            RecordData::Aaaa(address) => address.to_string(),
            RecordData::Txt(text) => txt_strings(text),
            RecordData::Srv { priority, weight, port, target } => {
                format!("{priority} {weight} {port} {}", absolute(target))
            }
            RecordData::Cname(target) => absolute(target),
            RecordData::Tlsa { usage, selector, matching, data } => {
                let hex: String = data.iter().map(|byte| format!("{byte:02x}")).collect();
                format!("{usage} {selector} {matching} {hex}")
            }
            RecordData::Caa { tag, value } => format!("0 {tag} \"{value}\""),
        }
    }
}

fn absolute(name: &str) -> String {
    if name == "." { ".".to_owned() } else { format!("{}.", name.trim_end_matches('.')) }
}

/// The zone-file text for `facts`. Records are relative to `$ORIGIN`; names outside the domain
/// (a host name in another zone) are printed commented out, to be added in that zone.
pub fn dns_records(facts: &RecordFacts) -> String {
    let domain = facts.domain.trim_end_matches('.').to_ascii_lowercase();
    let mut zone = String::new();
    let _ = write!(
        zone,
        "; DNS records for {domain}, generated by facteur. Paste into the zone of {domain}.\n$ORIGIN {domain}.\n$TTL 3600\n\n"
    );
    for record in zone_records(facts) {
        let line = match relative_owner(&record.owner, &domain) {
            Some(owner) => format!("{owner} IN {} {}", record.data.kind(), record.data.zone_value()),
            None => format!("; {}. IN {} {}", record.owner, record.data.kind(), record.data.zone_value()),
        };
        let _ = write!(zone, "; {}\n{line}\n\n", record.comment);
    }
    for hint in address_hints(facts) {
        let _ = write!(zone, "{hint}\n\n");
    }
    if facts.mta_sts == MtaStsPublication::Off {
        let _ = write!(
            zone,
            "; MTA-STS is off ([http] mta_sts_mode = \"none\"): no policy is served, so nothing to publish for it.\n\n"
        );
    }
    zone.truncate(zone.trim_end().len());
    zone.push('\n');
    zone
}

/// `@` for the domain itself, the label(s) before it for names inside it, `None` for names outside.
fn relative_owner(owner: &str, domain: &str) -> Option<String> {
    if owner == domain {
        return Some("@".to_owned());
    }
    owner.strip_suffix(&format!(".{domain}")).map(str::to_owned)
}

/// Every record `facts` call for, in the order they are printed: what `dns-records` prints and what
/// `--check` looks up.
pub fn zone_records(facts: &RecordFacts) -> Vec<ZoneRecord> {
    let domain = facts.domain.trim_end_matches('.').to_ascii_lowercase();
    let host = facts.hostname.trim_end_matches('.').to_ascii_lowercase();
    let in_domain = |label: &str| format!("{label}.{domain}");
    let mut records = Vec::new();
    let mut add = |comment: String, owner: String, data: RecordData| records.push(ZoneRecord { comment, owner, data });
    add(
        format!("Mail for {domain} is delivered to {host} (RFC 5321 §5.1)."),
        domain.clone(),
        RecordData::Mx { preference: 10, exchange: host.clone() },
    );
    let placement = |family: &str| {
        if relative_owner(&host, &domain).is_some() {
            format!("The mail host's {family} address.")
        } else {
            format!("The mail host's {family} address belongs in the zone of {host}:")
        }
    };
    if let Some(address) = facts.ipv4 {
        add(placement("IPv4"), host.clone(), RecordData::A(address));
    }
    if let Some(address) = facts.ipv6 {
        add(placement("IPv6"), host.clone(), RecordData::Aaaa(address));
    }
    add(
        "SPF: only the hosts named by MX may send as this domain; fail everything else (RFC 7208).".to_owned(),
        domain.clone(),
        RecordData::Txt("v=spf1 mx -all".to_owned()),
    );
    for (selector, value) in &facts.dkim {
        add(
            format!("DKIM public key, selector {selector} (RFC 6376 §3.6.2)."),
            in_domain(&format!("{selector}._domainkey")),
            RecordData::Txt(value.clone()),
        );
    }
    add(
        "DMARC: quarantine mail failing SPF and DKIM alignment, send aggregate reports to postmaster (RFC 7489)."
            .to_owned(),
        in_domain("_dmarc"),
        RecordData::Txt(format!("v=DMARC1; p=quarantine; rua=mailto:postmaster@{domain}")),
    );
    for (label, priority, port, comment) in services(&facts.ports) {
        let data = match port {
            Some(port) => RecordData::Srv { priority, weight: 1, port, target: host.clone() },
            None => RecordData::Srv { priority: 0, weight: 0, port: 0, target: ".".to_owned() },
        };
        let comment = if port.is_some() { comment.to_owned() } else { format!("{comment} Not offered.") };
        add(comment, in_domain(label), data);
    }
    add(
        "Thunderbird-style client autoconfiguration is served by the mail host.".to_owned(),
        in_domain(AUTOCONFIG),
        RecordData::Cname(host.clone()),
    );
    add(
        "Outlook-style autodiscover is served by the mail host.".to_owned(),
        in_domain(AUTODISCOVER),
        RecordData::Cname(host.clone()),
    );
    let mta_sts_meaning = match facts.mta_sts {
        MtaStsPublication::Enforce => Some("senders must deliver over TLS verified for the MX host"),
        MtaStsPublication::Testing => Some(
            "mode testing: senders report TLS failures but still deliver; set [http] mta_sts_mode = \"enforce\" \
             once the reports are clean",
        ),
        MtaStsPublication::Off => None,
    };
    if let Some(meaning) = mta_sts_meaning {
        add(
            format!(
                "MTA-STS, {meaning}; the policy is at https://mta-sts.{domain}/.well-known/mta-sts.txt (RFC 8461)."
            ),
            in_domain("_mta-sts"),
            RecordData::Txt(format!("v=STSv1; id={}", facts.mta_sts_id)),
        );
        add(
            "The MTA-STS policy host is the mail host.".to_owned(),
            in_domain(MTA_STS),
            RecordData::Cname(host.clone()),
        );
    }
    if let Some(digest) = facts.tlsa_sha256 {
        add(
            "DANE (RFC 7672): senders that validate DNSSEC verify port 25 against this key. Publish it only in a \
             DNSSEC-signed zone, and publish the next key's record before the certificate changes key."
                .to_owned(),
            format!("_25._tcp.{host}"),
            RecordData::Tlsa { usage: 3, selector: 1, matching: 1, data: digest.to_vec() },
        );
    }
    if let Some(caa) = &facts.caa {
        add(
            format!(
                "CAA (RFC 8659, 8657): only {} may issue certificates for the domain, over {}{}",
                caa.issuer,
                caa.validation_method,
                match caa.account_uri {
                    Some(_) => ", and only to this server's ACME account.",
                    None => ". Once the account exists (at the first start), this record names it too (accounturi).",
                }
            ),
            domain.clone(),
            RecordData::Caa { tag: "issue".to_owned(), value: caa.value() },
        );
    }
    add(
        "TLS-RPT: where senders report TLS failures (RFC 8460).".to_owned(),
        in_domain("_smtp._tls"),
        RecordData::Txt(format!("v=TLSRPTv1; rua=mailto:postmaster@{domain}")),
    );
    records
}

/// For an address not known here, a commented line saying what to fill in.
/// What `dns-records` cannot write as records: the addresses it does not know, and reverse DNS.
fn address_hints(facts: &RecordFacts) -> Vec<String> {
    let host = format!("{}.", facts.hostname.trim_end_matches('.').to_ascii_lowercase());
    let mut hints = Vec::new();
    if facts.ipv4.is_none() {
        hints.push(format!(
            "; The mail host's IPv4 address (unknown here: fill in, or leave out).\n; {host} IN A <IPv4 address>"
        ));
    }
    if facts.ipv6.is_none() {
        hints.push(format!(
            "; The mail host's IPv6 address (unknown here: fill in, or leave out).\n; {host} IN AAAA <IPv6 address>"
        ));
    }
    hints.push(reverse_dns_hint(facts, &host));
    hints
}

/// Reverse DNS is not in the domain's zone but in the address owner's: many receivers refuse mail from an
/// address whose PTR record does not name a host that resolves back to it (forward-confirmed reverse DNS, the
/// `iprev` check of RFC 8601 §3), so the operator must ask for it.
fn reverse_dns_hint(facts: &RecordFacts, host: &str) -> String {
    let mut hint = String::from(
        "; Reverse DNS: the PTR record of each address above must name the mail host, which must resolve back to\n\
         ; it; receivers refuse or junk mail otherwise. It lives in the zone of whoever provides the address (ask\n\
         ; your hosting provider, or set it in their panel), not in this one:",
    );
    if let Some(address) = facts.ipv4 {
        let [a, b, c, d] = address.octets();
        hint.push_str(&format!("\n; {d}.{c}.{b}.{a}.in-addr.arpa. IN PTR {host}"));
    }
    if let Some(address) = facts.ipv6 {
        let nibbles: Vec<String> = address
            .octets()
            .iter()
            .rev()
            .flat_map(|byte| [format!("{:x}", byte & 0x0f), format!("{:x}", byte >> 4)])
            .collect();
        hint.push_str(&format!("\n; {}.ip6.arpa. IN PTR {host}", nibbles.join(".")));
    }
    if facts.ipv4.is_none() && facts.ipv6.is_none() {
        hint.push_str(&format!("\n; <reversed address>.in-addr.arpa. IN PTR {host}"));
    }
    hint
}

/// SRV records for client discovery. RFC 8314 §5.1: implicit TLS gets the lower (preferred) priority;
/// RFC 6186 §3.4: a service not offered is published with target "." so clients do not guess.
fn services(ports: &ServicePorts) -> [(&'static str, u16, Option<u16>, &'static str); 7] {
    [
        ("_submissions._tcp", 0, ports.submissions, "Mail submission over implicit TLS (RFC 8314)."),
        ("_submission._tcp", 10, ports.submission, "Mail submission with STARTTLS (RFC 6186)."),
        ("_imaps._tcp", 0, ports.imaps, "IMAP over implicit TLS (RFC 8314)."),
        ("_imap._tcp", 10, ports.imap, "IMAP with STARTTLS (RFC 6186)."),
        ("_pop3s._tcp", 20, ports.pop3s, "POP3 over implicit TLS, less preferred than IMAP (RFC 8314)."),
        ("_pop3._tcp", 30, ports.pop3, "POP3 with STLS, less preferred than IMAP (RFC 6186)."),
        (
            "_sieve._tcp",
            0,
            ports.managesieve,
            "ManageSieve with STARTTLS, where clients install Sieve filters (RFC 5804 §1.8).",
        ),
    ]
}

/// A TXT value as one or more quoted character-strings of at most 255 bytes each (RFC 7208 §3.3 and
/// RFC 6376 §3.6.2.2: receivers concatenate them), wrapped in parentheses when split.
pub fn txt_strings(value: &str) -> String {
    let mut strings = Vec::new();
    let mut current = String::new();
    let mut current_bytes = 0;
    for c in value.chars() {
        if current_bytes + c.len_utf8() > TXT_STRING_MAX {
            strings.push(std::mem::take(&mut current));
            current_bytes = 0;
        }
        // The escape is zone-file syntax only: it does not count toward the 255 bytes.
        if c == '"' || c == '\\' {
            current.push('\\');
        }
        current.push(c);
        current_bytes += c.len_utf8();
    }
    strings.push(current);
    if strings.len() == 1 {
        format!("\"{}\"", strings[0])
    } else {
        let quoted: Vec<String> = strings.iter().map(|s| format!("\"{s}\"")).collect();
        format!("( {} )", quoted.join("\n\t"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_txt_values_are_split_into_255_byte_strings() {
        let value = "x".repeat(600);
        let text = txt_strings(&value);
        let strings: Vec<&str> = text.split('"').skip(1).step_by(2).collect();
        assert_eq!(strings.iter().map(|s| s.len()).collect::<Vec<_>>(), vec![255, 255, 90]);
        assert_eq!(strings.concat(), value);
    }

    #[test]
    fn short_txt_values_stay_one_string() {
        assert_eq!(txt_strings("v=spf1 mx -all"), "\"v=spf1 mx -all\"");
        assert_eq!(txt_strings("a\"b"), "\"a\\\"b\"");
    }
}
