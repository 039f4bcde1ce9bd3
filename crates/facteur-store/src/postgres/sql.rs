//! The few ways this backend talks SQL: statements prepared once per connection, rows read into our types,
//! and PostgreSQL's errors turned into [`StoreError`]s.

use std::future::Future;
use std::pin::Pin;

use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use crate::error::{Result, StoreError};

/// A transaction of a pooled connection (it caches prepared statements per connection).
pub(crate) type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// What a store operation returns: a future borrowing its transaction.
pub(crate) type Work<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Query parameters.
pub(crate) type Params<'p> = [&'p (dyn ToSql + Sync)];

pub(crate) async fn rows(tx: &Tx<'_>, sql: &str, params: &Params<'_>) -> Result<Vec<Row>> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.query(&statement, params).await?)
}

pub(crate) async fn row(tx: &Tx<'_>, sql: &str, params: &Params<'_>) -> Result<Option<Row>> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.query_opt(&statement, params).await?)
}

/// Runs a statement and returns how many rows it changed.
pub(crate) async fn exec(tx: &Tx<'_>, sql: &str, params: &Params<'_>) -> Result<u64> {
    let statement = tx.prepare_cached(sql).await?;
    Ok(tx.execute(&statement, params).await?)
}

/// The first column of the one row a query returns, `None` without a row.
pub(crate) async fn value<T>(tx: &Tx<'_>, sql: &str, params: &Params<'_>) -> Result<Option<T>>
where
    T: for<'r> tokio_postgres::types::FromSql<'r>,
{
    match row(tx, sql, params).await? {
        Some(found) => Ok(Some(found.try_get(0)?)),
        None => Ok(None),
    }
}

/// A stored integer that must not be negative.
pub(crate) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// A `u64` for a `bigint` column; values above `i64::MAX` cannot occur in sizes or MODSEQs we produce.
pub(crate) fn to_i64(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} does not fit a database integer")))
}

/// Whether running the whole operation again may succeed: another transaction won a race (a serialization
/// failure, a deadlock, or an insert of the same key, which the retry then sees as already there).
pub(crate) fn is_transient(error: &StoreError) -> bool {
    let StoreError::DatabaseServer { code: Some(code), .. } = error else { return false };
    [SqlState::T_R_SERIALIZATION_FAILURE, SqlState::T_R_DEADLOCK_DETECTED, SqlState::UNIQUE_VIOLATION]
        .iter()
        .any(|transient| transient.code() == code)
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> StoreError {
        match error.as_db_error() {
            // The server is shutting down or refuses connections: another server (or this one, later) will do.
            Some(db) if db.code().code().starts_with("57") || db.code().code().starts_with("08") => {
                StoreError::Unavailable(db.to_string())
            }
            Some(db) => StoreError::DatabaseServer { code: Some(db.code().code().to_owned()), message: db.to_string() },
            // No answer from the server at all: the connection is gone, or was never made.
            None if error.is_closed()
                || std::error::Error::source(&error).is_some_and(|s| s.is::<std::io::Error>()) =>
            {
                StoreError::Unavailable(with_causes(&error))
            }
            None => StoreError::DatabaseServer { code: None, message: with_causes(&error) },
        }
    }
}

/// The error and what caused it: the driver's own text ("error performing TLS handshake") does not say why
/// (an unknown CA, a name mismatch), which is what the operator needs to read.
fn with_causes(error: &tokio_postgres::Error) -> String {
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text = format!("{text}: {inner_text}");
        }
        cause = inner.source();
    }
    text
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(error: deadpool_postgres::PoolError) -> StoreError {
        match error {
            deadpool_postgres::PoolError::Backend(error) => error.into(),
            deadpool_postgres::PoolError::Closed => StoreError::Closed,
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}
