//! SMTP TLS Reporting (RFC 8460), the sending side: every TLS session with an MX host under a policy (MTA-STS
//! or DANE) is counted in the store by policy domain and UTC day; once a day is over, each domain that asks
//! for reports (`_smtp._tls` TXT, `rua=mailto:`) gets the day's counts as the JSON of §4.4, gzipped, in a
//! `multipart/report; report-type=tlsrpt` message (§5.3) sent through the outbound queue.

use std::collections::BTreeMap;

use facteur_primitives::unix_now;
use facteur_store::{StoreError, TlsResultCount, TlsSessionResult};
use hickory_resolver::proto::rr::RData;
use tracing::{debug, info, warn};

use crate::engine::DeliveryEngine;
use crate::report::deliver_report;
use crate::tls::TlsFailure;
use crate::tls_policy::ReportedPolicy;
use crate::tlsrpt::{DAY, ReportDestinations, ReportScope, report_json, report_message, tlsrpt_record};

/// Counts one session result (`None`: success) of `domain`'s policy with `mx_host` for today's report.
pub async fn count(
    engine: &DeliveryEngine,
    domain: &str,
    policy: &ReportedPolicy,
    mx_host: &str,
    failure: Option<TlsFailure>,
) {
    let result = TlsSessionResult {
        domain: domain.to_owned(),
        day: unix_now().div_euclid(DAY),
        policy_type: policy.policy_type.to_owned(),
        policy: policy.policy.clone(),
        mx_host: mx_host.to_owned(),
        result: failure.map_or("success", TlsFailure::as_str).to_owned(),
    };
    if let Err(error) = engine.store.count_tls_result(result).await {
        warn!(%domain, %error, "TLS-RPT: cannot count a TLS session result");
    }
}

/// Sends the report of every domain and day before `before_day` (days since the epoch) to the domains that
/// ask for reports, then forgets those counts; domains that ask for none have theirs forgotten too. Returns
/// how many reports were queued.
pub async fn send_reports(engine: &DeliveryEngine, before_day: i64) -> Result<usize, StoreError> {
    let counts = engine.store.tls_results_before(before_day).await?;
    let mut by_scope: BTreeMap<(String, i64), Vec<TlsResultCount>> = BTreeMap::new();
    for count in counts {
        by_scope.entry((count.result.domain.clone(), count.result.day)).or_default().push(count);
    }
    let mut sent = 0;
    for ((domain, day), counts) in by_scope {
        sent += send_one(engine, &domain, day, &counts).await?;
        engine.store.forget_tls_results(&domain, day).await?;
    }
    Ok(sent)
}

async fn send_one(
    engine: &DeliveryEngine,
    domain: &str,
    day: i64,
    counts: &[TlsResultCount],
) -> Result<usize, StoreError> {
    let Some(destinations) = destinations(engine, domain).await else {
        debug!(%domain, "TLS-RPT: the domain asks for no reports");
        return Ok(0);
    };
    if destinations.unsupported > 0 {
        info!(%domain, count = destinations.unsupported, "TLS-RPT: only mailto: report addresses are supported");
    }
    let contact = report_sender(engine);
    let scope = ReportScope { hostname: &engine.settings.hostname, contact: &contact, domain, day };
    let json = report_json(&scope, counts);
    let now = unix_now();
    for to in &destinations.mailto {
        let message = match report_message(&scope, to, &json, now) {
            Ok(message) => message,
            Err(error) => {
                warn!(%domain, %error, "TLS-RPT: cannot write the report");
                continue;
            }
        };
        let Some(message) = sign(engine, &contact, message).await else { continue };
        info!(%domain, %to, report_id = %scope.report_id(), "TLS-RPT: sending the daily report");
        deliver_report(&engine.store, &engine.settings.filtering, engine.settings.lifetime, to, message, now).await?;
    }
    Ok(destinations.mailto.len())
}

/// The `rua` of `_smtp._tls.DOMAIN` (RFC 8460 §3).
async fn destinations(engine: &DeliveryEngine, domain: &str) -> Option<ReportDestinations> {
    let lookup = engine.resolver.txt_lookup(format!("_smtp._tls.{domain}.")).await.ok()?;
    let texts: Vec<String> = lookup
        .answers()
        .iter()
        .filter_map(|record| match &record.data {
            RData::TXT(txt) => Some(txt.txt_data.iter().map(|part| String::from_utf8_lossy(part)).collect()),
            _ => None,
        })
        .collect();
    tlsrpt_record(&texts)
}

/// `[relay] tls_report_from`, else `postmaster@` our hostname.
fn report_sender(engine: &DeliveryEngine) -> String {
    match engine.settings.tls_report_from.as_str() {
        "" => format!("postmaster@{}", engine.settings.hostname),
        from => from.to_owned(),
    }
}

/// The report DKIM-signed for the sender's domain when we hold a key for it (RFC 8460 §5.3 asks for a
/// signature); unsigned otherwise.
async fn sign(engine: &DeliveryEngine, from: &str, message: Vec<u8>) -> Option<Vec<u8>> {
    let (Some(signer), Some((_, domain))) = (engine.signer.get().cloned(), from.rsplit_once('@')) else {
        return Some(message);
    };
    let domain = domain.to_owned();
    let signed = tokio::task::spawn_blocking(move || {
        let signature = signer.sign(&domain, &message);
        (domain, message, signature)
    })
    .await;
    match signed {
        Ok((_, message, Ok(signature))) => {
            let mut signed = signature.into_bytes();
            signed.extend_from_slice(&message);
            Some(signed)
        }
        Ok((domain, message, Err(error))) => {
            debug!(%domain, %error, "TLS-RPT: report sent unsigned");
            Some(message)
        }
        Err(error) => {
            warn!(%error, "TLS-RPT: signing task failed; the report is not sent");
            None
        }
    }
}
