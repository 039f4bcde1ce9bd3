//! `facteur dkim list|rotate|retire`, and the first keys of a domain (`init`, `domain add`).
//!
//! The keys themselves live in `DATA/dkim/` and are `facteur-mailauth`'s [`KeyStore`]: this module only
//! talks to the operator. A running server sees each change at its next signature. When nodes share a
//! PostgreSQL database, a change is made to the keys the database holds ([`change_domain_keys`]), and
//! every node signs with them within [`crate::shared_files::FOLLOW_EVERY`].

use std::sync::Arc;

use facteur_mailauth::{Algorithm, KeyInfo, KeyState, KeyStore, MailAuthError};
use facteur_store::Store;

use crate::cli::DkimCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Failure, Outcome, usage};
use crate::shared_files::{SharedFiles, dkim_directory};

pub async fn run(data_dir: &DataDir, command: DkimCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = run_on(data_dir, &store, command).await;
    let closed = store.close().await;
    result?;
    closed.map_err(store_failure)
}

async fn run_on(data_dir: &DataDir, store: &Arc<dyn Store>, command: DkimCommand) -> Outcome {
    let keys = data_dir.dkim_keys();
    match command {
        DkimCommand::List { domain } => {
            if let Some(shared) = SharedFiles::new(store, data_dir.root()) {
                shared.pull_all().await?;
            }
            list(&keys, domain.as_deref())
        }
        DkimCommand::Rotate { domain } => {
            let domain = domain.to_ascii_lowercase();
            require_local_domain(store.as_ref(), &domain).await?;
            let created =
                change_domain_keys(data_dir, store, &domain, |keys| keys.rotate(&domain).map_err(key_failure)).await?;
            print_new_keys(&keys, &domain, &created)?;
            println!("The previous key(s) no longer sign but stay published: keep their DNS records for a few days,");
            println!("then `facteur dkim retire {domain} SELECTOR`.");
            Ok(())
        }
        DkimCommand::Retire { domain, selector } => {
            let domain = domain.to_ascii_lowercase();
            change_domain_keys(data_dir, store, &domain, |keys| keys.retire(&domain, &selector).map_err(key_failure))
                .await?;
            println!("retired {selector} of {domain}: remove {selector}._domainkey.{domain} from DNS");
            Ok(())
        }
    }
}

/// Makes `change` to `domain`'s keys. When nodes share a database, on the keys it holds: they are taken
/// from it first, and shared again after the change, so that every node signs with the same keys.
pub async fn change_domain_keys<T>(
    data_dir: &DataDir,
    store: &Arc<dyn Store>,
    domain: &str,
    change: impl FnOnce(&KeyStore) -> Outcome<T>,
) -> Outcome<T> {
    let shared = SharedFiles::new(store, data_dir.root());
    let directory = dkim_directory(domain);
    if let Some(shared) = &shared {
        shared.pull(&directory).await?;
    }
    let changed = change(&data_dir.dkim_keys())?;
    if let Some(shared) = &shared {
        shared.push(&directory).await?;
    }
    Ok(changed)
}

/// Gives `domain` an active RSA key, and an Ed25519 one when `ed25519` (`[mail_auth] ed25519_signature`),
/// unless it has them already (a domain removed and added again keeps its published keys). Returns the new keys.
pub fn ensure_domain_keys(keys: &KeyStore, domain: &str, ed25519: bool) -> Outcome<Vec<KeyInfo>> {
    let active = keys.active(domain).map_err(key_failure)?;
    let wanted = [Some(Algorithm::Rsa2048), ed25519.then_some(Algorithm::Ed25519)];
    let mut created = Vec::new();
    for algorithm in wanted.into_iter().flatten() {
        if !active.iter().any(|key| key.algorithm == algorithm) {
            created.push(keys.generate(domain, algorithm).map_err(key_failure)?);
        }
    }
    Ok(created)
}

/// Prints each new key with the TXT record that publishes it.
pub fn print_new_keys(keys: &KeyStore, domain: &str, created: &[KeyInfo]) -> Outcome {
    for (key, record) in created.iter().zip(new_key_records(keys, domain, created)?) {
        println!("new DKIM key {} ({}) for {domain}; publish:", key.selector, key.algorithm.key_type());
        println!("  {record}");
    }
    Ok(())
}

/// The zone-file line that publishes each new key, in the order of `created`.
pub fn new_key_records(keys: &KeyStore, domain: &str, created: &[KeyInfo]) -> Outcome<Vec<String>> {
    let records = keys.dns_txt(domain).map_err(key_failure)?;
    let record = |key: &KeyInfo| {
        let (_, value) = records.iter().find(|(selector, _)| *selector == key.selector)?;
        // In zone-file syntax: a 2048-bit key is longer than one TXT string may be (255 bytes).
        Some(format!("{}._domainkey.{domain}. IN TXT {}", key.selector, facteur_mailauth::txt_strings(value)))
    };
    let missing = |key: &KeyInfo| format!("; {} has no record yet: see `facteur dns-records {domain}`", key.selector);
    Ok(created.iter().map(|key| record(key).unwrap_or_else(|| missing(key))).collect())
}

fn list(keys: &KeyStore, domain: Option<&str>) -> Outcome {
    let domains = match domain {
        Some(domain) => vec![domain.to_ascii_lowercase()],
        None => keys.domains().map_err(key_failure)?,
    };
    let mut any = false;
    for domain in &domains {
        for key in keys.keys(domain).map_err(key_failure)? {
            any = true;
            let state = match key.state {
                KeyState::Active => "active",
                KeyState::Published => "published",
            };
            println!("{domain}  {}  {}  {state}", key.selector, key.algorithm.key_type());
        }
    }
    match (any, domain) {
        (true, _) => Ok(()),
        (false, Some(domain)) => {
            Err(usage!("no DKIM keys for {domain} (see `facteur domain list` for this server's domains)"))
        }
        (false, None) => {
            println!("no DKIM keys");
            Ok(())
        }
    }
}

/// For a command that reads `domain`'s keys (`dns-records`): the domain must be ours, and when nodes share a
/// database, the keys (and the ACME files) are first brought up to date from it.
pub async fn local_domain_with_current_keys(
    data_dir: &DataDir,
    config: &facteur_config::Config,
    domain: &str,
) -> Outcome {
    let store = data_dir.open_store(config).await?;
    let result = current_keys_of_local_domain(data_dir, &store, domain).await;
    let closed = store.close().await;
    result?;
    closed.map_err(store_failure)
}

/// The same on an open store (the server's, for the admin page).
pub async fn current_keys_of_local_domain(data_dir: &DataDir, store: &Arc<dyn Store>, domain: &str) -> Outcome {
    require_local_domain(store.as_ref(), domain).await?;
    if let Some(shared) = SharedFiles::new(store, data_dir.root()) {
        shared.pull_all().await?;
    }
    Ok(())
}

/// Keys are made only for domains we receive mail for: a typo must not become a key directory.
async fn require_local_domain(store: &dyn Store, domain: &str) -> Outcome {
    let domains = store.list_domains().await.map_err(store_failure)?;
    if domains.iter().any(|local| local.eq_ignore_ascii_case(domain)) {
        Ok(())
    } else {
        Err(usage!("{domain} is not one of this server's domains (see `facteur domain list`)"))
    }
}

/// What the operator typed wrong is a usage error (exit 2); a file that cannot be read or written is not.
pub fn key_failure(error: MailAuthError) -> Failure {
    match error {
        MailAuthError::InvalidDomain { .. }
        | MailAuthError::InvalidSelector { .. }
        | MailAuthError::UnknownSelector { .. }
        | MailAuthError::RetireActive { .. } => Failure::Usage(error.into()),
        other => Failure::Runtime(other.into()),
    }
}
