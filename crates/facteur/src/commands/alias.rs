//! `facteur alias add|list|remove`.

use facteur_store::Store;

use crate::cli::AliasCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};

pub async fn run(data_dir: &DataDir, command: AliasCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        AliasCommand::Add { alias, targets } => match check_targets(store.as_ref(), &alias, &targets).await {
            Ok(()) => store.add_alias(&alias, &targets).await.map(|()| println!("{alias} -> {}", targets.join(", "))),
            Err(refusal) => {
                store.close().await.map_err(store_failure)?;
                return Err(refusal);
            }
        },
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

/// A target in one of our domains must be an account or an alias, and must not lead back to `alias`: either
/// mistake would only show when mail arrives, as a refusal nobody expects. Targets elsewhere are forwards.
async fn check_targets(store: &dyn Store, alias: &str, targets: &[String]) -> Outcome {
    let aliases = store.list_aliases().await.map_err(store_failure)?;
    for target in targets {
        let domain = target.rsplit_once('@').map_or("", |(_, domain)| domain);
        if !store.is_local_domain(domain).await.map_err(store_failure)? {
            continue;
        }
        if leads_to(&aliases, target, alias) {
            return Err(usage!("{alias} -> {target} would make a loop: {target} already leads back to {alias}"));
        }
        let is_account = store.account_by_address(target).await.map_err(store_failure)?.is_some();
        let is_alias = aliases.iter().any(|known| known.alias.eq_ignore_ascii_case(target));
        if !is_account && !is_alias {
            return Err(usage!(
                "{target} is neither an account nor an alias of {domain}: add it first (`facteur account add`)"
            ));
        }
    }
    Ok(())
}

/// Whether following aliases from `from` reaches `to` (or `from` is `to`).
fn leads_to(aliases: &[facteur_store::Alias], from: &str, to: &str) -> bool {
    let mut seen: Vec<String> = Vec::new();
    let mut next = vec![from.to_ascii_lowercase()];
    while let Some(address) = next.pop() {
        if address.eq_ignore_ascii_case(to) {
            return true;
        }
        if seen.contains(&address) {
            continue;
        }
        if let Some(alias) = aliases.iter().find(|known| known.alias.eq_ignore_ascii_case(&address)) {
            next.extend(alias.targets.iter().map(|target| target.to_ascii_lowercase()));
        }
        seen.push(address);
    }
    false
}
