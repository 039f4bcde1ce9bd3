//! Facteur's persistent state: the only way anything in Facteur reads or writes data that outlives a process.
//!
//! It holds domains, accounts and aliases (and resolves recipient addresses, in exactly one place), mailboxes
//! with their IMAP state (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, tombstones for QRESYNC), message metadata, the
//! outbound queue, and message content, content-addressed: small messages inside the database, large ones as
//! blob files ([`Store::read_blob`] reads either). Writes are durable when they return; concurrent writes
//! share fsyncs through a group-commit writer. After each commit a [`Change`] goes on an in-process bus.
//!
//! It deliberately knows nothing of message syntax or passwords: message summaries are opaque bytes from
//! `facteur-message`, password hashes opaque strings from `facteur-auth`. It does not depend on our other
//! crates.

/// Accounts, aliases, recipient resolution results, address normalisation.
pub mod account;
/// Content-addressed blob files (large messages) and their durability protocol.
pub mod blob;
/// The change bus notification.
pub mod change;
/// The backend-independent test suite every `Store` must pass.
#[cfg(feature = "conformance")]
#[doc(hidden)]
pub mod conformance;
/// The store's error type.
pub mod error;
/// Message flags and STORE changes.
pub mod flags;
/// Identifier newtypes.
pub mod ids;
/// Mailboxes, special-use roles, name rules.
pub mod mailbox;
/// Delivery requests and message metadata.
pub mod message;
/// The PostgreSQL backend, for several nodes on one database (all its SQL lives here).
pub mod postgres;
/// The outbound queue's data.
pub mod queue;
/// The SQLite backend (all SQL lives here).
pub mod sqlite;
/// The `Store` trait.
pub mod store;
/// MTA-STS policies and TLS-RPT counts, kept for outbound delivery.
pub mod tls_policy;

pub use account::{Account, Alias, Identity, RecipientLookup, Resolution, Vacation};
pub use blob::{BlobId, BlobStore, BlobWriter, RemovalHold};
pub use change::Change;
pub use error::{Entity, Result, StoreError};
pub use flags::{FlagChange, FlagOp, Keywords, SystemFlags};
pub use ids::{AccountId, EmailId, MailboxId, ModSeq, QueueId, ThreadId, Uid, UidValidity};
pub use mailbox::{INBOX, Mailbox, SpecialUse};
pub use message::{
    AccountChanges, Delivered, Delivery, DeliveryTarget, DestroyedEmail, EmailMeta, FlagsStored, MailboxChanges,
    MessageMeta,
};
pub use postgres::{PostgresOptions, PostgresStore};
pub use queue::{
    DeliveryAttempt, Notify, QueueAction, QueueEntry, QueueRecipient, QueuedEnvelope, QueuedMessage, QueuedRecipient,
    RecipientStatus, Ret,
};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use store::Store;
pub use tls_policy::{CachedStsPolicy, TlsResultCount, TlsSessionResult};
