//! Test support, in two halves.
//!
//! - The real `facteur` binary ([`TestServer`]): started in a temporary data directory, on free loopback ports,
//!   waited for until every listener is bound, talked to, stopped, and its log shown when a test fails. Tests
//!   drive this real process over real sockets with independent clients, so the code under test is exactly what
//!   operators run. This half is synchronous (std only) so that any test style can use it, and fakes nothing:
//!   the store, TLS certificate and configuration are the ones `facteur init` makes.
//! - In-process servers ([`in_process`]): a protocol crate's tests build its server with the settings they
//!   need over a real store, certificate and loopback listener, and talk to it with a raw line client.
//!
//! The kit depends on no protocol crate (SMTP, IMAP, POP3, HTTP, delivery), so that each of them can use it.

/// Locating the binary and running one-shot CLI commands.
pub mod cli;
/// Protocol servers run inside the test: the store, certificate and listeners they share, and a raw line client.
pub mod in_process;
/// A throwaway PostgreSQL cluster (one per test process, a database per test) for the postgres backend.
pub mod postgres;
/// A private rspamd (Debian's package) on a free loopback port, with no network, for the spam checks.
pub mod rspamd;
/// The running server.
mod server;
/// Reading what the server stored, through the store's own API, while it runs.
mod stored;
/// A lettre submission client logged in to the server.
mod submission;
/// TLS client configuration that trusts a test server's self-signed certificate.
mod tls;

pub use cli::{CliOutput, facteur_binary, free_port_base, tool_available};
pub use postgres::{PostgresCluster, ServerTls, postgres_cluster, private_postgres_cluster};
pub use server::{TestServer, TestServerBuilder};
pub use stored::StoredMessage;
pub use submission::Submission;
pub use tls::{client_config_trusting, client_config_trusting_with_versions};

/// The domain every test server is initialised with.
pub const DOMAIN: &str = "example.test";
