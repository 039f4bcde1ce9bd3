//! How local delivery runs Sieve: under the limits the operator set (`[sieve]`), the same ones ManageSieve
//! compiled the upload under, so a script that was accepted behaves at delivery as its owner was told
//! (ManageSieve's MAXREDIRECTS, RFC 5804 §1.7, is the `redirect` limit delivery applies); with each account's
//! script compiled once per change of its text ([`CompiledScripts`]); and the SRS secret that signs the sender
//! of what scripts redirect, and checks the bounces that come back (one [`Srs`] for both, so they agree).

use std::sync::Arc;

use facteur_sieve::{CompileError, Limits, Script};
use facteur_store::AccountId;

use super::compiled::CompiledScripts;
use crate::srs::Srs;

/// Sieve at local delivery, as configured: built once by the binary and shared by every path that delivers
/// (SMTP, submission and JMAP, the queue's reports, our own replies), so they share one cache of compiled
/// scripts too.
#[derive(Debug, Default)]
pub struct SieveFiltering {
    limits: Limits,
    compiled: CompiledScripts,
    /// `None`: redirects keep the original sender (tests, and commands that deliver nothing).
    srs: Option<Srs>,
}

impl SieveFiltering {
    /// Scripts compile and run under `limits`: the binary's `[sieve]`, ManageSieve's too.
    pub fn new(limits: Limits) -> SieveFiltering {
        SieveFiltering { limits, compiled: CompiledScripts::default(), srs: None }
    }

    /// Redirects to other domains leave with an SRS sender signed by `srs` (see `crate::srs`).
    pub fn with_srs(mut self, srs: Srs) -> SieveFiltering {
        self.srs = Some(srs);
        self
    }

    /// What signs redirected mail's sender, and checks the bounces sent back to it.
    pub fn srs(&self) -> Option<&Srs> {
        self.srs.as_ref()
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// `account`'s active script, whose text is `source`, compiled: again only if the text changed.
    pub(crate) fn script(&self, account: AccountId, source: &str) -> Result<Arc<Script>, CompileError> {
        self.compiled.script(account, source, &self.limits)
    }
}
