//! `facteur dns-records DOMAIN`: the zone-file text of every record DOMAIN needs, from the configuration
//! (host name, listeners) and the DKIM keys. The text itself is `facteur-mailauth`'s [`dns_records`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use facteur_config::{Config, Protocol, TlsMode};
use facteur_store::Store;
use std::time::Duration;

use facteur_mailauth::{
    CaaIssuer, Checked, MtaStsPublication, RecordFacts, RecordVerdict, ServicePorts, check_records, dns_records,
    dns_resolver, zone_records,
};

use crate::cli::DnsRecordsArgs;
use crate::commands::dkim::{current_keys_of_local_domain, key_failure, local_domain_with_current_keys};
use crate::data_dir::DataDir;
use crate::failure::{Failure, Outcome};

pub async fn run(data_dir: &DataDir, args: &DnsRecordsArgs) -> Outcome {
    let config = data_dir.load_config()?;
    let domain = args.domain.trim_end_matches('.').to_ascii_lowercase();
    local_domain_with_current_keys(data_dir, &config, &domain).await?;
    let facts = record_facts(data_dir, &config, domain, args.ipv4, args.ipv6)?;
    if args.check {
        return report(&facts.domain, &checked_records(&config, &facts).await?);
    }
    print!("{}", dns_records(&facts));
    Ok(())
}

/// The admin page's DNS check of `domain`, on the server's open store: the same records and lookups as
/// `dns-records --check`.
pub async fn check_for_admin_page(
    data_dir: &DataDir,
    config: &Config,
    store: &Arc<dyn Store>,
    domain: &str,
) -> Outcome<Vec<Checked>> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    current_keys_of_local_domain(data_dir, store, &domain).await?;
    let facts = record_facts(data_dir, config, domain, None, None)?;
    checked_records(config, &facts).await
}

/// What the records say, from the configuration, the DKIM keys and the certificate; the addresses given
/// on the command line, else the listeners' public ones.
fn record_facts(
    data_dir: &DataDir,
    config: &Config,
    domain: String,
    ipv4: Option<Ipv4Addr>,
    ipv6: Option<Ipv6Addr>,
) -> Outcome<RecordFacts> {
    let dkim = data_dir.dkim_keys().dns_txt(&domain).map_err(key_failure)?;
    Ok(RecordFacts {
        ipv4: ipv4.or_else(|| public_address(config, as_v4)),
        ipv6: ipv6.or_else(|| public_address(config, as_v6)),
        domain,
        hostname: config.server.hostname.clone(),
        dkim,
        ports: service_ports(config),
        mta_sts_id: mta_sts_id(config),
        tlsa_sha256: facteur_net::tls::public_key_sha256(&crate::certificates::served_certificate(config, data_dir))
            .ok(),
        caa: caa_issuer(config, data_dir),
        mta_sts: match config.http.mta_sts_mode.as_str() {
            "enforce" => MtaStsPublication::Enforce,
            "testing" => MtaStsPublication::Testing,
            _ => MtaStsPublication::Off,
        },
    })
}

/// With `[acme]` on at a known CA: the CAA record naming it, with the account once it exists.
fn caa_issuer(config: &Config, data_dir: &DataDir) -> Option<CaaIssuer> {
    let acme = &config.acme;
    if !acme.enabled {
        return None;
    }
    let issuer = facteur_acme::caa_issuer(&acme.directory)?;
    let account_uri = crate::certificates::acme_files(data_dir).account_uri(&acme.directory).ok().flatten();
    let validation_method = match acme.challenge {
        facteur_config::AcmeChallenge::TlsAlpn01 => "tls-alpn-01",
        facteur_config::AcmeChallenge::Http01 => "http-01",
    };
    Some(CaaIssuer { issuer: issuer.to_owned(), account_uri, validation_method: validation_method.to_owned() })
}

/// Looks each record up: right, missing, wrong or unknown.
async fn checked_records(config: &Config, facts: &RecordFacts) -> Outcome<Vec<Checked>> {
    let resolver = dns_resolver(&config.dns.nameservers, Duration::from_secs(5))
        .map_err(|error| Failure::Runtime(anyhow::anyhow!("cannot set up DNS lookups: {error}")))?;
    let host = facts.hostname.trim_end_matches('.').to_ascii_lowercase();
    Ok(check_records(&resolver, &zone_records(facts), &host).await)
}

/// `--check`: one line per record, right or what to do about it; exit 1 unless all are right.
fn report(domain: &str, checked: &[Checked]) -> Outcome {
    let mut wrong = 0;
    for Checked { expected, verdict } in checked {
        let line = match verdict {
            RecordVerdict::Right => format!("right    {expected}"),
            RecordVerdict::Missing => {
                format!("MISSING  {expected}\n         publish it (`facteur dns-records {domain}` prints it)")
            }
            RecordVerdict::Wrong { found } => {
                format!("WRONG    {expected}\n         found {}; publish the value above instead", found.join(" | "))
            }
            RecordVerdict::Unknown { reason } => format!("UNKNOWN  {expected}\n         the lookup failed: {reason}"),
        };
        if *verdict != RecordVerdict::Right {
            wrong += 1;
        }
        println!("{line}");
    }
    if wrong > 0 {
        return Err(Failure::Runtime(anyhow::anyhow!(
            "{wrong} of {} records are not as they should be",
            checked.len()
        )));
    }
    println!("All {} records are right.", checked.len());
    Ok(())
}

/// The port each client service listens on: the first listener of that protocol and TLS mode.
fn service_ports(config: &Config) -> ServicePorts {
    let port = |protocol: Protocol, tls: TlsMode| {
        config
            .listeners
            .values()
            .filter(|listener| listener.protocol == protocol && listener.tls == tls)
            .find_map(|listener| listener.bind.first().map(|address| address.port()))
    };
    ServicePorts {
        submissions: port(Protocol::Submission, TlsMode::Implicit),
        submission: port(Protocol::Submission, TlsMode::Starttls),
        imaps: port(Protocol::Imap, TlsMode::Implicit),
        imap: port(Protocol::Imap, TlsMode::Starttls),
        pop3s: port(Protocol::Pop3, TlsMode::Implicit),
        pop3: port(Protocol::Pop3, TlsMode::Starttls),
        managesieve: port(Protocol::ManageSieve, TlsMode::Starttls),
    }
}

/// The address an smtp listener binds to, when it names one other servers could reach (not `0.0.0.0`,
/// not loopback): otherwise the records leave the address for the operator to fill in.
fn public_address<T>(config: &Config, pick: impl Fn(IpAddr) -> Option<T>) -> Option<T> {
    config
        .listeners
        .values()
        .filter(|listener| listener.protocol == Protocol::Smtp)
        .flat_map(|listener| listener.bind.iter().map(|address| address.ip()))
        .filter(|ip| !ip.is_unspecified() && !ip.is_loopback())
        .find_map(pick)
}

fn as_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(_) => None,
    }
}

fn as_v6(ip: IpAddr) -> Option<Ipv6Addr> {
    match ip {
        IpAddr::V6(v6) => Some(v6),
        IpAddr::V4(_) => None,
    }
}

/// RFC 8461 §3.1: the id must change whenever the policy does. Ours says the mode, the MX host and the max age,
/// so a digest of the three changes exactly when it must.
fn mta_sts_id(config: &Config) -> String {
    let http = &config.http;
    let policy =
        format!("mx:{} mode:{} max_age:{}", config.server.hostname, http.mta_sts_mode, http.mta_sts_max_age_days);
    let digest = ring::digest::digest(&ring::digest::SHA256, policy.as_bytes());
    digest.as_ref().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}
