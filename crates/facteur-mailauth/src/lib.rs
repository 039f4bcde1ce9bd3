//! Sender authentication for Facteur: SPF (RFC 7208), DKIM (RFC 6376, RFC 8463), DMARC (RFC 7489) and
//! ARC (RFC 8617) on mail we receive; DKIM signing of mail we send; the DNS records a domain publishes.
//!
//! Inbound, the SMTP session calls [`Authenticator::spf_mail_from`] at MAIL FROM, then at end of DATA
//! [`Authenticator::verify`], prepends [`Verdict::authentication_results`] to the message (after
//! [`strip_forged_results`]) and acts on [`Verdict::disposition`]. Outbound, submission calls
//! [`Signer::sign`] before queueing. The cryptography and record parsing are `mail-auth`'s; this crate
//! owns the policy, the header text, the key files and the DNS plumbing.
//!
//! It deliberately does not: send DMARC or TLS reports, ARC-seal forwarded mail, let ARC override a
//! DMARC failure, or check iprev. SMTP replies and mailbox choice belong to the SMTP crate; this crate
//! only says which one.

/// The resolver and its settings.
mod authenticator;
/// Bounded TTL caches for parsed SPF/DKIM/DMARC records.
mod cache;
/// The process's one DNS resolver, shared with outbound delivery.
mod dns;
/// `dns-records --check`: each needed record looked up live, with a verdict.
mod dns_check;
/// DNS records to publish, as zone-file text.
mod dns_records;
/// The crate's error type.
mod error;
/// Finding and cutting header fields in raw messages.
mod header_fields;
/// PEM and DER encodings of DKIM keys.
mod keyfile;
/// DKIM keys on disk: generation, rotation, retirement, DNS values.
mod keys;
/// RFC 8601 result keywords.
mod outcome;
/// Deliver, junk, reject or defer: the receiving policy.
mod policy;
/// Writing our Authentication-Results header, removing forged ones.
mod results_header;
/// DKIM selector names and key algorithms.
mod selector;
/// DKIM signing of outgoing mail.
mod signer;
/// SPF checks for HELO and MAIL FROM.
mod spf;
/// The owned results of the inbound checks.
mod verdict;
/// DKIM, ARC and DMARC verification of a received message.
mod verify;

/// An in-process DNS server for tests (feature `test-dns`).
#[cfg(feature = "test-dns")]
pub mod testdns;

pub use authenticator::{AuthSettings, Authenticator};
pub use dns::dns_resolver;
pub use dns_check::{Checked, RecordVerdict, check_records};
pub use dns_records::{
    CaaIssuer, MtaStsPublication, RecordData, RecordFacts, ServicePorts, ZoneRecord, dns_records, served_names,
    txt_strings, zone_records,
};
pub use error::MailAuthError;
/// The resolver type [`dns_resolver`] builds, for crates that take it.
pub use hickory_resolver::TokioResolver;
pub use keys::{KeyInfo, KeyState, KeyStore};
pub use outcome::AuthResult;
pub use policy::{Disposition, FailAction, Policy};
pub use results_header::strip_forged_results;
pub use selector::{Algorithm, Selector};
pub use signer::Signer;
pub use spf::{SpfIdentity, SpfOutcome};
pub use verdict::{ArcCheck, DkimAlgorithm, DkimCheck, DmarcCheck, DmarcPolicy, Verdict};
pub use verify::SessionFacts;
