//! Accounts: a new one with a password that meets `[auth]`'s rule, a new password, a quota as a person
//! writes it, and the one-line summary of each.

use facteur_auth::{StoredPassword, check_new_password};
use facteur_store::{AccountId, Store, StoreError};

use crate::error::AdminError;

/// The longest password accepted, in bytes: far more than anyone types, short enough that hashing it costs
/// nothing unusual.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Creates `address` (its domain must be ours) with `password` and the default folders, marked admin if asked.
pub async fn add_account(
    store: &dyn Store,
    address: &str,
    password: &str,
    min_password_length: usize,
    admin: bool,
) -> Result<AccountId, AdminError> {
    let stored = acceptable_password(password, address, min_password_length)?;
    let id = stored.create_account(store, address).await?;
    if admin {
        store.set_admin(address, true).await?;
    }
    Ok(id)
}

/// Replaces the password of `address`; its web sessions end, since they were opened with the old one.
pub async fn change_password(
    store: &dyn Store,
    address: &str,
    password: &str,
    min_password_length: usize,
) -> Result<(), AdminError> {
    let stored = acceptable_password(password, address, min_password_length)?;
    Ok(stored.replace(store, address).await?)
}

/// The password's argon2id hash and SCRAM verifier, once it is known to meet the rule.
fn acceptable_password(password: &str, address: &str, minimum: usize) -> Result<StoredPassword, AdminError> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(AdminError::Refused(format!("the password is longer than {MAX_PASSWORD_LEN} bytes")));
    }
    check_new_password(password, address, minimum).map_err(|weak| AdminError::Refused(weak.to_string()))?;
    StoredPassword::new(password).map_err(|error| AdminError::Failed(format!("cannot hash the password: {error}")))
}

/// `unlimited`, or a size as `facteur_primitives::parse_size` reads it (`500M`, `1.5G`, bytes).
pub fn parse_quota(text: &str) -> Result<Option<u64>, AdminError> {
    if text.trim().eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    let bytes = facteur_primitives::parse_size(text.trim())
        .map_err(|error| AdminError::Refused(format!("quota: {error}, or \"unlimited\"")))?;
    Ok(Some(bytes))
}

/// An account as the operator's lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    pub address: String,
    /// Messages over all its mailboxes.
    pub messages: u64,
    pub used_bytes: u64,
    /// `None`: unlimited.
    pub quota_bytes: Option<u64>,
    pub admin: bool,
}

/// Every account, by address.
pub async fn account_summaries(store: &dyn Store) -> Result<Vec<AccountSummary>, StoreError> {
    let mut summaries = Vec::new();
    for account in store.list_accounts().await? {
        let messages = store.list_mailboxes(account.id).await?.iter().map(|mailbox| u64::from(mailbox.exists)).sum();
        summaries.push(AccountSummary {
            address: account.address,
            messages,
            used_bytes: account.used_bytes,
            quota_bytes: account.quota_bytes,
            admin: account.admin,
        });
    }
    Ok(summaries)
}

#[cfg(test)]
mod tests {
    use super::parse_quota;

    #[test]
    fn quotas_are_bytes_with_binary_units_or_unlimited() {
        assert_eq!(parse_quota("unlimited").ok(), Some(None));
        assert_eq!(parse_quota("1000").ok(), Some(Some(1000)));
        assert_eq!(parse_quota("4k").ok(), Some(Some(4096)));
        assert_eq!(parse_quota("500M").ok(), Some(Some(500 << 20)));
        assert_eq!(parse_quota("2G").ok(), Some(Some(2 << 30)));
        assert_eq!(parse_quota("1.5G").ok(), Some(Some(3 << 29)));
        assert_eq!(parse_quota("500MB").ok(), Some(Some(500 << 20)));
        for bad in ["", "M", "5Q", "-1", "1.5.5G", "99999999999G"] {
            assert!(parse_quota(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
