//! What outbound delivery remembers about TLS between attempts: MTA-STS policies (RFC 8461 §5.1 asks senders
//! to cache them) and the day's TLS session results, counted for TLS-RPT reports (RFC 8460 §4.4). The store
//! keeps both as opaque text; `facteur-delivery` reads and writes their syntax.

/// An MTA-STS policy as last fetched for a recipient domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedStsPolicy {
    /// The recipient (policy) domain, lower case.
    pub domain: String,
    /// The `id` of the `_mta-sts` TXT record the policy was fetched under.
    pub id: String,
    /// The policy file, as served.
    pub policy: String,
    /// Unix time at which `max_age` runs out.
    pub expires_at: i64,
}

/// One TLS session (or failure to have one) with an MX host, for a TLS-RPT report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSessionResult {
    /// The recipient domain whose policy applied (RFC 8460 §4.4 `policy-domain`), lower case.
    pub domain: String,
    /// Days since the Unix epoch (UTC): reports cover whole UTC days (RFC 8460 §4.1).
    pub day: i64,
    /// `sts`, `tlsa` or `no-policy-found` (RFC 8460 §4.4 `policy-type`).
    pub policy_type: String,
    /// The policy's lines, `\n`-separated (`policy-string`); empty without a policy.
    pub policy: String,
    /// The MX host tried.
    pub mx_host: String,
    /// `success`, or an RFC 8460 §4.3 result type (`certificate-host-mismatch`, …).
    pub result: String,
}

/// A [`TlsSessionResult`] and how many times it happened that day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsResultCount {
    pub result: TlsSessionResult,
    pub count: u64,
}
