//! SPF (RFC 7208) for the HELO and MAIL FROM identities, evaluated when the SMTP command arrives.

use crate::authenticator::Authenticator;
use crate::outcome::AuthResult;
use mail_auth::spf::verify::SpfParameters;
use mail_auth::{SpfOutput, SpfResult};
use std::net::IpAddr;

/// Which identity an SPF check authorised (RFC 7208 §2.3, §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpfIdentity {
    /// The HELO/EHLO name, reported as `smtp.helo`.
    Helo,
    /// The MAIL FROM address, reported as `smtp.mailfrom`.
    MailFrom,
}

/// The SPF result for one identity, kept by the SMTP session for the rest of the transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfOutcome {
    /// pass, fail, softfail, neutral, none, temperror or permerror.
    pub result: AuthResult,
    /// The identity that was checked.
    pub identity: SpfIdentity,
    /// The domain whose record was evaluated (the MAIL FROM domain, or the HELO name).
    pub domain: String,
    /// What RFC 8601 reports: the MAIL FROM address, `postmaster@HELO` for a null sender, or the HELO name.
    pub checked: String,
}

impl SpfOutcome {
    /// An outcome with no DNS involved (an address literal as HELO, an empty name).
    fn none(identity: SpfIdentity, domain: &str, checked: String) -> Self {
        Self { result: AuthResult::None, identity, domain: domain.to_ascii_lowercase(), checked }
    }

    fn from_output(output: &SpfOutput, identity: SpfIdentity, checked: String) -> Self {
        Self {
            result: match output.result() {
                SpfResult::Pass => AuthResult::Pass,
                SpfResult::Fail => AuthResult::Fail,
                SpfResult::SoftFail => AuthResult::SoftFail,
                SpfResult::Neutral => AuthResult::Neutral,
                SpfResult::TempError => AuthResult::TempError,
                SpfResult::PermError => AuthResult::PermError,
                SpfResult::None => AuthResult::None,
            },
            identity,
            domain: output.domain().to_ascii_lowercase(),
            checked,
        }
    }

    /// Back into mail-auth's form, which DMARC alignment needs.
    pub(crate) fn to_output(&self) -> SpfOutput {
        SpfOutput::new(self.domain.clone()).with_result(match self.result {
            AuthResult::Pass => SpfResult::Pass,
            AuthResult::Fail => SpfResult::Fail,
            AuthResult::SoftFail => SpfResult::SoftFail,
            AuthResult::Neutral => SpfResult::Neutral,
            AuthResult::TempError => SpfResult::TempError,
            AuthResult::PermError => SpfResult::PermError,
            AuthResult::None => SpfResult::None,
        })
    }
}

impl Authenticator {
    /// SPF for the HELO identity (RFC 7208 §2.3). An address literal or a name without a dot has no
    /// SPF record to look up, so the result is `none` without a query.
    pub async fn spf_helo(&self, ip: IpAddr, helo: &str) -> SpfOutcome {
        if !is_plausible_domain(helo) {
            return SpfOutcome::none(SpfIdentity::Helo, helo, helo.to_string());
        }
        let params = SpfParameters::verify_ehlo(ip, helo, &self.authserv_id);
        let output = self.resolver.check_host(self.parameters(params)).await;
        let outcome = SpfOutcome::from_output(&output, SpfIdentity::Helo, helo.to_string());
        tracing::debug!(%ip, helo, result = %outcome.result, "spf helo");
        outcome
    }

    /// SPF for the MAIL FROM identity (RFC 7208 §2.4). A null reverse-path (`MAIL FROM:<>`, bounces)
    /// has no domain, so the HELO identity is checked in its place, as `postmaster@HELO`.
    pub async fn spf_mail_from(&self, ip: IpAddr, helo: &str, mail_from: &str) -> SpfOutcome {
        let Some((_, domain)) = mail_from.rsplit_once('@') else {
            let mut outcome = self.spf_helo(ip, helo).await;
            outcome.identity = SpfIdentity::MailFrom;
            outcome.checked = format!("postmaster@{helo}");
            return outcome;
        };
        if !is_plausible_domain(domain) {
            return SpfOutcome::none(SpfIdentity::MailFrom, domain, mail_from.to_string());
        }
        let params = SpfParameters::verify_mail_from(ip, helo, &self.authserv_id, mail_from);
        let output = self.resolver.check_host(self.parameters(params)).await;
        let outcome = SpfOutcome::from_output(&output, SpfIdentity::MailFrom, mail_from.to_string());
        tracing::debug!(%ip, domain, result = %outcome.result, "spf mail from");
        outcome
    }
}

/// A name worth a DNS query: dotted, within DNS length limits, no address literal or stray bytes.
fn is_plausible_domain(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name.len() <= 253
        && name.contains('.')
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || !b.is_ascii())
        })
}

#[cfg(test)]
mod tests {
    use super::is_plausible_domain;

    #[test]
    fn address_literals_and_bare_words_are_not_looked_up() {
        assert!(is_plausible_domain("mail.example.test"));
        assert!(is_plausible_domain("mail.example.test."));
        assert!(!is_plausible_domain("[192.0.2.1]"));
        assert!(!is_plausible_domain("localhost"));
        assert!(!is_plausible_domain("a..b"));
        assert!(!is_plausible_domain(""));
    }
}
