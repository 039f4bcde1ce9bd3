//! Every statement the store runs is prepared once per connection and then reused.
//!
//! `Connection::execute` and `query_row` parse their SQL on each call; on the delivery path that parsing was
//! a visible share of the CPU time per message. The same calls through rusqlite's statement cache cost a hash
//! lookup instead. The SQL strings are few and fixed (formatted ones only vary by a column list chosen from
//! constants), so the cache stays small: [`STATEMENT_CACHE_CAPACITY`] holds all of them.

use rusqlite::{Connection, Params, Row};

/// Room for every distinct statement of the store, so none is evicted and re-parsed.
pub(crate) const STATEMENT_CACHE_CAPACITY: usize = 128;

/// `execute` and `query_row` through the connection's statement cache.
pub(crate) trait CachedStatements {
    /// Like [`Connection::execute`], with the statement prepared once.
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;

    /// Like [`Connection::query_row`], with the statement prepared once.
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;
}

impl CachedStatements for Connection {
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
