//! The PostgreSQL database being filled: one connection, held alone, writing rows in the target's own schema.
//!
//! Every batch is one transaction with its progress row (`progress.rs`): after a crash, a batch is either
//! entirely in the target and recorded as copied, or not there at all. Statements are put together from the
//! table and column names of `tables.rs`, constants of this program; values are always parameters.

use std::pin::pin;

use futures_util::TryStreamExt;
use tokio_postgres::IsolationLevel;
use tokio_postgres::types::ToSql;

use crate::blob::BlobId;
use crate::error::{Result, StoreError};
use crate::postgres::sql::Tx;
use crate::postgres::{self, PostgresOptions, content, schema};

use super::MigrateError;
use super::progress::{self, Claim, TableProgress};
use super::tables::Table;
use super::value::Value;
use super::verify::Digest;

/// The advisory lock a migration holds for as long as its connection lives ("migrate!" in ASCII): two
/// migrations into one database would interleave their rows.
const MIGRATION_LOCK: i64 = 0x6d69_6772_6174_6521;

/// Parameters in one statement at most (PostgreSQL's protocol allows 65,535).
pub(crate) const MAX_PARAMETERS: usize = 60_000;

/// The database a SQLite store is copied into.
pub(crate) struct Target {
    client: deadpool_postgres::Client,
}

impl Target {
    /// Connects, takes the migration lock (refused while another migration into this database runs) and
    /// brings the schema up to date, as a node opening the store does.
    pub async fn connect(options: &PostgresOptions) -> Result<Target, MigrateError> {
        let mut client = postgres::connection(options).await?;
        let locked: bool = client.query_one("SELECT pg_try_advisory_lock($1)", &[&MIGRATION_LOCK]).await?.try_get(0)?;
        if !locked {
            return Err(MigrateError::TargetBusy);
        }
        let tx = client.transaction().await?;
        schema::migrate(&tx).await?;
        tx.commit().await?;
        Ok(Target { client })
    }

    /// Claims the database for the copy of the store at `path` whose state is `fingerprint`.
    pub async fn claim(&mut self, path: &str, fingerprint: &str) -> Result<Claim, MigrateError> {
        let tx = self.client.transaction().await?;
        let claim = progress::claim(&tx, path, fingerprint).await?;
        tx.commit().await?;
        Ok(claim)
    }

    /// How far the copy of `table` has got.
    pub async fn progress(&mut self, table: &Table) -> Result<TableProgress> {
        let tx = self.client.transaction().await?;
        let found = progress::load(&tx, table).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Inserts `rows` of `table` and records `progress`, in one transaction.
    pub async fn commit_rows(&mut self, table: &Table, rows: &[Vec<Value>], progress: &TableProgress) -> Result<()> {
        let tx = self.client.transaction().await?;
        for chunk in rows.chunks(rows_per_statement(table)) {
            insert_rows(&tx, table, chunk).await?;
        }
        progress::save(&tx, table, progress).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts blobs (`id`, `refcount`, content) with their content in chunks, and records `progress`, in one
    /// transaction.
    pub async fn commit_blobs(
        &mut self,
        table: &Table,
        blobs: &[(BlobId, u64, Vec<u8>)],
        progress: &TableProgress,
    ) -> Result<()> {
        let tx = self.client.transaction().await?;
        for (id, refcount, bytes) in blobs {
            content::insert(&tx, *id, bytes, *refcount).await?;
        }
        progress::save(&tx, table, progress).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the sequence of `table`'s ids so that the next one is above `highest`.
    pub async fn advance_sequence(&mut self, table: &Table, highest: i64) -> Result<()> {
        // `setval(…, 1, false)`: the first id will be 1, for a table that never had a row.
        let (value, called) = if highest > 0 { (highest, true) } else { (1, false) };
        self.client
            .execute("SELECT setval(pg_get_serial_sequence($1, 'id'), $2, $3)", &[&table.name, &value, &called])
            .await?;
        Ok(())
    }

    /// Records that the copy is complete and verified, with every copied message listed for the full-text index,
    /// which is not copied (PostgreSQL's is another kind): the server's background indexer builds it, and
    /// searches read the messages it has not reached yet.
    pub async fn finish(&mut self) -> Result<()> {
        let tx = self.client.transaction().await?;
        tx.execute("INSERT INTO blob_text_pending (blob) SELECT id FROM blob_summaries ON CONFLICT DO NOTHING", &[])
            .await?;
        progress::finish(&tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every row of `table`, summarised; read as a stream, never all at once.
    pub async fn digest(&mut self, table: &'static Table) -> Result<Digest> {
        let tx = self.client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true);
        let tx = tx.start().await?;
        let sql = format!("SELECT {} FROM {}", table.column_list(), table.name);
        let none: [&(dyn ToSql + Sync); 0] = [];
        let mut rows = pin!(tx.query_raw(sql.as_str(), none).await?);
        let mut digest = Digest::default();
        while let Some(row) = rows.try_next().await? {
            let values = table
                .columns
                .iter()
                .enumerate()
                .map(|(at, column)| Value::from_postgres(&row, at, column.kind))
                .collect::<Result<Vec<_>>>()?;
            digest.add(&values);
        }
        tx.commit().await?;
        Ok(digest)
    }

    /// A blob's content read back from its chunks; `None` if the target has no such blob.
    pub async fn content(&mut self, id: BlobId) -> Result<Option<Vec<u8>>> {
        let tx = self.client.transaction().await?;
        let found = match content::read(&tx, id).await {
            Ok(bytes) => Some(bytes),
            Err(StoreError::BlobMissing(_)) => None,
            Err(error) => return Err(error),
        };
        tx.commit().await?;
        Ok(found)
    }
}

/// Rows of `table` that fit one statement's parameters.
fn rows_per_statement(table: &Table) -> usize {
    (MAX_PARAMETERS / table.columns.len()).max(1)
}

/// One multi-row `INSERT` of `rows`, values as they are: ids included.
async fn insert_rows(tx: &Tx<'_>, table: &Table, rows: &[Vec<Value>]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = table.columns.len();
    let tuples: Vec<String> = (0..rows.len())
        .map(|row| {
            let placeholders: Vec<String> = (1..=width).map(|column| format!("${}", row * width + column)).collect();
            format!("({})", placeholders.join(", "))
        })
        .collect();
    let sql = format!("INSERT INTO {} ({}) VALUES {}", table.name, table.column_list(), tuples.join(", "));
    let params: Vec<&(dyn ToSql + Sync)> = rows.iter().flatten().map(Value::as_postgres).collect();
    postgres::sql::exec(tx, &sql, &params).await?;
    Ok(())
}
