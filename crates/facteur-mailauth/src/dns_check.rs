//! `facteur dns-records DOMAIN --check`: each record the domain needs, looked up live, with a plain verdict.
//!
//! A record is right when the name holds the value we would publish. For TXT names shared with other uses
//! (SPF at the apex, next to site verifications), only the records of the same kind count: the ones that begin
//! like ours (`v=spf1`, `v=DMARC1`, `v=DKIM1`, `v=STSv1`, `v=TLSRPTv1`). The reverse (PTR) of each known
//! address must name the mail host: receivers check it (RFC 8461 needs none, but many filters do).

use std::net::IpAddr;

use futures_util::future::join_all;

use hickory_resolver::TokioResolver;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

use crate::dns_records::{RecordData, ZoneRecord};

/// What the DNS says about one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordVerdict {
    Right,
    /// Nothing of this kind at the name.
    Missing,
    /// Something else is published there.
    Wrong {
        found: Vec<String>,
    },
    /// The lookup failed (a timeout, SERVFAIL): nothing can be said.
    Unknown {
        reason: String,
    },
}

/// One record checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// What is looked for, as `NAME TYPE VALUE`.
    pub expected: String,
    pub verdict: RecordVerdict,
}

/// Looks up every record, then the reverse of every address among them, in that order. The lookups run
/// together: a check waits as long as its slowest lookup, not their sum (with an unreachable server, a
/// dozen timeouts in a row would keep an admin waiting a minute).
pub async fn check_records(resolver: &TokioResolver, records: &[ZoneRecord], host: &str) -> Vec<Checked> {
    let forward = records.iter().map(|record| check_record(resolver, record));
    let reverse = records.iter().filter_map(|record| match &record.data {
        RecordData::A(address) => Some(check_reverse(resolver, (*address).into(), host)),
        RecordData::Aaaa(address) => Some(check_reverse(resolver, (*address).into(), host)),
        _ => None,
    });
    let (mut checked, reverse) = futures_util::future::join(join_all(forward), join_all(reverse)).await;
    checked.extend(reverse);
    checked
}

async fn check_record(resolver: &TokioResolver, record: &ZoneRecord) -> Checked {
    let expected = format!("{}. {} {}", record.owner, record.data.kind(), display_value(&record.data));
    let verdict = match lookup(resolver, &record.owner, record_type(&record.data)).await {
        Ok(found) => judge(&record.data, found),
        Err(verdict) => verdict,
    };
    Checked { expected, verdict }
}

/// The PTR of `address` should name `host` (RFC 1912 §2.1; receivers check it).
async fn check_reverse(resolver: &TokioResolver, address: IpAddr, host: &str) -> Checked {
    let reverse = Name::from(address).to_ascii();
    let expected = format!("{reverse} PTR {host}. (the reverse of {address}, set by whoever gives you the address)");
    let verdict = match lookup(resolver, &reverse, RecordType::PTR).await {
        Ok(found) if found.iter().any(|name| name == host) => RecordVerdict::Right,
        Ok(found) if found.is_empty() => RecordVerdict::Missing,
        Ok(found) => RecordVerdict::Wrong { found },
        Err(verdict) => verdict,
    };
    Checked { expected, verdict }
}

fn record_type(data: &RecordData) -> RecordType {
    match data {
        RecordData::Mx { .. } => RecordType::MX,
        RecordData::A(_) => RecordType::A,
        RecordData::Aaaa(_) => RecordType::AAAA,
        RecordData::Txt(_) => RecordType::TXT,
        RecordData::Srv { .. } => RecordType::SRV,
        RecordData::Cname(_) => RecordType::CNAME,
        RecordData::Tlsa { .. } => RecordType::TLSA,
        RecordData::Caa { .. } => RecordType::CAA,
    }
}

/// The value as the verdicts print it (TXT unsplit, names without the final dot).
fn display_value(data: &RecordData) -> String {
    match data {
        RecordData::Txt(text) => format!("\"{text}\""),
        other => other.zone_value().trim_end_matches('.').to_owned(),
    }
}

/// Every answer of `kind` at `name`, each in [`comparable`] form; a missing name is no answer.
async fn lookup(resolver: &TokioResolver, name: &str, kind: RecordType) -> Result<Vec<String>, RecordVerdict> {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    match resolver.lookup(fqdn.as_str(), kind).await {
        Ok(answer) => Ok(answer.answers().iter().filter_map(|record| comparable(&record.data)).collect()),
        Err(error) if error.is_nx_domain() || error.is_no_records_found() => Ok(Vec::new()),
        Err(error) => Err(RecordVerdict::Unknown { reason: error.to_string() }),
    }
}

/// A record's value written the way [`expected_form`] writes ours, so the two compare as strings.
fn comparable(data: &RData) -> Option<String> {
    let name = |name: &Name| name.to_ascii().trim_end_matches('.').to_ascii_lowercase();
    Some(match data {
        RData::MX(mx) => format!("{} {}", mx.preference, name(&mx.exchange)),
        RData::A(a) => a.0.to_string(),
        RData::AAAA(aaaa) => aaaa.0.to_string(),
        RData::TXT(txt) => txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect::<String>(),
        RData::SRV(srv) => {
            let target = if srv.target.is_root() { ".".to_owned() } else { name(&srv.target) };
            format!("{} {} {} {target}", srv.priority, srv.weight, srv.port)
        }
        RData::CNAME(cname) => name(&cname.0),
        RData::PTR(ptr) => name(&ptr.0),
        RData::TLSA(tlsa) => {
            let hex: String = tlsa.cert_data.iter().map(|byte| format!("{byte:02x}")).collect();
            format!("{} {} {} {hex}", u8::from(tlsa.cert_usage), u8::from(tlsa.selector), u8::from(tlsa.matching))
        }
        RData::CAA(caa) => format!("{} {} \"{}\"", caa.flags(), caa.tag, String::from_utf8_lossy(&caa.value)),
        _ => return None,
    })
}

fn expected_form(data: &RecordData) -> String {
    match data {
        RecordData::Mx { preference, exchange } => format!("{preference} {}", exchange.to_ascii_lowercase()),
        RecordData::A(address) => address.to_string(),
        RecordData::Aaaa(address) => address.to_string(),
        RecordData::Txt(text) => text.clone(),
        RecordData::Srv { priority, weight, port, target } => format!("{priority} {weight} {port} {target}"),
        RecordData::Cname(target) => target.to_ascii_lowercase(),
        RecordData::Tlsa { .. } | RecordData::Caa { .. } => data.zone_value(),
    }
}

fn judge(expected: &RecordData, found: Vec<String>) -> RecordVerdict {
    let wanted = expected_form(expected);
    let same_kind: Vec<String> = match expected {
        RecordData::Txt(text) => {
            let tag = text.split([';', ' ']).next().unwrap_or_default().to_ascii_lowercase();
            found.into_iter().filter(|value| value.to_ascii_lowercase().starts_with(&tag)).collect()
        }
        // Other properties (iodef, issuewild) live beside ours; a record naming our CA alone, without the
        // account and method, also lets it issue (RFC 8659 §4.2, RFC 8657 §3): right too.
        RecordData::Caa { tag, value } => {
            let issuer = value.split(';').next().unwrap_or_default().trim();
            let prefix = format!("0 {tag} ");
            let ours: Vec<String> = found.into_iter().filter(|found| found.starts_with(&prefix)).collect();
            if ours.iter().any(|found| found.trim_end() == format!("{prefix}\"{issuer}\"")) {
                return RecordVerdict::Right;
            }
            ours
        }
        _ => found,
    };
    let normal = |value: &str| value.split_whitespace().collect::<Vec<_>>().join(" ");
    if same_kind.iter().any(|value| normal(value) == normal(&wanted)) {
        RecordVerdict::Right
    } else if same_kind.is_empty() {
        RecordVerdict::Missing
    } else {
        RecordVerdict::Wrong { found: same_kind }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_records_of_other_kinds_are_ignored_and_spacing_does_not_matter() {
        let spf = RecordData::Txt("v=spf1 mx -all".into());
        let verification = "google-site-verification=abc".to_owned();
        assert_eq!(judge(&spf, vec![verification.clone(), "v=spf1  mx -all".into()]), RecordVerdict::Right);
        assert_eq!(judge(&spf, vec![verification]), RecordVerdict::Missing);
        assert_eq!(
            judge(&spf, vec!["v=spf1 a -all".into()]),
            RecordVerdict::Wrong { found: vec!["v=spf1 a -all".into()] }
        );
        let mx = RecordData::Mx { preference: 10, exchange: "mail.example.test".into() };
        assert_eq!(judge(&mx, vec!["10 mail.example.test".into()]), RecordVerdict::Right);
        assert_eq!(judge(&mx, vec![]), RecordVerdict::Missing);
    }
}
