//! One table's copy: batches of rows in key order, each committed in the target with its progress, starting
//! after the last batch an earlier run committed.

use crate::blob::BlobId;
use crate::error::StoreError;

use super::source::Source;
use super::tables::{Table, Transfer};
use super::target::Target;
use super::value::Value;
use super::{Limits, MigrateError};

/// Counts committed batches, and stops the run after as many as a test asked for (as a kill would).
#[derive(Debug)]
pub(crate) struct Batches {
    committed: u64,
    stop_after: Option<u64>,
}

impl Batches {
    pub fn new(stop_after: Option<u64>) -> Batches {
        Batches { committed: 0, stop_after }
    }

    fn committed(&mut self) -> Result<(), MigrateError> {
        self.committed += 1;
        match self.stop_after {
            Some(limit) if self.committed >= limit => Err(MigrateError::Interrupted(self.committed)),
            _ => Ok(()),
        }
    }
}

/// Copies what is left of `table` and returns how many rows it has in the target.
pub(crate) async fn table(
    source: &Source,
    target: &mut Target,
    table: &'static Table,
    limits: &Limits,
    batches: &mut Batches,
) -> Result<u64, MigrateError> {
    let in_table = |source: StoreError| MigrateError::Copy { table: table.name, source };
    let mut progress = target.progress(table).await.map_err(in_table)?;
    while !progress.done {
        match table.transfer {
            Transfer::Rows => {
                let rows = source.rows_after(table, progress.last_key.clone(), limits.rows).await.map_err(in_table)?;
                progress.advance(table, &rows, rows.len() < limits.rows);
                target.commit_rows(table, &rows, &progress).await.map_err(in_table)?;
            }
            Transfer::Blobs => {
                let listed =
                    source.rows_after(table, progress.last_key.clone(), limits.rows).await.map_err(in_table)?;
                let taken = within_bytes(&listed, limits.blob_bytes);
                let blobs = read_blobs(source, &listed[..taken]).await?;
                progress.advance(table, &listed[..taken], taken == listed.len() && listed.len() < limits.rows);
                target.commit_blobs(table, &blobs, &progress).await.map_err(in_table)?;
            }
        }
        batches.committed()?;
    }
    Ok(progress.rows)
}

/// A blob row of the plan: `id`, `size`, `refcount`.
struct BlobRow {
    id: BlobId,
    size: u64,
    refcount: u64,
}

impl BlobRow {
    fn of(row: &[Value]) -> Result<BlobRow, MigrateError> {
        let corrupt =
            || MigrateError::Copy { table: "blobs", source: StoreError::Corrupt(format!("blob row {row:?}")) };
        let [Value::Bytes(Some(id)), Value::Int(Some(size)), Value::Int(Some(refcount))] = row else {
            return Err(corrupt());
        };
        let id = <[u8; 32]>::try_from(id.as_slice()).map(BlobId).map_err(|_| corrupt())?;
        let size = u64::try_from(*size).map_err(|_| corrupt())?;
        Ok(BlobRow { id, size, refcount: u64::try_from(*refcount).map_err(|_| corrupt())? })
    }
}

/// How many of the first `rows` (blob rows) make a batch of at most `budget` bytes of content: at least one,
/// whatever its size.
fn within_bytes(rows: &[Vec<Value>], budget: u64) -> usize {
    let mut total = 0u64;
    let fitting = rows
        .iter()
        .take_while(|row| {
            let size = match row.get(1) {
                Some(Value::Int(Some(size))) => u64::try_from(*size).unwrap_or(0),
                _ => 0,
            };
            total = total.saturating_add(size);
            total <= budget
        })
        .count();
    fitting.max(rows.len().min(1))
}

/// The content of each blob row, checked against its row: the bytes SQLite gives must be those the blob is
/// named after (its SHA-256), of the size recorded. A damaged source stops the copy rather than being copied.
async fn read_blobs(source: &Source, rows: &[Vec<Value>]) -> Result<Vec<(BlobId, u64, Vec<u8>)>, MigrateError> {
    let mut blobs = Vec::with_capacity(rows.len());
    for row in rows {
        let blob = BlobRow::of(row)?;
        let content = source.content(blob.id).await.map_err(|source| MigrateError::Copy { table: "blobs", source })?;
        if BlobId::of(&content) != blob.id || content.len() as u64 != blob.size {
            return Err(MigrateError::DamagedContent(blob.id));
        }
        blobs.push((blob.id, blob.refcount, content));
    }
    Ok(blobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob_row(size: i64) -> Vec<Value> {
        vec![Value::Bytes(Some(vec![0; 32])), Value::Int(Some(size)), Value::Int(Some(1))]
    }

    #[test]
    fn a_blob_batch_stops_at_its_byte_budget_but_always_takes_one() {
        let rows = [blob_row(400), blob_row(500), blob_row(300)];
        assert_eq!(within_bytes(&rows, 1_000), 2);
        assert_eq!(within_bytes(&rows, 100), 1, "a blob larger than the budget goes alone");
        assert_eq!(within_bytes(&rows, 10_000), 3);
        assert_eq!(within_bytes(&[], 10), 0);
    }

    #[test]
    fn the_run_stops_after_the_batches_asked_for() {
        let mut batches = Batches::new(Some(2));
        assert!(batches.committed().is_ok());
        assert!(matches!(batches.committed(), Err(MigrateError::Interrupted(2))));
        let mut unlimited = Batches::new(None);
        assert!((0..100).all(|_| unlimited.committed().is_ok()));
    }
}
