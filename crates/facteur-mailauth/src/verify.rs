//! Inbound verification at end of DATA: DKIM (RFC 6376 §6), ARC (RFC 8617 §5.2) and DMARC (RFC 7489 §6.6),
//! using the SPF outcome the session computed at MAIL FROM.

use crate::authenticator::Authenticator;
use crate::outcome::AuthResult;
use crate::spf::SpfOutcome;
use crate::verdict::{ArcCheck, DkimAlgorithm, DkimCheck, DmarcCheck, DmarcPolicy, Verdict};
use mail_auth::common::crypto::Algorithm;
use mail_auth::dkim::DkimError;
use mail_auth::dmarc::Policy;
use mail_auth::dmarc::verify::DmarcParameters;
use mail_auth::{ArcOutput, AuthenticatedMessage, DkimOutput, DkimResult, DmarcOutput, DmarcResult};
use std::net::IpAddr;

/// The most DKIM signatures checked (and reported) per message. Each costs a DNS query and an RSA
/// verification; RFC 6376 §8.4 lets verifiers cap the number so a message with thousands of bogus
/// signatures cannot turn one delivery into thousands of lookups.
const MAX_SIGNATURES: usize = 10;

/// What the SMTP session knows about the transaction carrying the message.
#[derive(Debug, Clone, Copy)]
pub struct SessionFacts<'a> {
    /// The client's address.
    pub ip: IpAddr,
    /// The EHLO/HELO name it gave.
    pub helo: &'a str,
    /// The MAIL FROM address, empty for the null reverse-path.
    pub mail_from: &'a str,
    /// SPF as evaluated when MAIL FROM arrived ([`Authenticator::spf_mail_from`]).
    pub spf: &'a SpfOutcome,
}

impl Authenticator {
    /// Checks every DKIM signature, the ARC chain and the From: domain's DMARC policy.
    ///
    /// Never fails: DNS trouble becomes `temperror` in the verdict, and a message too broken to parse
    /// has no signatures and no From: domain, so DKIM and DMARC are `none`.
    pub async fn verify(&self, message: &[u8], facts: &SessionFacts<'_>) -> Verdict {
        let Some(mut parsed) = AuthenticatedMessage::parse(message) else {
            tracing::debug!(ip = %facts.ip, "message has no parsable header block");
            return self.verdict_without_message(facts);
        };
        parsed.dkim_headers.truncate(MAX_SIGNATURES);
        let dkim_outputs = self.resolver.verify_dkim(self.parameters(&parsed)).await;
        let arc_output = self.resolver.verify_arc(self.parameters(&parsed)).await;
        let spf_output = facts.spf.to_output();
        let dmarc_output = self
            .resolver
            .verify_dmarc(self.parameters(DmarcParameters::new(&parsed, &dkim_outputs, &facts.spf.domain, &spf_output)))
            .await;
        let verdict = Verdict {
            authserv_id: self.authserv_id.clone(),
            spf: facts.spf.clone(),
            dkim: dkim_outputs.iter().take(MAX_SIGNATURES).map(dkim_check).collect(),
            dmarc: dmarc_check(&dmarc_output, &parsed),
            arc: arc_check(&arc_output),
        };
        tracing::debug!(
            ip = %facts.ip,
            spf = %verdict.spf.result,
            dmarc = %verdict.dmarc.result,
            header_from = %verdict.dmarc.header_from,
            signatures = verdict.dkim.len(),
            "message authentication checked"
        );
        verdict
    }

    fn verdict_without_message(&self, facts: &SessionFacts<'_>) -> Verdict {
        Verdict {
            authserv_id: self.authserv_id.clone(),
            spf: facts.spf.clone(),
            dkim: Vec::new(),
            dmarc: DmarcCheck { result: AuthResult::None, policy: DmarcPolicy::None, header_from: String::new() },
            arc: ArcCheck { result: AuthResult::None, reason: None },
        }
    }
}

fn dkim_check(output: &DkimOutput<'_>) -> DkimCheck {
    let (result, reason) = match output.result() {
        DkimResult::Pass => (AuthResult::Pass, None),
        DkimResult::Fail(err) => (AuthResult::Fail, Some(err.to_string())),
        // RFC 6376 §6.1.3: a body hash mismatch is a verification failure (PERMFAIL), not "unable to
        // process" — mail-auth files it as neutral, RFC 8601 §2.7.1 calls it fail.
        DkimResult::Neutral(err @ mail_auth::Error::Dkim(DkimError::FailedBodyHashMatch)) => {
            (AuthResult::Fail, Some(err.to_string()))
        }
        DkimResult::Neutral(err) => (AuthResult::Neutral, Some(err.to_string())),
        DkimResult::PermError(err) => (AuthResult::PermError, Some(err.to_string())),
        DkimResult::TempError(err) => (AuthResult::TempError, Some(err.to_string())),
        DkimResult::None => (AuthResult::None, None),
    };
    let signature = output.signature();
    DkimCheck {
        result,
        domain: signature.map(|s| s.d.to_ascii_lowercase()).unwrap_or_default(),
        selector: signature.map(|s| s.s.clone()).unwrap_or_default(),
        algorithm: match signature.map(|s| s.a) {
            Some(Algorithm::RsaSha1) => DkimAlgorithm::RsaSha1,
            Some(Algorithm::Ed25519Sha256) => DkimAlgorithm::Ed25519Sha256,
            Some(Algorithm::RsaSha256) | None => DkimAlgorithm::RsaSha256,
        },
        reason,
    }
}

fn dmarc_check(output: &DmarcOutput, message: &AuthenticatedMessage<'_>) -> DmarcCheck {
    let result = match output.result() {
        DmarcResult::Pass => AuthResult::Pass,
        DmarcResult::Fail(_) => AuthResult::Fail,
        DmarcResult::TempError(_) => AuthResult::TempError,
        DmarcResult::PermError(_) => AuthResult::PermError,
        DmarcResult::None => AuthResult::None,
    };
    let policy = match output.policy() {
        Policy::Reject => DmarcPolicy::Reject,
        Policy::Quarantine => DmarcPolicy::Quarantine,
        Policy::None | Policy::Unspecified => DmarcPolicy::None,
    };
    // mail-auth leaves the domain empty when it skipped DMARC (no record); report the From: domain anyway.
    let header_from =
        if output.domain().is_empty() { first_from_domain(message) } else { output.domain().to_ascii_lowercase() };
    DmarcCheck { result, policy, header_from }
}

fn first_from_domain(message: &AuthenticatedMessage<'_>) -> String {
    message
        .from
        .iter()
        .find_map(|address| address.rsplit_once('@').map(|(_, domain)| domain.to_ascii_lowercase()))
        .unwrap_or_default()
}

fn arc_check(output: &ArcOutput<'_>) -> ArcCheck {
    // RFC 8617 §4.4 knows only none, pass and fail: every other outcome is a broken chain.
    match output.result() {
        DkimResult::Pass => ArcCheck { result: AuthResult::Pass, reason: None },
        DkimResult::None => ArcCheck { result: AuthResult::None, reason: None },
        DkimResult::Fail(err) | DkimResult::Neutral(err) | DkimResult::PermError(err) | DkimResult::TempError(err) => {
            ArcCheck { result: AuthResult::Fail, reason: Some(err.to_string()) }
        }
    }
}
