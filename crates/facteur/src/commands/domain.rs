//! `facteur domain add|list|remove`.

use crate::cli::DomainCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::Outcome;

pub async fn run(data_dir: &DataDir, command: DomainCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        DomainCommand::Add { domain } => store.add_domain(&domain).await.map(|()| println!("added domain {domain}")),
        DomainCommand::List => store.list_domains().await.map(|domains| domains.iter().for_each(|d| println!("{d}"))),
        DomainCommand::Remove { domain } => {
            store.remove_domain(&domain).await.map(|()| println!("removed domain {domain}"))
        }
    };
    let closed = store.close().await;
    result.map_err(store_failure)?;
    closed.map_err(store_failure)
}
