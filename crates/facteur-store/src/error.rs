//! The store's one error type: each variant says what a caller (or an operator) can act on.

use std::fmt;
use std::path::PathBuf;

use crate::blob::BlobId;
use crate::ids::{AccountId, MailboxId, QueueId};
use crate::mailbox::SpecialUse;

/// What kind of thing was missing or already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Domain,
    Account,
    Alias,
    Mailbox,
    SieveScript,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Domain => "domain",
            Entity::Account => "account",
            Entity::Alias => "alias",
            Entity::Mailbox => "mailbox",
            Entity::SieveScript => "Sieve script",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} {1:?} does not exist")]
    NotFound(Entity, String),
    #[error("{0} {1:?} already exists")]
    AlreadyExists(Entity, String),
    #[error("no account with id {}", .0.0)]
    NoSuchAccount(AccountId),
    #[error("no mailbox with id {}", .0.0)]
    NoSuchMailbox(MailboxId),
    #[error("no queue entry with id {}", .0.0)]
    NoSuchQueueEntry(QueueId),
    #[error("{0:?} is not a valid address: {1}")]
    InvalidAddress(String, String),
    #[error("{0:?} is not a valid mailbox name: {1}")]
    InvalidMailboxName(String, &'static str),
    #[error("{0:?} is not a valid keyword (it must be an IMAP atom of at most 128 characters)")]
    InvalidKeyword(String),
    #[error("{0} keywords on one message is more than the 64 allowed")]
    TooManyKeywords(usize),
    #[error("domain {0:?} is not a local domain")]
    DomainNotLocal(String),
    #[error("domain {domain:?} is still used by {accounts} account(s) and {aliases} alias(es)")]
    DomainInUse { domain: String, accounts: u64, aliases: u64 },
    #[error("{0:?} is both an account and an alias; remove one first")]
    AddressInUse(String),
    #[error("the account already has a {role} mailbox ({mailbox:?})")]
    SpecialUseTaken { role: SpecialUse, mailbox: String },
    #[error("INBOX cannot be deleted or renamed")]
    InboxIsPermanent,
    #[error("the mailbox {0:?} has the same name as its new one or is inside it")]
    RenameIntoItself(String),
    #[error("account {address} is over quota: {used} + {needed} bytes > {limit} bytes")]
    QuotaExceeded { address: String, limit: u64, used: u64, needed: u64 },
    /// RFC 5804 §2.6: the script is over the account's limits; nothing was written.
    #[error("the account may keep {max_scripts} Sieve scripts of at most {max_script_bytes} bytes each")]
    SieveQuota { max_scripts: usize, max_script_bytes: u64 },
    /// RFC 5804 §2.10: the active script cannot be deleted; another must be activated first (or none).
    #[error("the Sieve script {0:?} is active: deactivate it first")]
    SieveScriptActive(String),
    #[error("blob {0} is not stored (store it before referencing it; or its last reference is gone)")]
    BlobMissing(BlobId),
    #[error("{action} {path}: {source}")]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// A PostgreSQL error other than a lost connection; `code` is its SQLSTATE.
    #[error("database server: {message}")]
    DatabaseServer { code: Option<String>, message: String },
    /// The database server cannot be reached now (connection lost or refused, server shutting down): nothing
    /// was written, and the same request may succeed later. Protocols answer with a temporary failure
    /// (SMTP 4xx, IMAP `NO [UNAVAILABLE]`, POP3 `-ERR [SYS/TEMP]`).
    #[error("the database is unavailable, try again later: {0}")]
    Unavailable(String),
    #[error("the batch this write was part of could not be committed: {0}")]
    CommitFailed(String),
    #[error(
        "the database schema is version {found}, newer than the {supported} this program knows: \
         run the newer facteur, or restore a backup"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    /// A migration (`facteur store migrate`) is copying this SQLite store: nothing else may open it meanwhile.
    #[error(
        "the store in {} is being copied to PostgreSQL by `facteur store migrate`: wait for it to finish \
         (facteur.toml then names the new store)",
        .0.display()
    )]
    BeingMigrated(PathBuf),
    /// Another process has this SQLite store open, so it cannot be migrated now.
    #[error(
        "the store in {} is open in another process (a running `facteur serve`, or a command next to it): \
         stop the server before migrating, so that no mail arrives in the store being copied",
        .0.display()
    )]
    InUse(PathBuf),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    /// Whether the same request may succeed later without anyone changing anything: the database is out of
    /// reach, or a write batch failed as a whole. Protocols answer these with a temporary failure (SMTP 451
    /// 4.3.0, IMAP `NO [UNAVAILABLE]`, POP3 `-ERR [SYS/TEMP]`) so that clients retry instead of giving up.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::CommitFailed(_))
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> StoreError {
        let path = path.into();
        move |source| StoreError::Io { action, path, source }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_database_is_transient_and_a_missing_mailbox_is_not() {
        assert!(StoreError::Unavailable("connection refused".into()).is_transient());
        assert!(StoreError::CommitFailed("disk full".into()).is_transient());
        assert!(!StoreError::NoSuchMailbox(MailboxId(1)).is_transient());
    }
}
