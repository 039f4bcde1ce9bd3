//! The SQLite store being copied: locked against every other user, read in batches in primary-key order.
//!
//! rusqlite is blocking, so each read runs on a blocking thread with the one connection. Statements are put
//! together from the table and column names of `tables.rs`, constants of this program, never from input.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, params_from_iter};

use crate::blob::{BlobId, BlobStore};
use crate::error::{Result, StoreError};
use crate::sqlite::{DATABASE_FILE, DirLock, content, schema};

use super::MigrateError;
use super::tables::{TABLES, Table};
use super::value::Value;
use super::verify::Digest;

/// A SQLite store opened to be copied. Until it is dropped, no server or command can open it
/// ([`DirLock::exclusive`]): keep it until the configuration names the new store.
#[derive(Debug)]
pub struct Source {
    dir: PathBuf,
    conn: Arc<Mutex<Connection>>,
    blobs: BlobStore,
    _lock: DirLock,
}

impl Source {
    /// Locks the store in `dir` (refused while a server or a command has it open) and opens it, bringing its
    /// schema up to date as any opening does.
    pub async fn open(dir: &Path) -> Result<Source, MigrateError> {
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || Self::open_blocking(dir)).await.map_err(|_| StoreError::Closed)?
    }

    fn open_blocking(dir: PathBuf) -> Result<Source, MigrateError> {
        let path = dir.join(DATABASE_FILE);
        if !path.is_file() {
            return Err(MigrateError::NoSource(dir));
        }
        let lock = DirLock::exclusive(&dir)?;
        let mut conn = schema::open_writer(&path)?;
        schema::migrate(&mut conn)?;
        let blobs = BlobStore::open(&dir)?;
        let dir = std::fs::canonicalize(&dir).map_err(StoreError::io("resolve", &dir))?;
        Ok(Source { dir, conn: Arc::new(Mutex::new(conn)), blobs, _lock: lock })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `read` on a blocking thread with the connection and the blob files.
    async fn blocking<T, F>(&self, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &BlobStore) -> Result<T> + Send + 'static,
    {
        let (conn, blobs) = (Arc::clone(&self.conn), self.blobs.clone());
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().map_err(|_| StoreError::Corrupt("the SQLite connection was poisoned".into()))?;
            read(&conn, &blobs)
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    /// At most `limit` rows of `table` after the key `after` (from the first without one), in key order.
    pub(crate) async fn rows_after(
        &self,
        table: &'static Table,
        after: Option<Vec<Value>>,
        limit: usize,
    ) -> Result<Vec<Vec<Value>>> {
        let keys = table.key_list();
        let placeholders = vec!["?"; table.key].join(", ");
        let filter = if after.is_some() { format!("WHERE ({keys}) > ({placeholders})") } else { String::new() };
        let sql = format!("SELECT {} FROM {} {filter} ORDER BY {keys} LIMIT {limit}", table.column_list(), table.name);
        self.blocking(move |conn, _| {
            let mut statement = conn.prepare_cached(&sql)?;
            let rows =
                statement.query_map(params_from_iter(after.unwrap_or_default()), |row| row_values(table, row))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
        .await
    }

    /// The whole content of a blob: its inline row, or its file.
    pub(crate) async fn content(&self, id: BlobId) -> Result<Vec<u8>> {
        self.blocking(move |conn, blobs| match content::read_inline(conn, id)? {
            Some(inline) => Ok(inline),
            None => blobs.read(id),
        })
        .await
    }

    /// Every row of `table`, summarised.
    pub(crate) async fn digest(&self, table: &'static Table) -> Result<Digest> {
        let sql = format!("SELECT {} FROM {}", table.column_list(), table.name);
        self.blocking(move |conn, _| {
            let mut digest = Digest::default();
            let mut statement = conn.prepare(&sql)?;
            let mut rows = statement.query([])?;
            while let Some(row) = rows.next()? {
                digest.add(&row_values(table, row)?);
            }
            Ok(digest)
        })
        .await
    }

    /// The highest id a `bigserial` table has handed out: SQLite's AUTOINCREMENT counter, which remembers
    /// ids of deleted rows too (never reused, and PostgreSQL must not reuse them either).
    pub(crate) async fn highest_id(&self, table: &'static Table) -> Result<i64> {
        let sql = format!(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0), \
                        coalesce((SELECT max(id) FROM {}), 0))",
            table.name
        );
        self.blocking(move |conn, _| Ok(conn.query_row(&sql, [table.name], |row| row.get(0))?)).await
    }

    /// What the store holds, in a few numbers: every table's row count and the counters that move with every
    /// change (accounts' MODSEQs, delivery attempts, blob references). A copy that began from other numbers
    /// is not resumed.
    pub(crate) async fn fingerprint(&self) -> Result<String> {
        self.blocking(|conn, _| {
            let mut fingerprint = String::new();
            for table in TABLES {
                let count: i64 =
                    conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |row| row.get(0))?;
                let _ = write!(fingerprint, "{}={count} ", table.name);
            }
            let counters: (i64, i64, i64) = conn.query_row(
                "SELECT (SELECT coalesce(sum(highestmodseq), 0) FROM accounts), \
                        (SELECT coalesce(sum(attempts), 0) FROM queue_recipients), \
                        (SELECT coalesce(sum(refcount), 0) FROM blobs)",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )?;
            let _ = write!(fingerprint, "modseqs={} attempts={} references={}", counters.0, counters.1, counters.2);
            Ok(fingerprint)
        })
        .await
    }
}

fn row_values(table: &Table, row: &rusqlite::Row<'_>) -> rusqlite::Result<Vec<Value>> {
    table.columns.iter().enumerate().map(|(at, column)| Value::from_sqlite(row, at, column.kind)).collect()
}
