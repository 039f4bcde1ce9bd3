//! `facteur domain add|list|remove`. A new domain gets its DKIM key(s) at once (`[mail_auth]`); a removed
//! one keeps them, so that adding it back does not break signatures still being verified.

use crate::cli::DomainCommand;
use crate::commands::dkim::{change_domain_keys, ensure_domain_keys, print_new_keys};
use crate::data_dir::{DataDir, store_failure};
use crate::failure::Outcome;

pub async fn run(data_dir: &DataDir, command: DomainCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let mut added = None;
    let result = match command {
        DomainCommand::Add { domain } => store.add_domain(&domain).await.map(|()| {
            println!("added domain {domain}");
            added = Some(domain.to_ascii_lowercase());
        }),
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
    let keys_made = match (&result, &added) {
        (Ok(()), Some(domain)) => {
            let ed25519 = config.mail_auth.ed25519_signature;
            change_domain_keys(data_dir, &store, domain, |keys| ensure_domain_keys(keys, domain, ed25519)).await
        }
        _ => Ok(Vec::new()),
    };
    let closed = store.close().await;
    result.map_err(store_failure)?;
    closed.map_err(store_failure)?;
    if let Some(domain) = added {
        print_new_keys(&data_dir.dkim_keys(), &domain, &keys_made?)?;
    }
    Ok(())
}
