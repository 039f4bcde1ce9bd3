//! `facteur store migrate`: a SQLite store copied into a PostgreSQL database, for an installation that
//! outgrows one machine.
//!
//! The copy keeps every identifier: account, mailbox, queue and identity ids, UIDs, UIDVALIDITY, UIDNEXT,
//! MODSEQs, the accounts' change counters, JMAP email and thread ids. IMAP clients (RFC 9051 §2.3.1.1: a
//! client may keep UIDs across sessions only while UIDVALIDITY holds; RFC 7162 §3.1: MODSEQs only grow) and
//! JMAP clients (state strings are the accounts' counters) go on from where they were, without
//! resynchronising. That is why it cannot go through the [`crate::Store`] trait, whose writes hand out new
//! ids: it reads SQLite rows and writes them as they are into the target's own schema (`tables.rs` says
//! which), message content from `blob_content` or the blob files into `blob_chunks`, then moves the target's
//! id sequences past the copied ids.
//!
//! - **Alone on the source.** [`Source::open`] takes the store directory's exclusive lock: no server or
//!   command can open the store until the caller drops it, after rewriting its configuration.
//! - **Into an empty database.** The first run claims the target only if no table of the plan holds a row;
//!   a database already serving mail is refused (`progress.rs`).
//! - **Resumable.** Each batch is one target transaction with its progress row; a run after an interruption
//!   starts after the last committed batch, provided the source has not changed since.
//! - **Verified.** At the end every table is read back from both sides and compared row for row, and every
//!   message's content hashed on both sides (`verify.rs`). The claim is marked finished only then.

mod copy;
mod progress;
mod source;
mod tables;
mod target;
mod value;
mod verify;

use std::path::PathBuf;

use crate::blob::BlobId;
use crate::error::StoreError;
use crate::postgres::PostgresOptions;

pub use source::Source;
pub use verify::{ContentCheck, Report, TableCheck};

use copy::Batches;
use progress::Claim;
use tables::TABLES;
use target::Target;

/// Why a migration could not be carried out (a mismatch found by the verification is not an error: it is in
/// the [`Report`]).
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("there is no SQLite store in {}: no {} there", .0.display(), crate::sqlite::DATABASE_FILE)]
    NoSource(PathBuf),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("copying the table {table}: {source}")]
    Copy { table: &'static str, source: StoreError },
    #[error(
        "the database already holds Facteur data ({0}); a migration only fills an empty database, so that no \
         mail already there is mixed with the copy: name a new, empty database"
    )]
    TargetNotEmpty(String),
    #[error("another `facteur store migrate` is writing to this database")]
    TargetBusy,
    #[error(
        "the database holds an unfinished copy of the SQLite store {path}, begun when it held other data (another \
         store, or this one before it changed): the copy cannot go on; empty the database (or name a new one) and \
         run the migration again"
    )]
    OtherSource { path: String },
    #[error(
        "blob {0} in the SQLite store is damaged: its content is not the content it was stored as (check the \
         disk; a backup may hold the file)"
    )]
    DamagedContent(BlobId),
    #[error("stopped after {0} batches, as asked: run the migration again to resume")]
    Interrupted(u64),
}

impl From<tokio_postgres::Error> for MigrateError {
    fn from(error: tokio_postgres::Error) -> MigrateError {
        MigrateError::Store(error.into())
    }
}

/// What happens as a migration goes, for the command to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The target holds an unfinished copy of this store: the copy continues after its last batch.
    Resumed,
    /// The target holds a complete copy of this store already: it is verified again.
    AlreadyCopied,
    /// Every row of `table` is in the target.
    TableCopied { table: &'static str, rows: u64 },
    /// Reading both sides back.
    Verifying,
}

/// How much one batch holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Rows read from SQLite at once.
    pub rows: usize,
    /// Bytes of message content, at most, in one transaction (a single larger message goes alone).
    pub blob_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { rows: 1_000, blob_bytes: 16 * 1024 * 1024 }
    }
}

/// A copy of a SQLite store into the PostgreSQL database of `target`.
#[derive(Debug)]
pub struct Migration {
    target: PostgresOptions,
    limits: Limits,
    stop_after_batches: Option<u64>,
}

impl Migration {
    /// Only the URL and password of `target` are used: a migration writes no staging file.
    pub fn new(target: PostgresOptions) -> Migration {
        Migration { target, limits: Limits::default(), stop_after_batches: None }
    }

    /// Rows per batch (tests: many batches from a small store).
    #[doc(hidden)]
    pub fn batch_rows(mut self, rows: usize) -> Migration {
        self.limits.rows = rows.max(1);
        self
    }

    /// Stops with [`MigrateError::Interrupted`] once this many batches are committed, as a kill would
    /// (tests of resuming).
    #[doc(hidden)]
    pub fn stop_after_batches(mut self, batches: u64) -> Migration {
        self.stop_after_batches = Some(batches);
        self
    }

    /// Copies what is not yet copied of `source`, then verifies the whole copy.
    pub async fn run(&self, source: &Source, events: &mut (dyn FnMut(Event) + Send)) -> Result<Report, MigrateError> {
        let fingerprint = source.fingerprint().await?;
        let mut target = Target::connect(&self.target).await?;
        let claim = target.claim(&source.dir().to_string_lossy(), &fingerprint).await?;
        match claim {
            Claim::New => {}
            Claim::Resumed => events(Event::Resumed),
            Claim::Finished => events(Event::AlreadyCopied),
        }
        if claim != Claim::Finished {
            self.copy(source, &mut target, events).await?;
        }
        events(Event::Verifying);
        let report = verify::compare(source, &mut target, claim == Claim::Resumed).await?;
        if report.is_identical() {
            target.finish().await?;
        }
        Ok(report)
    }

    async fn copy(
        &self,
        source: &Source,
        target: &mut Target,
        events: &mut (dyn FnMut(Event) + Send),
    ) -> Result<(), MigrateError> {
        let mut batches = Batches::new(self.stop_after_batches);
        for table in TABLES {
            let rows = copy::table(source, target, table, &self.limits, &mut batches).await?;
            events(Event::TableCopied { table: table.name, rows });
        }
        for table in TABLES.iter().filter(|table| table.sequence) {
            target.advance_sequence(table, source.highest_id(table).await?).await?;
        }
        Ok(())
    }
}
