//! THE one place that decides which TLS an MX host gets: DANE when its TLSA records are DNSSEC-authenticated
//! (RFC 7672), else the domain's MTA-STS policy (RFC 8461 §2: DANE takes precedence), else opportunistic TLS.
//! Static routes and the smarthost are the operator's own choices and keep their TLS (`route`, `smarthost`).

use std::sync::Arc;

use rustls::ClientConfig;

use crate::dane::{Tlsa, TlsaAnswer};
use crate::engine::DeliveryEngine;
use crate::mta_sts::Mode;
use crate::sts_fetch::StsOutcome;
use crate::tls::{CertificateCheck, Observed, TlsFailure};

/// The policy a TLS-RPT report names (RFC 8460 §4.4 `policies`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedPolicy {
    /// `sts` or `tlsa`.
    pub policy_type: &'static str,
    /// The policy's lines (`policy-string`), `\n`-separated.
    pub policy: String,
}

/// The TLS one connection to one MX host gets.
pub struct HopTls {
    pub config: Arc<ClientConfig>,
    /// STARTTLS must be offered and the handshake succeed: no plain-text fallback.
    pub required: bool,
    /// What the certificate check found, for TLS-RPT.
    pub observed: Observed,
    /// The policy in words, for logs and `facteur queue show`: "MTA-STS policy of b.test (enforce)".
    pub description: String,
    pub reported: Option<ReportedPolicy>,
    /// What the certificate is checked against (`None`: nothing, opportunistic TLS).
    check: Option<CertificateCheck>,
}

impl HopTls {
    /// Opportunistic TLS, for static routes and domains without a policy.
    pub fn opportunistic(engine: &DeliveryEngine) -> HopTls {
        HopTls {
            config: Arc::clone(&engine.client.tls),
            required: false,
            observed: Observed::default(),
            description: "no TLS policy".into(),
            reported: None,
            check: None,
        }
    }

    /// The same check, failures only noted (for TLS-RPT), never refused: what a message with
    /// `TLS-Required: No` asks (RFC 8689 §3).
    pub fn relaxed(self, engine: &DeliveryEngine) -> HopTls {
        let Some(check) = self.check.clone().filter(|_| self.required) else { return self };
        let description = format!("{}, ignored for TLS-Required: No", self.description);
        match connect(engine, check, false, description, self.reported.clone()) {
            HopDecision::Connect(relaxed) => relaxed,
            HopDecision::Skip { .. } => HopTls::opportunistic(engine),
        }
    }

    /// Sessions opened under the same description can carry each other's messages (see `pool`).
    pub fn pool_key(&self) -> &str {
        &self.description
    }
}

/// The TLS for `host`, an MX host of `domain`, or why it must not be tried now (a 4.7.5 reason, and the
/// failure to report when a policy was involved).
pub enum HopDecision {
    Connect(HopTls),
    Skip { reason: String, reported: Option<(ReportedPolicy, TlsFailure)> },
}

/// See the module documentation.
pub async fn hop_tls(engine: &DeliveryEngine, domain: &str, host: &str, sts: &StsOutcome) -> HopDecision {
    match engine.tlsa.lookup(host, engine.settings.mx_port).await {
        TlsaAnswer::Secure(records) => return dane(engine, host, records),
        TlsaAnswer::Failed(reason) => {
            let reported = ReportedPolicy { policy_type: "tlsa", policy: String::new() };
            return HopDecision::Skip {
                reason: format!(
                    "4.7.5 DANE: the TLSA lookup for {host} failed ({reason}); waiting rather than risking a \
                     connection without the TLS it may require (RFC 7672 §2.2)"
                ),
                reported: Some((reported, TlsFailure::DnssecInvalid)),
            };
        }
        TlsaAnswer::Insecure => {}
    }
    let Some((policy, text)) = &sts.policy else {
        return HopDecision::Connect(HopTls::opportunistic(engine));
    };
    let reported = ReportedPolicy { policy_type: "sts", policy: policy_lines(text) };
    match policy.mode {
        Mode::Enforce if !policy.names_mx(host) => HopDecision::Skip {
            reason: format!("4.7.5 the MTA-STS policy of {domain} (enforce) does not name the MX host {host}"),
            reported: Some((reported, TlsFailure::ValidationFailure)),
        },
        Mode::Enforce => {
            let description = format!("MTA-STS policy of {domain} (enforce)");
            connect(engine, CertificateCheck::WebPki, true, description, Some(reported))
        }
        Mode::Testing | Mode::None => {
            let description = format!("MTA-STS policy of {domain} (testing)");
            connect(engine, CertificateCheck::WebPki, false, description, Some(reported))
        }
    }
}

fn dane(engine: &DeliveryEngine, host: &str, records: Vec<Tlsa>) -> HopDecision {
    let policy: Vec<String> = records.iter().map(tlsa_presentation).collect();
    let reported = ReportedPolicy { policy_type: "tlsa", policy: policy.join("\n") };
    let description = format!("DANE TLSA records of {host}");
    connect(engine, CertificateCheck::Dane(records), true, description, Some(reported))
}

fn connect(
    engine: &DeliveryEngine,
    check: CertificateCheck,
    enforce: bool,
    description: String,
    reported: Option<ReportedPolicy>,
) -> HopDecision {
    match engine.roots.starttls_config(check.clone(), enforce) {
        Ok((config, observed)) => HopDecision::Connect(HopTls {
            config,
            required: enforce,
            observed,
            description,
            reported,
            check: Some(check),
        }),
        Err(error) => HopDecision::Skip { reason: format!("4.7.5 TLS configuration: {error}"), reported: None },
    }
}

/// A TLSA record as a zone file writes it: `3 1 1 ABCD…`.
fn tlsa_presentation(record: &Tlsa) -> String {
    let hex: String = record.data.iter().map(|byte| format!("{byte:02X}")).collect();
    format!("{} {} {} {hex}", record.usage, record.selector, record.matching)
}

/// RFC 8460 §4.4: the policy's lines, without their line ends.
fn policy_lines(text: &str) -> String {
    text.lines().map(str::trim_end).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n")
}

/// Whether the message's header says `TLS-Required: No` (RFC 8689 §3): its sender prefers delivery to the
/// recipient domain's TLS policy, which is then followed without refusing anything.
pub fn tls_required_no(content: &[u8]) -> bool {
    for line in content.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return false;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (name, value) = (&line[..colon], &line[colon + 1..]);
        if name.eq_ignore_ascii_case(b"TLS-Required") {
            return value.trim_ascii().eq_ignore_ascii_case(b"No");
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_required_no_is_read_from_the_header_only() {
        assert!(tls_required_no(b"Subject: x\r\nTLS-Required: No\r\n\r\nbody"));
        assert!(tls_required_no(b"tls-required:   no  \n\n"));
        assert!(!tls_required_no(b"TLS-Required: Yes\r\n\r\n"));
        assert!(!tls_required_no(b"Subject: x\r\n\r\nTLS-Required: No\r\n"), "in the body");
        assert!(!tls_required_no(b""));
    }
}
