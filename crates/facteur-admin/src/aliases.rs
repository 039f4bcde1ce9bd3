//! Aliases. A target in one of our domains must be an account or an alias, and must not lead back to the
//! alias: either mistake would only show when mail arrives, as a refusal nobody expects. Targets elsewhere are
//! forwards.

use facteur_store::{Alias, Store};

use crate::error::AdminError;

/// Adds `alias` delivering to `targets`, once they are known to be right.
pub async fn add_alias(store: &dyn Store, alias: &str, targets: &[String]) -> Result<(), AdminError> {
    check_targets(store, alias, targets).await?;
    Ok(store.add_alias(alias, targets).await?)
}

async fn check_targets(store: &dyn Store, alias: &str, targets: &[String]) -> Result<(), AdminError> {
    if targets.is_empty() {
        return Err(AdminError::Refused(format!("{alias} needs at least one target address")));
    }
    let aliases = store.list_aliases().await?;
    for target in targets {
        let domain = target.rsplit_once('@').map_or("", |(_, domain)| domain);
        if !store.is_local_domain(domain).await? {
            continue;
        }
        if leads_to(&aliases, target, alias) {
            return Err(AdminError::Refused(format!(
                "{alias} -> {target} would make a loop: {target} already leads back to {alias}"
            )));
        }
        let is_account = store.account_by_address(target).await?.is_some();
        let is_alias = aliases.iter().any(|known| known.alias.eq_ignore_ascii_case(target));
        if !is_account && !is_alias {
            return Err(AdminError::Refused(format!(
                "{target} is neither an account nor an alias of {domain}: add it first"
            )));
        }
    }
    Ok(())
}

/// Whether following aliases from `from` reaches `to` (or `from` is `to`).
fn leads_to(aliases: &[Alias], from: &str, to: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(name: &str, targets: &[&str]) -> Alias {
        Alias { alias: name.to_owned(), targets: targets.iter().map(|t| (*t).to_owned()).collect() }
    }

    #[test]
    fn a_chain_back_to_the_alias_is_a_loop() {
        let aliases = [alias("a@x.test", &["b@x.test"]), alias("b@x.test", &["c@x.test"])];
        assert!(leads_to(&aliases, "a@x.test", "c@x.test"));
        assert!(leads_to(&aliases, "C@x.test", "c@x.test"), "the alias itself");
        assert!(!leads_to(&aliases, "c@x.test", "a@x.test"));
    }
}
