//! SMTP TLS Reporting (RFC 8460), the sending side: every TLS session with an MX host under a policy (MTA-STS
//! or DANE) is counted in the store by policy domain and UTC day; once a day is over, each domain that asks
//! for reports (`_smtp._tls` TXT, `rua=mailto:`) gets the day's counts as the JSON of §4.4, gzipped, in a
//! `multipart/report; report-type=tlsrpt` message (§5.3) sent through the outbound queue.

use facteur_primitives::unix_now;
use facteur_store::TlsSessionResult;
use tracing::warn;

use crate::engine::DeliveryEngine;
use crate::tls::TlsFailure;
use crate::tls_policy::ReportedPolicy;

/// Seconds in a (UTC) day: RFC 8460 §4.1 reports cover whole days.
pub const DAY: i64 = 86_400;

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
