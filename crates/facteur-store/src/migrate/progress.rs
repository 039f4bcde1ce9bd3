//! Where a copy stands, kept in the target (`migration_source`, `migration_progress`) and written in the same
//! transaction as the rows it describes, so it is never ahead of or behind them.
//!
//! A database is claimed once: the first run checks that it holds no Facteur data and records which store it
//! copies; later runs resume only the copy of that same store, unchanged since.

use facteur_primitives::unix_now;

use crate::error::Result;
use crate::postgres::sql::{Tx, exec, row, value};

use super::MigrateError;
use super::tables::{TABLES, Table};
use super::value::{Value, decode_all, encode_all};

/// What the target held when the copy was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Nothing: the copy starts.
    New,
    /// An unfinished copy of this store: it continues.
    Resumed,
    /// A complete, verified copy of this store (the run that made it stopped before rewriting the
    /// configuration): only the verification runs again.
    Finished,
}

/// How far one table's copy has got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TableProgress {
    /// The key of the last row copied; `None` before the first batch.
    pub last_key: Option<Vec<Value>>,
    /// Rows copied so far.
    pub rows: u64,
    /// Every row is copied.
    pub done: bool,
}

impl TableProgress {
    /// Records a batch of `rows`, in key order; `last` says that no row follows them.
    pub fn advance(&mut self, table: &Table, rows: &[Vec<Value>], last: bool) {
        if let Some(row) = rows.last() {
            self.last_key = Some(row[..table.key].to_vec());
        }
        self.rows += rows.len() as u64;
        self.done = last;
    }
}

/// Claims the target for the copy of the store at `path` whose state is `fingerprint`, or refuses: the
/// target holds Facteur data of its own, or the copy of another store (or of this one before it changed).
pub(crate) async fn claim(tx: &Tx<'_>, path: &str, fingerprint: &str) -> Result<Claim, MigrateError> {
    let found = row(tx, "SELECT path, fingerprint, finished_at FROM migration_source", &[]).await?;
    let Some(found) = found else {
        let held = tables_holding_rows(tx).await?;
        if !held.is_empty() {
            return Err(MigrateError::TargetNotEmpty(held.join(", ")));
        }
        exec(
            tx,
            "INSERT INTO migration_source (path, fingerprint, started_at) VALUES ($1, $2, $3)",
            &[&path, &fingerprint, &unix_now()],
        )
        .await?;
        return Ok(Claim::New);
    };
    let (copied_path, copied_fingerprint, finished_at): (String, String, Option<i64>) =
        (found.try_get(0)?, found.try_get(1)?, found.try_get(2)?);
    if copied_fingerprint != fingerprint {
        return Err(MigrateError::OtherSource { path: copied_path });
    }
    Ok(if finished_at.is_some() { Claim::Finished } else { Claim::Resumed })
}

/// The tables of the plan that hold rows, with their counts (`"accounts: 12 rows"`).
async fn tables_holding_rows(tx: &Tx<'_>) -> Result<Vec<String>> {
    let mut held = Vec::new();
    for table in TABLES {
        // Table names come from the plan, never from input.
        let count: i64 = value(tx, &format!("SELECT count(*) FROM {}", table.name), &[]).await?.unwrap_or(0);
        if count > 0 {
            held.push(format!("{}: {count} rows", table.name));
        }
    }
    Ok(held)
}

pub(crate) async fn load(tx: &Tx<'_>, table: &Table) -> Result<TableProgress> {
    let found = row(tx, "SELECT last_key, rows, done FROM migration_progress WHERE step = $1", &[&table.name]).await?;
    let Some(found) = found else { return Ok(TableProgress::default()) };
    let last_key: Option<Vec<u8>> = found.try_get(0)?;
    let rows: i64 = found.try_get(1)?;
    Ok(TableProgress {
        last_key: last_key.map(|bytes| decode_all(&bytes, &table.key_kinds())).transpose()?,
        rows: u64::try_from(rows).unwrap_or(0),
        done: found.try_get(2)?,
    })
}

pub(crate) async fn save(tx: &Tx<'_>, table: &Table, progress: &TableProgress) -> Result<()> {
    let last_key = progress.last_key.as_deref().map(encode_all);
    let rows = i64::try_from(progress.rows).unwrap_or(i64::MAX);
    exec(
        tx,
        "INSERT INTO migration_progress (step, last_key, rows, done) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (step) DO UPDATE SET last_key = $2, rows = $3, done = $4",
        &[&table.name, &last_key, &rows, &progress.done],
    )
    .await?;
    Ok(())
}

pub(crate) async fn finish(tx: &Tx<'_>) -> Result<()> {
    exec(tx, "UPDATE migration_source SET finished_at = $1", &[&unix_now()]).await?;
    Ok(())
}
