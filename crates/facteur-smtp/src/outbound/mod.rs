//! Outbound delivery: the engine that works the store's queue and hands messages to other servers.

/// One attempt on one queued message: expiry, loop check, delivery per domain, records.
mod attempt;
/// The SMTP client session of one connection.
mod client;
/// Connections per destination domain, bounded.
mod domains;
/// RFC 3464 delivery status notifications.
mod dsn;
/// The polling loop and its concurrency.
mod engine;
/// Sending reports to senders, local or remote.
/// Sessions kept open for the next message to the same server.
mod pool;
/// Replies, their verdict, and plain-language explanations.
mod reply;
mod report;
/// Next hops: static routes, MX, implicit MX, null MX.
mod route;
/// The retry back-off.
mod schedule;
/// The engine's settings.
mod settings;
/// The smarthost: verified TLS and AUTH.
mod smarthost;
/// Opportunistic TLS for STARTTLS.
mod tls;

pub use client::dot_stuffed;
pub use dsn::{Action, Report, ReportedRecipient, build_report};
pub use engine::{DeliveryEngine, EngineError};
pub use reply::{Reply, Verdict, enhanced_status, explain_reply};
pub use route::{Hop, MxPlan, RouteError, Router, plan_mx};
pub use schedule::RetrySchedule;
pub use settings::OutboundSettings;
pub use smarthost::{Smarthost, SmarthostError, SmarthostTls, verifying_client_config};
