//! The proof the copy is faithful: every table's rows read back from both databases, and every message's
//! content hashed from both.
//!
//! A table's [`Digest`] is its row count and the sum of the SHA-256 of each row's canonical bytes
//! (`value.rs`): any changed value, missing or extra row changes it. A sum, not a hash of the rows in order,
//! because the two databases order text differently (PostgreSQL's collation for `thread_refs.message_id`,
//! SQLite's bytes) and a sum needs no order; a row missing on one side cannot be made up for by another short
//! of a SHA-256 collision.
//! Content is compared blob by blob: SHA-256 of the bytes SQLite holds (inline or the file), of the chunks
//! read back from PostgreSQL, and the blob's id (the SHA-256 the content was stored under). Every message row
//! names its blob and is itself in the `messages` digest, so equal blobs mean equal content for every message.

use ring::digest::{SHA256, digest};

use crate::blob::BlobId;
use crate::error::{Result, StoreError};

use super::source::Source;
use super::tables::{TABLES, Transfer};
use super::target::Target;
use super::value::{Value, encode_all};

/// Blob ids listed at once while comparing content.
const BLOBS_PER_LISTING: usize = 1_000;

/// Reads every table and every blob back from both sides and compares them.
pub(crate) async fn compare(source: &Source, target: &mut Target, resumed: bool) -> Result<Report> {
    let mut tables = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        tables.push(TableCheck::new(table.name, source.digest(table).await?, target.digest(table).await?));
    }
    Ok(Report { resumed, tables, content: compare_content(source, target).await? })
}

async fn compare_content(source: &Source, target: &mut Target) -> Result<ContentCheck> {
    let mut check = ContentCheck::default();
    let Some(blobs) = TABLES.iter().find(|table| table.transfer == Transfer::Blobs) else { return Ok(check) };
    let mut after = None;
    loop {
        let listed = source.rows_after(blobs, after.take(), BLOBS_PER_LISTING).await?;
        for row in &listed {
            let id = blob_id(row)?;
            let content = source.content(id).await?;
            check.compare(id, &content, target.content(id).await?.as_deref());
        }
        match listed.last() {
            Some(last) if listed.len() == BLOBS_PER_LISTING => after = Some(last[..blobs.key].to_vec()),
            _ => return Ok(check),
        }
    }
}

/// The id in a `blobs` row.
fn blob_id(row: &[Value]) -> Result<BlobId> {
    match row.first() {
        Some(Value::Bytes(Some(id))) => <[u8; 32]>::try_from(id.as_slice()).map(BlobId).ok(),
        _ => None,
    }
    .ok_or_else(|| StoreError::Corrupt(format!("a blob row without a valid id: {row:?}")))
}

/// A table's rows, summarised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Digest {
    rows: u64,
    sum: [u64; 4],
}

impl Digest {
    pub fn add(&mut self, row: &[Value]) {
        let hash = digest(&SHA256, &encode_all(row));
        for (lane, bytes) in self.sum.iter_mut().zip(hash.as_ref().chunks_exact(8)) {
            let mut word = [0; 8];
            word.copy_from_slice(bytes);
            *lane = lane.wrapping_add(u64::from_be_bytes(word));
        }
        self.rows += 1;
    }
}

/// One table, as found on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    pub table: &'static str,
    pub source_rows: u64,
    pub target_rows: u64,
    /// Every row identical (same count, same digest).
    pub identical: bool,
}

impl TableCheck {
    pub(crate) fn new(table: &'static str, source: Digest, target: Digest) -> TableCheck {
        TableCheck { table, source_rows: source.rows, target_rows: target.rows, identical: source == target }
    }
}

/// Message content, as found on both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentCheck {
    /// Blobs (distinct contents) hashed on both sides.
    pub blobs: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Blobs whose content differs between the sides (or from their id), a few of them.
    pub mismatched: Vec<BlobId>,
    /// How many differ in all.
    pub mismatched_count: u64,
}

/// Reported mismatching blobs at most: the count says how many there are.
const MISMATCHES_LISTED: usize = 10;

impl ContentCheck {
    /// Compares one blob's content from SQLite (`source`) and PostgreSQL (`target`, `None` if absent there).
    pub(crate) fn compare(&mut self, id: BlobId, source: &[u8], target: Option<&[u8]>) {
        self.blobs += 1;
        self.bytes += source.len() as u64;
        let source_hash = BlobId::of(source);
        let same = target.is_some_and(|target| BlobId::of(target) == source_hash) && source_hash == id;
        if !same {
            self.mismatched_count += 1;
            if self.mismatched.len() < MISMATCHES_LISTED {
                self.mismatched.push(id);
            }
        }
    }
}

/// What a migration found at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// This run continued an interrupted one.
    pub resumed: bool,
    /// Each table, in copy order.
    pub tables: Vec<TableCheck>,
    pub content: ContentCheck,
}

impl Report {
    /// Every table and every content identical on both sides.
    pub fn is_identical(&self) -> bool {
        self.tables.iter().all(|table| table.identical) && self.content.mismatched_count == 0
    }

    /// Rows copied in all.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|table| table.target_rows).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of(rows: &[Vec<Value>]) -> Digest {
        let mut digest = Digest::default();
        rows.iter().for_each(|row| digest.add(row));
        digest
    }

    fn message(uid: i64, flags: i32) -> Vec<Value> {
        vec![Value::Int(Some(1)), Value::Int(Some(uid)), Value::Int32(Some(flags)), Value::Text(Some("$x".into()))]
    }

    #[test]
    fn the_same_rows_in_another_order_are_identical() {
        let source = digest_of(&[message(1, 0), message(2, 1)]);
        let target = digest_of(&[message(2, 1), message(1, 0)]);
        assert!(TableCheck::new("messages", source, target).identical);
    }

    #[test]
    fn one_changed_value_is_a_mismatch_even_with_the_same_count() {
        let source = digest_of(&[message(1, 0), message(2, 1)]);
        let target = digest_of(&[message(1, 0), message(2, 3)]);
        let check = TableCheck::new("messages", source, target);
        assert_eq!((check.source_rows, check.target_rows), (2, 2));
        assert!(!check.identical);
    }

    #[test]
    fn a_missing_row_or_a_null_for_a_value_is_a_mismatch() {
        let source = digest_of(&[message(1, 0), message(2, 1)]);
        assert!(!TableCheck::new("messages", source, digest_of(&[message(1, 0)])).identical);
        let with_null = vec![Value::Int(Some(1)), Value::Int(Some(1)), Value::Int32(None), Value::Text(None)];
        assert!(!TableCheck::new("messages", digest_of(&[message(1, 0)]), digest_of(&[with_null])).identical);
    }

    #[test]
    fn content_differing_from_its_copy_or_its_id_or_missing_is_reported() {
        let content = b"Subject: hello\r\n\r\nbody\r\n";
        let id = BlobId::of(content);
        let mut check = ContentCheck::default();
        check.compare(id, content, Some(content));
        assert_eq!((check.blobs, check.mismatched_count), (1, 0));
        check.compare(id, content, Some(b"Subject: hellO\r\n\r\nbody\r\n"));
        check.compare(id, content, None);
        check.compare(BlobId::of(b"other"), content, Some(content));
        assert_eq!(check.mismatched_count, 3);
        let report = Report { resumed: false, tables: Vec::new(), content: check };
        assert!(!report.is_identical());
    }
}
