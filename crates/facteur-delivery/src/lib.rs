//! Facteur's delivery side: everything that happens to a message once a face has accepted it, whichever face
//! that was.
//!
//! - [`persist`]: THE one place messages are written to the store (local copies at once, remote recipients
//!   through the outbound queue), for SMTP, submission and our own delivery reports alike;
//! - [`Submission`]: what happens to a message one of our users sends (sender ownership, DKIM signing,
//!   persist), one call for SMTP submission today and JMAP next;
//! - [`DeliveryEngine`]: the outbound queue's worker: routes (static, smarthost, MX), an SMTP client with
//!   opportunistic or verified TLS, a connection pool, retries, and RFC 3464 reports;
//! - [`explain_reply`]: a remote server's reply in plain words, for `facteur queue show`.
//!
//! Deliberately not here: receiving mail (the protocol crates accept it and call in here), parsing SMTP
//! commands of clients, and the store's own rules (`facteur-store` resolves addresses and keeps the queue).
//! A protocol crate never imports another: JMAP and the webmail send through [`Submission`], not through
//! `facteur-smtp`.

/// One attempt on one queued message: expiry, loop check, delivery per domain, records.
mod attempt;
/// The SMTP client session of one connection.
mod client;
/// DANE for SMTP (RFC 7672): TLSA lookups trusting the resolver's AD bit, certificate matching.
pub mod dane;
/// What delivery needs of an envelope, whichever face accepted the message.
/// The bounded `domain` label of the delivery metrics.
mod domain_label;
/// Connections per destination domain, bounded.
mod domains;
/// RFC 3464 delivery status notifications.
mod dsn;
/// The polling loop and its concurrency.
mod engine;
mod envelope;
/// Sieve filters at local delivery (issue 17).
mod filter;
/// MTA-STS (RFC 8461) as a sender reads it: the TXT announcement, the policy file, MX matching.
pub mod mta_sts;
/// Messages of our own and filter redirects, through the one persist path.
mod outgoing;
/// THE sender ownership rule of submission.
mod ownership;
/// THE one place messages are written to the store.
mod persist;
/// Sessions kept open for the next message to the same server.
mod pool;
/// Replies, their verdict, and plain-language explanations.
mod reply;
/// Sending reports to senders, local or remote.
mod report;
/// Next hops: static routes, MX, implicit MX, null MX.
mod route;
/// The retry back-off.
mod schedule;
/// THE rules on what an account sends: hourly limits, and when its outgoing mail is held.
mod sending_policy;
/// The engine's settings.
mod settings;
/// The smarthost: verified TLS and AUTH.
mod smarthost;
/// Each account's spam verdict at local delivery.
mod spam;
/// The Sender Rewriting Scheme: the envelope sender of mail filters send on, and its bounces taken back.
mod srs;
/// MTA-STS policies found: TXT, verified HTTPS fetch, the store's cache.
mod sts_fetch;
/// Submission, once: ownership, signing, persist.
mod submission;
/// STARTTLS certificate checks: opportunistic, webpki (MTA-STS), DANE; RFC 8460 failure types.
mod tls;
/// THE decision of which TLS an MX host gets: DANE, MTA-STS or opportunistic.
mod tls_policy;
/// TLS-RPT (RFC 8460): session results counted, daily reports sent.
pub mod tls_report;
/// TLS-RPT as bytes: the `_smtp._tls` record, the JSON report, the report message.
pub mod tlsrpt;

pub use client::dot_stuffed;
pub use dsn::{Action, Report, ReportedRecipient, build_report};
pub use engine::{DeliveryEngine, EngineError};
pub use envelope::{
    Destination, Envelope, Recipient, Unresolved, resolve_recipients, return_path_header, xtext_encode,
};
pub use filter::{Refusal, SieveFiltering};
pub use ownership::{account_owns, from_header_addresses};
pub use persist::{AcceptedMessage, Filing, PersistError, Persisted, persist, persist_in_dialogue};
pub use reply::{Reply, Verdict, enhanced_status, explain_reply};
pub use report::{FullMailboxes, report_full_mailboxes};
pub use route::{Hop, MxPlan, RouteError, Router, plan_mx};
pub use schedule::RetrySchedule;
pub use sending_policy::{BounceHold, Limited, RateLimited, SendingPolicy, VolumeHold};
pub use settings::OutboundSettings;
pub use smarthost::{Smarthost, SmarthostError, SmarthostTls, verifying_client_config};
pub use srs::{MAX_AGE_DAYS as SRS_MAX_AGE_DAYS, Srs, SrsError, is_srs};
pub use submission::{Submission, SubmitError, Submitted};
