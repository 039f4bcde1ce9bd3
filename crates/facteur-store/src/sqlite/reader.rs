//! A small pool of read-only connections. In WAL mode readers see the last commit and never block the writer.
//!
//! Two ways to run a query. Most are point lookups or bounded by a small result and take microseconds: they
//! run on the calling thread ([`ReadPool::read`]), because handing them to a blocking thread and back cost
//! more than the query itself (two thread wake-ups; a fifth of an IMAP session's CPU). Queries whose cost grows
//! with the data, a whole mailbox or account, run on a blocking thread ([`ReadPool::read_heavy`]) so they never
//! stall the other sessions of a runtime worker.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use crate::error::{Result, StoreError};
use crate::sqlite::schema;

/// Reads running at once, hence open connections and blocking threads. Without a bound, a burst of 2,000 IMAP
/// sessions opened one SQLite connection and one blocking thread per concurrent read and kept the memory
/// (≈1.2 GB); queries are short, so waiting for a permit costs less than that.
const MAX_CONCURRENT: usize = 32;

/// Idle connections kept for reuse: as many as may run, since opening a connection (and losing its statement
/// cache) costs far more than a query.
const MAX_IDLE: usize = MAX_CONCURRENT;

#[derive(Clone)]
pub(crate) struct ReadPool {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl ReadPool {
    pub fn new(path: PathBuf) -> ReadPool {
        ReadPool {
            inner: Arc::new(Inner { path, idle: Mutex::new(Vec::new()), permits: Semaphore::new(MAX_CONCURRENT) }),
        }
    }

    /// Runs a quick `query` on a pooled connection, on the calling thread, in one read transaction so it sees a
    /// single snapshot.
    pub async fn read<T, F>(&self, query: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T>,
    {
        let _permit = self.inner.permits.acquire().await.map_err(|_| StoreError::Closed)?;
        self.run(query)
    }

    /// Runs a `query` whose cost grows with the data like [`ReadPool::read`], but on a blocking thread.
    pub async fn read_heavy<T, F>(&self, query: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.inner.permits.acquire().await.map_err(|_| StoreError::Closed)?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || pool.run(query)).await.map_err(|_| StoreError::Closed)?
    }

    fn run<T>(&self, query: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.take()?;
        let result = Self::in_snapshot(&conn, query);
        self.give_back(conn);
        result
    }

    fn in_snapshot<T>(conn: &Connection, query: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let tx = conn.unchecked_transaction()?;
        let result = query(&tx);
        tx.finish()?;
        result
    }

    fn take(&self) -> Result<Connection> {
        let pooled = self.lock().pop();
        pooled.map_or_else(|| schema::open_reader(&self.inner.path), Ok)
    }

    fn give_back(&self, conn: Connection) {
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.inner.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
