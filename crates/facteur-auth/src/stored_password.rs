//! Setting a password: what the store keeps of it is its argon2id hash (for PLAIN, LOGIN and the other
//! password logins) and its SCRAM-SHA-256 verifier (RFC 5802 §3), always derived together from the one
//! password. Every place that sets a password (`facteur account add` and `passwd`, the quickstart, test
//! fixtures) goes through here.

use facteur_store::{AccountId, Store, StoreError};

use crate::password::{PasswordError, hash_password};
use crate::scram::ScramVerifier;

/// The two stored forms of one password.
#[derive(Clone)]
pub struct StoredPassword {
    hash: String,
    scram_sha256: String,
}

impl std::fmt::Debug for StoredPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPassword").finish_non_exhaustive()
    }
}

impl StoredPassword {
    /// Hashes `password` and derives its verifier, each with a fresh salt.
    pub fn new(password: &str) -> Result<StoredPassword, PasswordError> {
        Ok(StoredPassword {
            hash: hash_password(password)?,
            scram_sha256: ScramVerifier::generate(password)?.to_text(),
        })
    }

    /// The argon2id hash (a PHC string).
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Creates the account with this password.
    pub async fn create_account(&self, store: &dyn Store, address: &str) -> Result<AccountId, StoreError> {
        let account = store.create_account(address, &self.hash).await?;
        store.set_scram_verifier(account, &self.hash, &self.scram_sha256).await?;
        Ok(account)
    }

    /// Makes this the password of an existing account. Two writes: between them the account has no verifier
    /// (SCRAM fails, as for an account from before verifiers), never the old password's.
    pub async fn replace(&self, store: &dyn Store, address: &str) -> Result<(), StoreError> {
        store.set_password(address, &self.hash).await?;
        if let Some(account) = store.account_by_address(address).await? {
            store.set_scram_verifier(account.id, &self.hash, &self.scram_sha256).await?;
        }
        Ok(())
    }
}
