//! `facteur dkim list|rotate|retire`, and the first keys of a domain (`init`, `domain add`).
//!
//! The keys themselves live in `DATA/dkim/` and are `facteur-mailauth`'s [`KeyStore`]: this module only
//! talks to the operator. A running server sees each change at its next signature.

use facteur_mailauth::{Algorithm, KeyInfo, KeyState, KeyStore, MailAuthError};

use crate::cli::DkimCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Failure, Outcome, usage};

pub async fn run(data_dir: &DataDir, command: DkimCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let keys = data_dir.dkim_keys();
    match command {
        DkimCommand::List { domain } => list(&keys, domain.as_deref()),
        DkimCommand::Rotate { domain } => {
            let domain = domain.to_ascii_lowercase();
            require_local_domain(data_dir, &config, &domain).await?;
            let created = keys.rotate(&domain).map_err(key_failure)?;
            print_new_keys(&keys, &domain, &created)?;
            println!("The previous key(s) no longer sign but stay published: keep their DNS records for a few days,");
            println!("then `facteur dkim retire {domain} SELECTOR`.");
            Ok(())
        }
        DkimCommand::Retire { domain, selector } => {
            let domain = domain.to_ascii_lowercase();
            keys.retire(&domain, &selector).map_err(key_failure)?;
            println!("retired {selector} of {domain}: remove {selector}._domainkey.{domain} from DNS");
            Ok(())
        }
    }
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
    let records = keys.dns_txt(domain).map_err(key_failure)?;
    for key in created {
        println!("new DKIM key {} ({}) for {domain}; publish:", key.selector, key.algorithm.key_type());
        if let Some((_, value)) = records.iter().find(|(selector, _)| *selector == key.selector) {
            // In zone-file syntax: a 2048-bit key is longer than one TXT string may be (255 bytes).
            println!("  {}._domainkey.{domain}. IN TXT {}", key.selector, facteur_mailauth::txt_strings(value));
        }
    }
    Ok(())
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

/// Keys are made only for domains we receive mail for: a typo must not become a key directory.
pub async fn require_local_domain(data_dir: &DataDir, config: &facteur_config::Config, domain: &str) -> Outcome {
    let store = data_dir.open_store(config).await?;
    let domains = store.list_domains().await;
    let closed = store.close().await;
    let domains = domains.map_err(store_failure)?;
    closed.map_err(store_failure)?;
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
