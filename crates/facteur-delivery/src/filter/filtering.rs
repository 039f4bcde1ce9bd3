//! How local delivery runs Sieve: under the limits the operator set (`[sieve]`), the same ones ManageSieve
//! compiled the upload under, so a script that was accepted behaves at delivery as its owner was told
//! (ManageSieve's MAXREDIRECTS, RFC 5804 §1.7, is the `redirect` limit delivery applies).

use facteur_sieve::Limits;

/// Sieve at local delivery, as configured: built once by the binary and shared by every path that delivers
/// (SMTP, submission and JMAP, the queue's reports, our own replies).
#[derive(Debug, Default)]
pub struct SieveFiltering {
    limits: Limits,
}

impl SieveFiltering {
    /// Scripts compile and run under `limits`: the binary's `[sieve]`, ManageSieve's too.
    pub fn new(limits: Limits) -> SieveFiltering {
        SieveFiltering { limits }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }
}
