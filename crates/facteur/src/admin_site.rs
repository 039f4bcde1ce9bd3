//! What the admin page needs from the binary: adding a domain with its DKIM keys, and the DNS check. Both run
//! the command line's own code (`domain add`, `dns-records --check`), on the server's open store.

use std::sync::Arc;

use async_trait::async_trait;
use facteur_admin::{AdminError, DomainSetup};
use facteur_config::Config;
use facteur_mailauth::Checked;
use facteur_store::Store;

use crate::commands::{dns_records, domain};
use crate::data_dir::DataDir;
use crate::failure::Failure;

pub struct ServerDomains {
    data_dir: DataDir,
    config: Arc<Config>,
    store: Arc<dyn Store>,
}

impl ServerDomains {
    pub fn new(data_dir: &DataDir, config: &Config, store: Arc<dyn Store>) -> ServerDomains {
        ServerDomains { data_dir: DataDir::new(data_dir.root().to_owned()), config: Arc::new(config.clone()), store }
    }
}

#[async_trait]
impl DomainSetup for ServerDomains {
    async fn add_domain(&self, name: &str) -> Result<Vec<String>, AdminError> {
        domain::add(&self.data_dir, &self.config, &self.store, name).await.map_err(as_admin_error)
    }

    async fn check_dns(&self, name: &str) -> Result<Vec<Checked>, AdminError> {
        dns_records::check_for_admin_page(&self.data_dir, &self.config, &self.store, name).await.map_err(as_admin_error)
    }
}

/// A usage failure is the operator's to fix (the page shows it as a refusal); anything else is the server's.
fn as_admin_error(failure: Failure) -> AdminError {
    match failure {
        Failure::Usage(_) => AdminError::Refused(failure.to_string()),
        Failure::Runtime(_) => AdminError::Failed(failure.to_string()),
    }
}
