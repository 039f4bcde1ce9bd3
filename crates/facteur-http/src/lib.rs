//! Facteur's HTTP(S) side: the documents mail clients configure themselves from, the MTA-STS policy, and
//! the operations endpoints (health, Prometheus metrics).
//!
//! - [`discovery_router`] serves Thunderbird autoconfig, Microsoft Autodiscover (POX and v2 JSON), an Apple
//!   configuration profile and the MTA-STS policy, for every domain the store holds; an address or host of
//!   any other domain gets 404.
//! - [`ops_router`] serves `/healthz` and `/metrics`, to be bound on a separate, internal address.
//! - [`HttpServer`] runs a router on a socket, plain or TLS, with header, handshake and connection timeouts,
//!   optional connection limits, and graceful shutdown.
//! - [`install_metrics`] installs the process's Prometheus recorder and describes every metric of
//!   `facteur_primitives::metrics`, the one list the protocol crates record with.
//!
//! Deliberately not here: configuration parsing (the binary builds a [`Discovery`] from `facteur-config`),
//! certificates (facteur-net builds the rustls configuration), HTTP/2, static files of any kind, and signed
//! Apple profiles.

/// E-mail addresses and domain names taken from requests.
mod address;
/// The Apple configuration profile (.mobileconfig).
mod apple;
/// Thunderbird autoconfig (config-v1.1.xml).
mod autoconfig;
/// Microsoft Autodiscover, POX (XML) flavour; public for its request reader, which the fuzz target
/// (`fuzz/`) feeds hostile bodies.
pub mod autodiscover;
/// Microsoft Autodiscover v2 (JSON).
mod autodiscover_json;
/// The settings the documents are made from.
mod discovery;
/// The MTA-STS policy file.
mod mta_sts;
/// `/healthz` and `/metrics`.
mod ops;
/// The Prometheus recorder and its handle.
mod recorder;
/// `/` on plain http: to the webmail over TLS.
mod redirect;
/// Refusals and their HTTP statuses.
mod refusal;
/// The discovery router and its request limits.
mod routes;
/// The per-connection HTTP/1.1 loop, plain or TLS.
mod server;
/// Shared handler state and the resolution of a request's domain.
mod site;
/// The XML writer every document goes through.
mod xml;

pub use address::EmailAddress;
/// The router type [`discovery_router`] and [`ops_router`] return, for callers that pass it around.
pub use axum::Router;
pub use discovery::{ClientPorts, Discovery, DiscoveryError, MTA_STS_MAX_AGE_LIMIT, MtaSts, MtaStsMode};
pub use ops::ops_router;
pub use recorder::{MetricsError, MetricsHandle, install_metrics};
pub use redirect::with_https_redirect;
pub use routes::{MAX_REQUEST_BODY, discovery_router};
pub use server::{HttpServer, HttpTimeouts};
