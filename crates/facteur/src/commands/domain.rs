//! `facteur domain add|list|remove`. A new domain gets its DKIM key(s) at once (`[mail_auth]`); a removed
//! one keeps them, so that adding it back does not break signatures still being verified.

use crate::cli::DomainCommand;
use std::sync::Arc;

use facteur_config::Config;
use facteur_store::Store;

use crate::commands::dkim::{change_domain_keys, ensure_domain_keys, new_key_records};
use crate::data_dir::{DataDir, store_failure};
use crate::failure::Outcome;

pub async fn run(data_dir: &DataDir, command: DomainCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        DomainCommand::Add { domain } => {
            let added = add(data_dir, &config, &store, &domain).await;
            let closed = store.close().await;
            let records = added?;
            closed.map_err(store_failure)?;
            println!("added domain {domain}");
            for record in records {
                println!("new DKIM key for {domain}; publish:");
                println!("  {record}");
            }
            return Ok(());
        }
        DomainCommand::List => store.list_domains().await.map(|domains| domains.iter().for_each(|d| println!("{d}"))),
        DomainCommand::Remove { domain } => store.remove_domain(&domain).await.map(|()| {
            println!("removed domain {domain}");
            println!(
                "Its DKIM keys stay in {}/{domain}, so adding it back signs with the",
                data_dir.dkim_dir().display()
            );
            println!("keys already in DNS; delete that directory and the domain's DNS records if it is gone for good.");
        }),
    };
    let closed = store.close().await;
    result.map_err(store_failure)?;
    closed.map_err(store_failure)
}

/// Adds `domain` and makes its DKIM keys (`[mail_auth]`); answers the zone-file lines of the new keys. The
/// command line's `domain add` and the admin page's both run this.
pub async fn add(data_dir: &DataDir, config: &Config, store: &Arc<dyn Store>, domain: &str) -> Outcome<Vec<String>> {
    store.add_domain(domain).await.map_err(store_failure)?;
    let domain = domain.to_ascii_lowercase();
    let ed25519 = config.mail_auth.ed25519_signature;
    let made = change_domain_keys(data_dir, store, &domain, |keys| ensure_domain_keys(keys, &domain, ed25519)).await?;
    new_key_records(&data_dir.dkim_keys(), &domain, &made)
}
