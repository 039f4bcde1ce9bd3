//! What to do with a message once it is authenticated: deliver, file as junk, refuse or defer.

use crate::outcome::AuthResult;
use crate::results_header::visible;
use crate::verdict::{DmarcPolicy, Verdict};

/// The receiving policy (configurable; the defaults follow what the sending domain asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// DMARC fails and the domain says `p=reject`. Default: reject (`550 5.7.1`).
    pub dmarc_reject: FailAction,
    /// DMARC fails and the domain says `p=quarantine`. Default: junk.
    pub dmarc_quarantine: FailAction,
    /// SPF says `fail` (`-all`) and the domain has no DMARC record to say what it wants. Default: junk,
    /// because forwarding breaks SPF often enough that refusing outright loses legitimate mail.
    pub spf_fail_without_dmarc: FailAction,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            dmarc_reject: FailAction::Reject,
            dmarc_quarantine: FailAction::Junk,
            spf_fail_without_dmarc: FailAction::Junk,
        }
    }
}

/// How to treat a message that failed a check the policy cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailAction {
    /// Deliver as usual (the `Authentication-Results` header still tells the truth).
    Deliver,
    /// Deliver into the recipient's Junk mailbox.
    Junk,
    /// Refuse at end of DATA with a permanent error.
    Reject,
}

/// The decision for one message, taken at end of DATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Deliver to the usual mailbox.
    Deliver,
    /// Deliver to the Junk mailbox.
    Junk,
    /// Refuse with a permanent reply.
    Reject {
        /// The SMTP reply code (550).
        code: u16,
        /// The enhanced status code (RFC 3463), e.g. `5.7.1`.
        enhanced: &'static str,
        /// The reply text.
        text: String,
    },
    /// Refuse with a temporary reply, so the sender retries when DNS answers again.
    TempFail {
        /// The SMTP reply code (451).
        code: u16,
        /// The enhanced status code (RFC 3463, RFC 7372), e.g. `4.7.24`.
        enhanced: &'static str,
        /// The reply text.
        text: String,
    },
}

impl Verdict {
    /// Decides what to do with the message.
    ///
    /// Order matters: a DMARC pass settles it (an aligned, verified identity); then any DNS
    /// temperror defers the message (a temperror must never look like a pass); then the From: domain's
    /// DMARC policy; and only when the domain publishes no DMARC record, the SPF fail rule.
    pub fn disposition(&self, policy: &Policy) -> Disposition {
        if self.dmarc.result == AuthResult::Pass {
            return Disposition::Deliver;
        }
        if let Some(deferral) = self.temporary_failure() {
            return deferral;
        }
        if self.dmarc.result == AuthResult::Fail {
            return self.dmarc_failure(policy);
        }
        let no_dmarc = matches!(self.dmarc.result, AuthResult::None | AuthResult::PermError);
        if no_dmarc && self.spf.result == AuthResult::Fail {
            return apply(policy.spf_fail_without_dmarc, || {
                (
                    "5.7.23",
                    format!("SPF check failed: {} does not allow sending from this address", visible(&self.spf.domain)),
                )
            });
        }
        Disposition::Deliver
    }

    fn temporary_failure(&self) -> Option<Disposition> {
        let (enhanced, text) = if self.spf.result == AuthResult::TempError {
            // RFC 7372 §3.2: X.7.24, SPF validation error.
            (
                "4.7.24",
                format!("SPF check for {} hit a temporary DNS error, try again later", visible(&self.spf.domain)),
            )
        } else if self.dmarc.result == AuthResult::TempError {
            (
                "4.7.0",
                format!(
                    "DMARC check for {} hit a temporary DNS error, try again later",
                    visible(&self.dmarc.header_from)
                ),
            )
        } else if let Some(check) = self.dkim.iter().find(|check| check.result == AuthResult::TempError) {
            (
                "4.7.0",
                format!("DKIM key lookup for {} hit a temporary DNS error, try again later", visible(&check.domain)),
            )
        } else {
            return None;
        };
        Some(Disposition::TempFail { code: 451, enhanced, text })
    }

    fn dmarc_failure(&self, policy: &Policy) -> Disposition {
        let action = match self.dmarc.policy {
            DmarcPolicy::Reject => policy.dmarc_reject,
            DmarcPolicy::Quarantine => policy.dmarc_quarantine,
            DmarcPolicy::None => FailAction::Deliver,
        };
        apply(action, || {
            ("5.7.1", format!("Message rejected per DMARC policy of {}", visible(&self.dmarc.header_from)))
        })
    }
}

fn apply(action: FailAction, rejection: impl FnOnce() -> (&'static str, String)) -> Disposition {
    match action {
        FailAction::Deliver => Disposition::Deliver,
        FailAction::Junk => Disposition::Junk,
        FailAction::Reject => {
            let (enhanced, text) = rejection();
            Disposition::Reject { code: 550, enhanced, text }
        }
    }
}
