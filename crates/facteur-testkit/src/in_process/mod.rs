//! In-process servers: a protocol crate's tests run its server inside the test, over real loopback sockets, a
//! real `SqliteStore` and real TLS, and talk to it with a raw [`LineClient`].
//!
//! Where the rest of the kit runs the `facteur` binary (what operators run, configured from a file), this half
//! lets a test build a server with exactly the settings it needs and reach into the store while it runs; the
//! binary's own tests then check the wiring once. A new protocol test starts like this:
//!
//! ```text
//! let fixture = Fixture::new().await;
//! let server = Pop3Server::new(settings, Arc::clone(&fixture.store), Arc::clone(&fixture.login_throttle));
//! let address = fixture.serve(TlsMode::Plain, TEST_LIMITS, Arc::new(server)).await;
//! let mut client = LineClient::connect(address, ReplyShape::Line).await;
//! ```
//!
//! Deliberately not here: anything a single protocol defines (SMTP `EHLO`/`AUTH` sequences, IMAP tags and
//! literals, POP3 multi-line bodies), which each protocol's `tests/common` builds on [`LineClient`], and any
//! dependency on a protocol crate, so that every protocol crate can use this one.

/// A self-signed certificate for `localhost` in a temporary directory.
mod certificate;
/// The store, certificate, throttle and shutdown trigger the servers under test share.
mod fixture;
/// A raw line client, plain or TLS.
mod line_client;

use std::time::Duration;

use facteur_net::Limits;

pub use certificate::{CERTIFICATE_HOST, LocalhostCertificate};
pub use fixture::Fixture;
pub use line_client::{LineClient, ReplyShape};

/// The domain a [`Fixture`]'s store receives mail for.
pub const LOCAL_DOMAIN: &str = "example.com";
/// An account in every [`Fixture`], with [`PASSWORD`].
pub const ALICE: &str = "alice@example.com";
/// Another account in every [`Fixture`], with [`PASSWORD`].
pub const BOB: &str = "bob@example.com";
pub const PASSWORD: &str = "correct horse battery staple";

/// Limits for test listeners: more connections than a test opens (all from 127.0.0.1), and an idle timeout
/// short enough that a session a test forgot ends soon, long enough for a slow machine. A test of the limits
/// themselves changes a field: `Limits { idle_timeout: Duration::from_secs(1), ..TEST_LIMITS }`.
pub const TEST_LIMITS: Limits = Limits {
    max_connections: 2000,
    max_connections_per_ip: 100,
    idle_timeout: Duration::from_secs(30),
    handshake_timeout: Duration::from_secs(10),
};
