//! A small pool of read-only connections, used from `spawn_blocking` so queries never stall the runtime.
//! In WAL mode readers see the last commit and never block the writer.

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

    /// Runs `query` on a pooled connection, in one read transaction so it sees a single snapshot.
    pub async fn read<T, F>(&self, query: F) -> Result<T>
    where
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self.inner.permits.acquire().await.map_err(|_| StoreError::Closed)?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.take()?;
            let result = Self::in_snapshot(&conn, query);
            pool.give_back(conn);
            result
        })
        .await
        .map_err(|_| StoreError::Closed)?
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
