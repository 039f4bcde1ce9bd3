//! Facteur's network edge: listening sockets, TLS, and the connections the
//! protocol servers read and write.
//!
//! - [`Listener`] binds, admits connections within server-wide and per-client
//!   [`Limits`] (through a shared [`ConnectionLimiter`]), performs implicit
//!   TLS, and runs each session in its own task and tracing span until shutdown;
//! - [`Connection`] is the one reader every protocol uses (bounded lines
//!   refused as soon as they are too long, exact reads for literals, chunks,
//!   each under a deadline the protocol sets for a whole command), buffered
//!   writes and a STARTTLS upgrade that discards pipelined plaintext;
//! - [`tls`] loads PEM certificates into a rustls configuration (ring only,
//!   TLS 1.2 and 1.3) and generates a self-signed certificate for new installs.
//!
//! Deliberately not here: any protocol syntax (each protocol crate implements
//! [`ConnectionHandler`] and speaks for itself, including its refusal line),
//! configuration parsing (the binary maps `facteur-config` onto [`Listener::bind`]
//! and [`Limits`]), the shutdown grace period (the caller aborts
//! [`Listener::serve`] when it is over), and client-side TLS for outbound SMTP.

/// A client connection: buffered reads and writes, timeouts, STARTTLS.
/// [`Bans`]: networks refused at connection for a while.
mod bans;
mod connection;
/// The unread-input buffer behind [`Connection`].
mod inbound;
/// Connection limits, and admission: counts in total and per client network.
mod limits;
/// Accept loop, per-connection tasks and spans, graceful shutdown.
mod listener;
/// The stop signal shared by listeners and sessions.
mod shutdown;
/// rustls server configuration from PEM files; self-signed certificates.
pub mod tls;

pub use bans::Bans;
pub use connection::{Connection, ConnectionError, Ending, Interrupted, Line, Timeouts};
pub use limits::{ConnectionLimiter, ConnectionSlot, Limits, Refusal};
pub use listener::{ConnectionHandler, Listener, ListenerError, TlsMode};
pub use shutdown::{ShutdownSignal, ShutdownTrigger, shutdown_channel};
pub use tls::{
    ACME_TLS_ALPN, CertificateFacts, CertificateFiles, Certificates, TlsError, certificate_facts, generate_self_signed,
    https_server_config, install_crypto_provider, public_roots, read_ca_file, server_config, server_config_with,
    trusted_roots, version_name, write_durably,
};
/// Re-exported for [`Connection::with_starttls`] and [`Connection::accept_tls`].
pub use tokio_rustls::TlsAcceptor;
