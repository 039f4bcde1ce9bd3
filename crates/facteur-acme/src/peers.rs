//! Several nodes serving the same names (one PostgreSQL database): they share one certificate instead of each
//! ordering its own. [`Peers`] is what this crate needs from them; the binary provides it over the shared
//! store, which this crate does not know.
//!
//! - One node orders at a time: it takes the turn ([`Peers::take_turn`], a lease that expires if its node
//!   dies), brings `acme/` up to date first (another node may have just finished), orders, shares `acme/`
//!   (the account and key even when the order failed, so the next attempt, wherever it runs, reuses them)
//!   and gives the turn back. A node that finds the turn taken waits for the certificate to arrive.
//! - Every node serves what is in its `acme/`, which the binary keeps in step with the database; the
//!   renewal loop looks at it every [`PEER_CHECK`] and serves a certificate another node stored.
//! - http-01 answers are published for all nodes ([`Peers::publish_http01`]): the CA's request may reach any
//!   of them, and each one's http listener looks there for a token it did not publish itself.
//! - tls-alpn-01 cannot be answered that way (the CA's TLS handshake must meet the challenge certificate, and
//!   a handshake cannot wait for a database): it works across nodes only if the CA reaches the node that
//!   orders. The binary warns about it at start.

use std::time::Duration;

use async_trait::async_trait;

/// How often a node with peers looks for a certificate another node stored, and how long it waits before
/// looking again when another node holds the turn.
pub const PEER_CHECK: Duration = Duration::from_secs(15);

/// How long a turn lasts: longer than an order's validation and signing timeouts together.
pub(crate) const ORDER_TURN: Duration = Duration::from_secs(10 * 60);

/// An error of the shared store, as the binary reports it.
pub type PeerError = Box<dyn std::error::Error + Send + Sync>;

/// What the nodes serving the same names share (see the module documentation).
#[async_trait]
pub trait Peers: Send + Sync {
    /// Takes the right to order for `turn` (taking it again renews it); `false` while another node has it.
    async fn take_turn(&self, turn: Duration) -> Result<bool, PeerError>;
    /// Gives the turn back.
    async fn end_turn(&self);
    /// Makes the local `acme/` what the nodes share.
    async fn pull(&self) -> Result<(), PeerError>;
    /// Shares the local `acme/` with the other nodes.
    async fn push(&self) -> Result<(), PeerError>;
    /// Publishes an http-01 answer where every node finds it, for `lasting`.
    async fn publish_http01(&self, token: &str, key_authorization: &str, lasting: Duration) -> Result<(), PeerError>;
    async fn withdraw_http01(&self, token: &str);
    /// The answer a node published for `token`, if any.
    async fn http01_answer(&self, token: &str) -> Option<String>;
}
