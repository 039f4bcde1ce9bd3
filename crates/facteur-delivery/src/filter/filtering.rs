//! How local delivery runs Sieve: under the limits the operator set (`[sieve]`), the same ones ManageSieve
//! compiled the upload under, so a script that was accepted behaves at delivery as its owner was told
//! (ManageSieve's MAXREDIRECTS, RFC 5804 §1.7, is the `redirect` limit delivery applies); with each account's
//! script compiled once per change of its text ([`CompiledScripts`]).

use std::sync::Arc;

use facteur_sieve::{CompileError, Limits, Script};
use facteur_store::AccountId;

use super::compiled::CompiledScripts;

/// Sieve at local delivery, as configured: built once by the binary and shared by every path that delivers
/// (SMTP, submission and JMAP, the queue's reports, our own replies), so they share one cache of compiled
/// scripts too.
#[derive(Debug, Default)]
pub struct SieveFiltering {
    limits: Limits,
    compiled: CompiledScripts,
}

impl SieveFiltering {
    /// Scripts compile and run under `limits`: the binary's `[sieve]`, ManageSieve's too.
    pub fn new(limits: Limits) -> SieveFiltering {
        SieveFiltering { limits, compiled: CompiledScripts::default() }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// `account`'s active script, whose text is `source`, compiled: again only if the text changed.
    pub(crate) fn script(&self, account: AccountId, source: &str) -> Result<Arc<Script>, CompileError> {
        self.compiled.script(account, source, &self.limits)
    }
}
