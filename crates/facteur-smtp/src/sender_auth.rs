//! Sender authentication in the session: SPF at MAIL FROM and DKIM/DMARC/ARC at the end of DATA on the MX
//! face (RFC 7208, RFC 6376, RFC 7489, RFC 8617), DKIM signing on the submission face (RFC 6376 §5).
//!
//! The checks and the policy are `facteur-mailauth`'s; this module only asks at the right moments and turns
//! its decision into an SMTP reply or a mailbox. Mail from our authenticated users is never checked (it is
//! ours, and `facteur-delivery`'s submission path signs it instead); mail from other servers is never signed.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use facteur_delivery::Filing;
use facteur_mailauth::{
    AuthResult, Authenticator, Disposition, Policy, SessionFacts, Signer, SpfIdentity, SpfOutcome, Verdict,
    strip_forged_results,
};
use facteur_primitives::domain_of;
use tracing::info;

use crate::envelope::{Envelope, ReversePath};
use crate::reply::Reply;
use crate::session::Session;
use crate::settings::Face;

/// What the SMTP engine does about sender authentication; everything off by default.
#[derive(Default, Clone)]
pub struct SenderAuth {
    /// Checks on mail arriving on the MX face; `None` turns them off.
    pub inbound: Option<InboundChecks>,
    /// Signs mail submitted by our users; `None` sends it unsigned.
    pub signer: Option<Arc<Signer>>,
}

/// The inbound checks: one resolver shared by every session, the policy, and a time limit.
#[derive(Clone)]
pub struct InboundChecks {
    pub authenticator: Arc<Authenticator>,
    pub policy: Policy,
    /// How long the lookups at MAIL FROM, and again those at the end of DATA, may take before the message
    /// is deferred: a slow DNS must cost the sender a retry, never let the mail in unchecked.
    pub timeout: Duration,
}

impl std::fmt::Debug for SenderAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SenderAuth")
            .field("inbound", &self.inbound.as_ref().map(|checks| (checks.policy, checks.timeout)))
            .field("signing", &self.signer.is_some())
            .finish()
    }
}

/// A message that passed the inbound checks: what to store and where.
#[derive(Debug)]
pub struct Checked {
    /// The content, without forged `Authentication-Results` fields.
    pub content: Vec<u8>,
    /// Our `Authentication-Results:` field, when the checks ran.
    pub authentication_results: Option<String>,
    pub filing: Filing,
    /// The From: domain, when the checks found that it sent the message ([`Verdict::from_is_authenticated`]).
    pub authenticated_domain: Option<String>,
}

impl Session<'_> {
    /// SPF for the MAIL FROM identity (the HELO name for a null sender, RFC 7208 §2.4), evaluated when the
    /// command arrives as RFC 7208 §2.4 describes, and kept for DMARC at the end of DATA. `None` when the
    /// checks are off or on the submission face.
    pub(crate) async fn spf_at_mail(&self, sender: &ReversePath) -> Option<SpfOutcome> {
        let checks = self.inbound_checks()?;
        let helo = self.helo_name();
        let mail_from = sender.address();
        let ip = self.client_ip();
        let lookup = checks.authenticator.spf_mail_from(ip, helo, &mail_from);
        Some(match tokio::time::timeout(checks.timeout, lookup).await {
            Ok(outcome) => outcome,
            Err(_) => {
                // A timeout is a temporary DNS error (RFC 7208 §2.6.6), which defers the message at DATA.
                let domain = mail_from.rsplit_once('@').map_or(helo, |(_, domain)| domain).to_ascii_lowercase();
                SpfOutcome {
                    result: AuthResult::TempError,
                    identity: SpfIdentity::MailFrom,
                    domain,
                    checked: mail_from,
                }
            }
        })
    }

    /// The end-of-DATA checks on the MX face: forged results removed, DKIM/DMARC/ARC verified within the time
    /// limit, the policy applied. `Err` is the reply refusing (5xx) or deferring (4xx) the message; nothing
    /// is stored then.
    pub(crate) async fn check_inbound(&self, envelope: &Envelope, content: Vec<u8>) -> Result<Checked, Reply> {
        let Some(checks) = self.inbound_checks() else {
            let content = self.without_forged_verdicts(content);
            return Ok(Checked {
                content,
                authentication_results: None,
                filing: Filing::Inbox,
                authenticated_domain: None,
            });
        };
        let authenticator = &checks.authenticator;
        // RFC 8601 §5: a field claiming our authserv-id that we did not write is forged; downstream readers
        // would trust it.
        let content = strip_forged_results(&content, authenticator.authserv_id()).into_owned();
        let content = self.without_forged_verdicts(content);
        let spf = envelope.spf.clone().unwrap_or_else(|| unchecked_spf(&envelope.sender));
        let mail_from = envelope.sender.address();
        let facts = SessionFacts { ip: self.client_ip(), helo: self.helo_name(), mail_from: &mail_from, spf: &spf };
        let Ok(verdict) = tokio::time::timeout(checks.timeout, authenticator.verify(&content, &facts)).await else {
            info!(sender = %envelope.sender.bracketed(), timeout = ?checks.timeout, "sender authentication timed out");
            return Err(Reply::new(451, "4.7.0", "Sender authentication checks timed out, try again later"));
        };
        let disposition = verdict.disposition(&checks.policy);
        log_verdict(&verdict, &disposition);
        let filing = match disposition {
            Disposition::Deliver => Filing::Inbox,
            Disposition::Junk => Filing::Junk,
            Disposition::Reject { code, enhanced, text } | Disposition::TempFail { code, enhanced, text } => {
                return Err(Reply::new(code, enhanced, text));
            }
        };
        let authenticated_domain = verdict.from_is_authenticated().then(|| verdict.dmarc.header_from.clone());
        Ok(Checked {
            content,
            authentication_results: Some(verdict.authentication_results()),
            filing,
            authenticated_domain,
        })
    }

    /// Without the spam verdict fields a sender wrote (`X-Spam-Status: No`…), when ours will be added: a
    /// Sieve script or a mail program must read ours only.
    fn without_forged_verdicts(&self, content: Vec<u8>) -> Vec<u8> {
        if self.server.spam.is_none() {
            return content;
        }
        match facteur_spam::strip_our_fields(&content) {
            std::borrow::Cow::Borrowed(_) => content,
            std::borrow::Cow::Owned(stripped) => stripped,
        }
    }

    fn inbound_checks(&self) -> Option<&InboundChecks> {
        if self.server.settings.face != Face::Mx {
            return None;
        }
        self.server.sender_auth.inbound.as_ref()
    }

    fn helo_name(&self) -> &str {
        self.state.greeting.as_ref().map_or("", |greeting| greeting.name.as_str())
    }

    fn client_ip(&self) -> IpAddr {
        self.connection.peer_addr().ip()
    }
}

/// SPF for an envelope MAIL did not check. Cannot happen (MAIL checks whenever DATA does, on one server),
/// but the type allows it: `none`, which decides nothing.
fn unchecked_spf(sender: &ReversePath) -> SpfOutcome {
    let mail_from = sender.address();
    let domain = domain_of(&mail_from).unwrap_or_default();
    SpfOutcome { result: AuthResult::None, identity: SpfIdentity::MailFrom, domain, checked: mail_from }
}

/// One line per message: each method's result and the decision. Never the body, nor the header's text.
fn log_verdict(verdict: &Verdict, disposition: &Disposition) {
    let dkim: Vec<String> = verdict.dkim.iter().map(|check| format!("{}:{}", check.result, check.domain)).collect();
    let decision = match disposition {
        Disposition::Deliver => "deliver",
        Disposition::Junk => "junk",
        Disposition::Reject { .. } => "reject",
        Disposition::TempFail { .. } => "defer",
    };
    info!(
        spf = %verdict.spf.result,
        spf_domain = %verdict.spf.domain,
        dkim = %if dkim.is_empty() { "none".to_owned() } else { dkim.join(",") },
        dmarc = %verdict.dmarc.result,
        header_from = %verdict.dmarc.header_from,
        arc = %verdict.arc.result,
        disposition = decision,
        "sender authentication verdict"
    );
}
