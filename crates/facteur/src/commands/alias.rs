//! `facteur alias add|list|remove`.

use crate::cli::AliasCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, admin_failure};

pub async fn run(data_dir: &DataDir, command: AliasCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        AliasCommand::Add { alias, targets } => {
            match facteur_admin::add_alias(store.as_ref(), &alias, &targets).await {
                Ok(()) => {
                    println!("{alias} -> {}", targets.join(", "));
                    Ok(())
                }
                Err(refusal) => {
                    store.close().await.map_err(store_failure)?;
                    return Err(admin_failure(refusal));
                }
            }
        }
        AliasCommand::List => store.list_aliases().await.map(|aliases| {
            for alias in aliases {
                println!("{} -> {}", alias.alias, alias.targets.join(", "));
            }
        }),
        AliasCommand::Remove { alias } => store.remove_alias(&alias).await.map(|()| println!("removed alias {alias}")),
    };
    let closed = store.close().await;
    result.map_err(store_failure)?;
    closed.map_err(store_failure)
}
