//! Test support: start the real `facteur` binary in a temporary data directory, on free loopback ports, wait
//! until every listener is bound, talk to it, stop it, and show its log when a test fails.
//!
//! Protocol tests drive this real process over real sockets with independent clients, so the code under test is
//! exactly what operators run. The kit is synchronous (std only) so that any test style can use it.
//!
//! It deliberately does not fake anything: the store, TLS certificate and configuration are the ones `facteur init`
//! makes.

/// Locating the binary and running one-shot CLI commands.
pub mod cli;
/// The running server.
mod server;
/// Reading what the server stored, through the store's own API, while it runs.
mod stored;
/// A lettre submission client logged in to the server.
mod submission;
/// TLS client configuration that trusts a test server's self-signed certificate.
mod tls;

pub use cli::{CliOutput, facteur_binary};
pub use server::{TestServer, TestServerBuilder};
pub use stored::StoredMessage;
pub use submission::Submission;
pub use tls::client_config_trusting;

/// The domain every test server is initialised with.
pub const DOMAIN: &str = "example.test";
