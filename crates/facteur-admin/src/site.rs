//! Domains need more than a row in the store: DKIM keys made at once (and shared between nodes) and a DNS
//! check against what the configuration says to publish. That needs the data directory and the
//! configuration, which are the binary's; it offers them to the admin page through this trait, and its own
//! `facteur domain add` and `dns-records --check` run the same code.

use async_trait::async_trait;
use facteur_mailauth::Checked;

use crate::error::AdminError;

/// The binary's domain set-up.
#[async_trait]
pub trait DomainSetup: Send + Sync {
    /// Adds `domain` to the store and makes its DKIM keys; answers the DNS records (zone-file lines) of
    /// the keys made, to publish.
    async fn add_domain(&self, domain: &str) -> Result<Vec<String>, AdminError>;

    /// Looks up each record `domain` should publish: right, missing, wrong or unknown.
    async fn check_dns(&self, domain: &str) -> Result<Vec<Checked>, AdminError>;
}
