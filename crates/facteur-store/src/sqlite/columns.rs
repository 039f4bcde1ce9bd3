//! How our types map to SQLite columns. SQLite integers are i64: unsigned values are converted here, checked.

use rusqlite::Row;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::blob::BlobId;
use crate::error::{Result, StoreError};
use crate::flags::SystemFlags;
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, QueueId, ThreadId, Uid, UidValidity};
use crate::mailbox::Mailbox;
use crate::message::MessageMeta;

/// A `u64` for a column; values above `i64::MAX` cannot occur in sizes or MODSEQs we produce.
pub(crate) fn to_i64(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{value} does not fit a database integer")))
}

/// A stored integer that must not be negative.
pub(crate) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

macro_rules! id_column {
    ($type:ident) => {
        impl ToSql for $type {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }
        impl FromSql for $type {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(value).map($type)
            }
        }
    };
}

id_column!(AccountId);
id_column!(MailboxId);
id_column!(QueueId);
id_column!(EmailId);
id_column!(ThreadId);

impl ToSql for BlobId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(&self.0[..]))
    }
}

impl FromSql for BlobId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        <[u8; 32]>::column_result(value).map(BlobId)
    }
}

impl ToSql for Uid {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.get()))
    }
}

impl FromSql for Uid {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let number = u32::column_result(value)?;
        Uid::new(number).ok_or(FromSqlError::OutOfRange(0))
    }
}

impl FromSql for ModSeq {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(|n| ModSeq(to_u64(n)))
    }
}

impl ToSql for ModSeq {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        i64::try_from(self.0).map(ToSqlOutput::from).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
    }
}

pub(crate) use crate::flags::{keywords_from_text, keywords_to_text};

/// The columns [`message_from_row`] reads, in order.
pub(crate) const MESSAGE_COLUMNS: &str = "uid, flags, keywords, modseq, internal_date, size, blob, email_id, thread_id";

pub(crate) fn message_from_row(row: &Row<'_>) -> rusqlite::Result<MessageMeta> {
    message_from_row_offset(row, 0)
}

/// [`message_from_row`] for a query whose [`MESSAGE_COLUMNS`] start at column `at`.
pub(crate) fn message_from_row_offset(row: &Row<'_>, at: usize) -> rusqlite::Result<MessageMeta> {
    Ok(MessageMeta {
        uid: row.get(at)?,
        flags: SystemFlags::from_bits(row.get(at + 1)?),
        keywords: keywords_from_text(&row.get::<_, String>(at + 2)?),
        modseq: row.get(at + 3)?,
        internal_date: row.get(at + 4)?,
        size: to_u64(row.get(at + 5)?),
        blob: row.get(at + 6)?,
        email: row.get(at + 7)?,
        thread: row.get(at + 8)?,
    })
}

/// The columns [`mailbox_from_row`] reads, in order, for a query `FROM mailboxes m`.
pub(crate) const MAILBOX_COLUMNS: &str = "m.id, m.name, m.special_use, m.uidvalidity, m.uidnext, m.highestmodseq, \
     EXISTS (SELECT 1 FROM subscriptions s WHERE s.account = m.account AND s.name = m.name), \
     (SELECT count(*) FROM messages WHERE mailbox = m.id), \
     (SELECT count(*) FROM messages WHERE mailbox = m.id AND flags & 1 = 0), \
     (SELECT coalesce(sum(size), 0) FROM messages WHERE mailbox = m.id)";

pub(crate) fn mailbox_from_row(row: &Row<'_>) -> rusqlite::Result<Mailbox> {
    let special_use: Option<String> = row.get(2)?;
    Ok(Mailbox {
        id: row.get(0)?,
        name: row.get(1)?,
        special_use: special_use.and_then(|role| role.parse().ok()),
        uidvalidity: UidValidity(row.get(3)?),
        uidnext: row.get(4)?,
        highestmodseq: row.get(5)?,
        subscribed: row.get(6)?,
        exists: row.get(7)?,
        unseen: row.get(8)?,
        size: to_u64(row.get(9)?),
    })
}
