//! Facteur's persistent state: the only way anything in Facteur reads or writes data that outlives a process.
//!
//! It holds domains, accounts and aliases (and resolves recipient addresses, in exactly one place), mailboxes
//! with their IMAP state (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, tombstones for QRESYNC), message metadata, the
//! outbound queue, and message content, content-addressed: small messages inside the database, large ones as
//! blob files ([`Store::read_blob`] reads either). Writes are durable when they return; concurrent writes
//! share fsyncs through a group-commit writer. After each commit a [`Change`] goes on an in-process bus.
//! Named leases give one holder at a time something (a POP3 maildrop, an ACME order), and a store several
//! nodes share also keeps what they must agree on besides the mail ([`SharedState`]).
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
/// What became of each recipient, inbound and outbound: log lines and the kept history.
pub mod history;
/// Identifier newtypes.
pub mod ids;
/// Delivery indicators (delivered, deferred, bounced rates) computed from the history.
pub mod indicators;
/// Named leases: one holder at a time, until released or expired.
pub mod lease;
/// Mailboxes, special-use roles, name rules.
pub mod mailbox;
/// Delivery requests and message metadata.
pub mod message;
/// A SQLite store copied into PostgreSQL with every id kept (`facteur store migrate`), resumable and verified.
pub mod migrate;
/// The PostgreSQL backend, for several nodes on one database (all its SQL lives here).
pub mod postgres;
/// The outbound queue's data.
pub mod queue;
/// What each account sends: counts for the rate limits, outcomes for the bounce rate, held accounts.
pub mod sending;
/// State several nodes share besides the mail: login failures, mirrored files, http-01 answers.
pub mod shared;
/// Sieve scripts as ManageSieve sees them.
pub mod sieve;
/// Each account's spam training and correspondents.
pub mod spam;
/// Well-known names of special folders ("Sent Items", "Corbeille", …), resolved to one mailbox per role: by
/// IMAP, by Sieve's fileinto at delivery, and for imported mail.
pub mod special_folders;
/// The SQLite backend (all SQL lives here).
pub mod sqlite;
/// The `Store` trait.
pub mod store;
/// The rule both backends' full-text indexes share (trigrams: three characters at least).
mod text_index;
/// MTA-STS policies and TLS-RPT counts, kept for outbound delivery.
pub mod tls_policy;

pub use account::{Account, Alias, Identity, RecipientLookup, Resolution, Vacation};
pub use blob::{BlobId, BlobStore, BlobWriter, RemovalHold};
pub use change::Change;
pub use error::{Entity, Result, StoreError};
pub use flags::{FlagChange, FlagOp, Keywords, SystemFlags};
pub use history::{DeliveryEvent, Direction, Fate, HistoryQuery};
pub use ids::{AccountId, EmailId, MailboxId, ModSeq, QueueId, ThreadId, Uid, UidValidity};
pub use indicators::{FateCounts, Indicators, indicators, timeline};
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
pub use sending::{AccountHold, OutcomeTally, SendingUsage};
pub use shared::{SharedFile, SharedFileVersion, SharedState};
pub use sieve::{SieveLimits, SieveScriptInfo};
pub use spam::{Greylisting, SpamClass, SpamProfile, TokenCounts};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use store::Store;
pub use tls_policy::{CachedStsPolicy, TlsResultCount, TlsSessionResult};
