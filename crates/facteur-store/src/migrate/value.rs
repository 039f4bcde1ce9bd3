//! One column's value on its way from SQLite to PostgreSQL, typed by the table's description rather than by
//! what SQLite happens to hold (SQLite's 0 and 1 are PostgreSQL's booleans), and its canonical bytes: the key
//! of the last row a batch copied is kept in them, and verification hashes rows in them, so a value read back
//! from either database encodes the same exactly when it is the same value.

use rusqlite::types::{ToSqlOutput, Value as SqliteValue};
use tokio_postgres::types::ToSql;

use crate::error::{Result, StoreError};

/// A column's type, the same on both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `INTEGER` / `bigint`.
    Int,
    /// `INTEGER` / `integer` (flags, NOTIFY bits).
    Int32,
    /// `INTEGER` 0 or 1 / `boolean`.
    Bool,
    /// `TEXT` / `text`.
    Text,
    /// `BLOB` / `bytea`.
    Bytes,
}

/// A column's value; `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Int(Option<i64>),
    Int32(Option<i32>),
    Bool(Option<bool>),
    Text(Option<String>),
    Bytes(Option<Vec<u8>>),
}

impl Value {
    /// Column `at` of a SQLite row, read as `kind`.
    pub fn from_sqlite(row: &rusqlite::Row<'_>, at: usize, kind: Kind) -> rusqlite::Result<Value> {
        Ok(match kind {
            Kind::Int => Value::Int(row.get(at)?),
            Kind::Int32 => Value::Int32(row.get(at)?),
            Kind::Bool => Value::Bool(row.get(at)?),
            Kind::Text => Value::Text(row.get(at)?),
            Kind::Bytes => Value::Bytes(row.get(at)?),
        })
    }

    /// Column `at` of a PostgreSQL row, read as `kind`.
    pub fn from_postgres(row: &tokio_postgres::Row, at: usize, kind: Kind) -> Result<Value> {
        Ok(match kind {
            Kind::Int => Value::Int(row.try_get(at)?),
            Kind::Int32 => Value::Int32(row.try_get(at)?),
            Kind::Bool => Value::Bool(row.try_get(at)?),
            Kind::Text => Value::Text(row.try_get(at)?),
            Kind::Bytes => Value::Bytes(row.try_get(at)?),
        })
    }

    /// The value as a PostgreSQL query parameter.
    pub fn as_postgres(&self) -> &(dyn ToSql + Sync) {
        match self {
            Value::Int(value) => value,
            Value::Int32(value) => value,
            Value::Bool(value) => value,
            Value::Text(value) => value,
            Value::Bytes(value) => value,
        }
    }

    fn kind(&self) -> Kind {
        match self {
            Value::Int(_) => Kind::Int,
            Value::Int32(_) => Kind::Int32,
            Value::Bool(_) => Kind::Bool,
            Value::Text(_) => Kind::Text,
            Value::Bytes(_) => Kind::Bytes,
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Value::Int(value) => value.is_none(),
            Value::Int32(value) => value.is_none(),
            Value::Bool(value) => value.is_none(),
            Value::Text(value) => value.is_none(),
            Value::Bytes(value) => value.is_none(),
        }
    }

    /// Appends the canonical bytes: a tag (the kind, and whether NULL), then the value, lengths first.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(tag(self.kind(), self.is_null()));
        match self {
            Value::Int(Some(n)) => out.extend_from_slice(&n.to_be_bytes()),
            Value::Int32(Some(n)) => out.extend_from_slice(&n.to_be_bytes()),
            Value::Bool(Some(b)) => out.push(u8::from(*b)),
            Value::Text(Some(text)) => encode_bytes(text.as_bytes(), out),
            Value::Bytes(Some(bytes)) => encode_bytes(bytes, out),
            _ => {}
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let value = match self {
            Value::Int(Some(n)) => SqliteValue::Integer(*n),
            Value::Int32(Some(n)) => SqliteValue::Integer(i64::from(*n)),
            Value::Bool(Some(b)) => SqliteValue::Integer(i64::from(*b)),
            Value::Text(Some(text)) => SqliteValue::Text(text.clone()),
            Value::Bytes(Some(bytes)) => SqliteValue::Blob(bytes.clone()),
            _ => SqliteValue::Null,
        };
        Ok(ToSqlOutput::Owned(value))
    }
}

const NULL: u8 = 0x80;

fn tag(kind: Kind, null: bool) -> u8 {
    let kind = match kind {
        Kind::Int => 1,
        Kind::Int32 => 2,
        Kind::Bool => 3,
        Kind::Text => 4,
        Kind::Bytes => 5,
    };
    if null { kind | NULL } else { kind }
}

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The canonical bytes of several values: a row, or a row's key.
pub(crate) fn encode_all(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for value in values {
        value.encode(&mut out);
    }
    out
}

/// The values [`encode_all`] made of a key whose columns are of `kinds`.
pub(crate) fn decode_all(bytes: &[u8], kinds: &[Kind]) -> Result<Vec<Value>> {
    let mut reader = Reader { bytes, at: 0 };
    let values = kinds.iter().map(|&kind| reader.value(kind)).collect::<Result<Vec<_>>>()?;
    if reader.at != bytes.len() {
        return Err(corrupt());
    }
    Ok(values)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, len: usize) -> Result<&[u8]> {
        let end = self.at.checked_add(len).filter(|&end| end <= self.bytes.len()).ok_or_else(corrupt)?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.take(N)?.try_into().map_err(|_| corrupt())
    }

    fn length_prefixed(&mut self) -> Result<Vec<u8>> {
        let len = usize::try_from(u64::from_be_bytes(self.array()?)).map_err(|_| corrupt())?;
        Ok(self.take(len)?.to_vec())
    }

    fn value(&mut self, kind: Kind) -> Result<Value> {
        let [found] = self.array()?;
        let null = found == tag(kind, true);
        if !null && found != tag(kind, false) {
            return Err(corrupt());
        }
        Ok(match kind {
            Kind::Int => Value::Int(if null { None } else { Some(i64::from_be_bytes(self.array()?)) }),
            Kind::Int32 => Value::Int32(if null { None } else { Some(i32::from_be_bytes(self.array()?)) }),
            Kind::Bool => Value::Bool(if null { None } else { Some(self.array::<1>()?[0] != 0) }),
            Kind::Text => Value::Text(if null {
                None
            } else {
                Some(String::from_utf8(self.length_prefixed()?).map_err(|_| corrupt())?)
            }),
            Kind::Bytes => Value::Bytes(if null { None } else { Some(self.length_prefixed()?) }),
        })
    }
}

fn corrupt() -> StoreError {
    StoreError::Corrupt("migration_progress holds a key this program did not write".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_as_written() {
        let key = vec![
            Value::Int(Some(-3)),
            Value::Text(Some("Sent Items".into())),
            Value::Bytes(None),
            Value::Bool(Some(true)),
            Value::Int32(Some(7)),
        ];
        let kinds = [Kind::Int, Kind::Text, Kind::Bytes, Kind::Bool, Kind::Int32];
        assert_eq!(decode_all(&encode_all(&key), &kinds).unwrap(), key);
    }

    #[test]
    fn a_key_of_other_kinds_or_cut_short_is_refused() {
        let bytes = encode_all(&[Value::Int(Some(1)), Value::Text(Some("a".into()))]);
        assert!(decode_all(&bytes, &[Kind::Int, Kind::Bytes]).is_err());
        assert!(decode_all(&bytes[..bytes.len() - 1], &[Kind::Int, Kind::Text]).is_err());
        assert!(decode_all(&bytes, &[Kind::Int]).is_err(), "bytes left over");
    }

    #[test]
    fn neighbouring_values_cannot_run_into_each_other() {
        // Lengths first: ("ab", "c") and ("a", "bc") are different rows, so their bytes must differ.
        let one = encode_all(&[Value::Text(Some("ab".into())), Value::Text(Some("c".into()))]);
        let other = encode_all(&[Value::Text(Some("a".into())), Value::Text(Some("bc".into()))]);
        assert_ne!(one, other);
        assert_ne!(encode_all(&[Value::Int(None)]), encode_all(&[Value::Int(Some(0))]));
    }
}
