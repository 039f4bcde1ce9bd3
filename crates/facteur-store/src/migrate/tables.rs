//! What is copied, in which order: every table of the SQLite store that holds state, described once. The copy,
//! the target's emptiness check, the resume and the verification all read this list, so one more table (the
//! DKIM keys, once they move into the database) is one more entry here.
//!
//! Not copied: `blob_content` (inline message content: it becomes `blob_chunks`, with the blob files, in the
//! `blobs` step), the columns SQLite keeps unused since its own migrations (`blobs.summary`,
//! `mailboxes.subscribed`), `queue.leased_until`, which PostgreSQL alone has (0: no node holds the entry), and
//! SQLite's full-text index (`blob_text*`): PostgreSQL keeps another kind, built anew from the copied messages
//! (`Target::finish` lists them all for its indexer).

use super::value::Kind;

/// A table, the same name and columns on both sides.
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    /// The columns copied, the primary key's first.
    pub columns: &'static [Column],
    /// How many of the first columns make the primary key: rows are copied in its order, and the last copied
    /// row's key is where a resumed copy starts again.
    pub key: usize,
    /// How its rows are copied.
    pub transfer: Transfer,
    /// Its first column is an id drawn from a sequence (`bigserial`), to be advanced past the copied ids.
    pub sequence: bool,
}

#[derive(Debug)]
pub(crate) struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

/// How a table's rows go over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transfer {
    /// Row for row.
    Rows,
    /// Blob rows with their content: from `blob_content` or the blob file into `blob_chunks`.
    Blobs,
}

impl Table {
    pub fn key_kinds(&self) -> Vec<Kind> {
        self.columns[..self.key].iter().map(|column| column.kind).collect()
    }

    pub fn column_list(&self) -> String {
        self.columns.iter().map(|column| column.name).collect::<Vec<_>>().join(", ")
    }

    pub fn key_list(&self) -> String {
        self.columns[..self.key].iter().map(|column| column.name).collect::<Vec<_>>().join(", ")
    }
}

const fn column(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

const fn table(name: &'static str, columns: &'static [Column], key: usize) -> Table {
    Table { name, columns, key, transfer: Transfer::Rows, sequence: false }
}

const fn with_sequence(table: Table) -> Table {
    Table { sequence: true, ..table }
}

use Kind::{Bool, Bytes, Int, Int32, Text};

/// Every table, parents before the tables whose foreign keys point at them.
pub(crate) const TABLES: &[Table] = &[
    table("domains", &[column("name", Text)], 1),
    with_sequence(table(
        "accounts",
        &[
            column("id", Int),
            column("address", Text),
            column("domain", Text),
            column("password_hash", Text),
            column("scram_sha256", Text),
            column("quota_bytes", Int),
            column("used_bytes", Int),
            column("last_uidvalidity", Int),
            column("highestmodseq", Int),
            column("admin", Bool),
        ],
        1,
    )),
    table("aliases", &[column("alias", Text), column("domain", Text)], 1),
    table("alias_targets", &[column("alias", Text), column("target", Text)], 2),
    with_sequence(table(
        "mailboxes",
        &[
            column("id", Int),
            column("account", Int),
            column("name", Text),
            column("special_use", Text),
            column("uidvalidity", Int),
            column("uidnext", Int),
            column("highestmodseq", Int),
            column("created_modseq", Int),
            column("meta_modseq", Int),
        ],
        1,
    )),
    table("subscriptions", &[column("account", Int), column("name", Text)], 2),
    Table {
        transfer: Transfer::Blobs,
        ..table("blobs", &[column("id", Bytes), column("size", Int), column("refcount", Int)], 1)
    },
    table("blob_summaries", &[column("id", Bytes), column("summary", Bytes)], 1),
    table(
        "messages",
        &[
            column("mailbox", Int),
            column("uid", Int),
            column("blob", Bytes),
            column("size", Int),
            column("internal_date", Int),
            column("flags", Int32),
            column("keywords", Text),
            column("modseq", Int),
            column("email_id", Int),
            column("thread_id", Int),
        ],
        2,
    ),
    table("tombstones", &[column("mailbox", Int), column("uid", Int), column("modseq", Int)], 2),
    table(
        "destroyed_emails",
        &[column("account", Int), column("modseq", Int), column("email_id", Int), column("thread_id", Int)],
        3,
    ),
    table("destroyed_mailboxes", &[column("account", Int), column("modseq", Int), column("id", Int)], 3),
    table("thread_refs", &[column("account", Int), column("message_id", Text), column("thread_id", Int)], 2),
    table(
        "vacations",
        &[
            column("account", Int),
            column("enabled", Bool),
            column("from_date", Int),
            column("to_date", Int),
            column("subject", Text),
            column("text_body", Text),
            column("html_body", Text),
        ],
        1,
    ),
    table(
        "sieve_scripts",
        &[column("account", Int), column("name", Text), column("content", Text), column("active", Bool)],
        2,
    ),
    table("sieve_tracking", &[column("account", Int), column("key", Text), column("until", Int)], 2),
    table("spam_trained", &[column("account", Int), column("digest", Text), column("class", Text)], 2),
    table("spam_tokens", &[column("account", Int), column("token", Int), column("spam", Int), column("ham", Int)], 2),
    table("correspondents", &[column("account", Int), column("address", Text), column("last_written", Int)], 2),
    table(
        "greylist",
        &[column("key", Text), column("first_seen", Int), column("passed_until", Int), column("expires", Int)],
        1,
    ),
    with_sequence(table(
        "identities",
        &[
            column("id", Int),
            column("account", Int),
            column("name", Text),
            column("email", Text),
            column("reply_to", Text),
            column("bcc", Text),
            column("text_signature", Text),
            column("html_signature", Text),
        ],
        1,
    )),
    with_sequence(table(
        "queue",
        &[
            column("id", Int),
            column("blob", Bytes),
            column("return_path", Text),
            column("envid", Text),
            column("ret", Text),
            column("created_at", Int),
            column("expires_at", Int),
            column("require_tls", Bool),
            column("account", Int),
        ],
        1,
    )),
    table(
        "queue_recipients",
        &[
            column("queue", Int),
            column("address", Text),
            column("orcpt", Text),
            column("notify", Int32),
            column("status", Text),
            column("attempts", Int),
            column("next_attempt", Int),
            column("last_reply", Text),
        ],
        2,
    ),
    with_sequence(table(
        "account_sends",
        &[column("id", Int), column("account", Int), column("at", Int), column("recipients", Int)],
        1,
    )),
    with_sequence(table(
        "account_outcomes",
        &[column("id", Int), column("account", Int), column("at", Int), column("bounced", Bool)],
        1,
    )),
    table(
        "account_holds",
        &[column("account", Int), column("reason", Text), column("since", Int), column("released", Int)],
        1,
    ),
    table(
        "mta_sts_policies",
        &[column("domain", Text), column("id", Text), column("policy", Text), column("expires_at", Int)],
        1,
    ),
    table(
        "tls_report_counts",
        &[
            column("domain", Text),
            column("day", Int),
            column("policy_type", Text),
            column("policy", Text),
            column("mx_host", Text),
            column("result", Text),
            column("count", Int),
        ],
        6,
    ),
    with_sequence(table(
        "delivery_history",
        &[
            column("id", Int),
            column("at", Int),
            column("direction", Text),
            column("fate", Text),
            column("queue_id", Int),
            column("sender", Text),
            column("recipient", Text),
            column("recipient_domain", Text),
            column("account", Text),
            column("remote_host", Text),
            column("remote_ip", Text),
            column("reply", Text),
            column("tls", Text),
            column("tls_verified", Bool),
            column("delay_secs", Int),
        ],
        1,
    )),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_a_key_within_its_columns_and_a_name_of_its_own() {
        let mut names: Vec<&str> = TABLES.iter().map(|table| table.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLES.len());
        for table in TABLES {
            assert!((1..=table.columns.len()).contains(&table.key), "{}", table.name);
            assert!(!table.sequence || table.columns[0].name == "id", "{}", table.name);
        }
    }

    /// A table or column added to the SQLite schema must be copied (or said here why not).
    #[test]
    fn every_sqlite_table_and_column_is_copied() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::sqlite::schema::open_writer(&dir.path().join("facteur.db")).unwrap();
        crate::sqlite::schema::migrate(&mut conn).unwrap();
        let list = |sql: &str| -> Vec<String> {
            let mut statement = conn.prepare(sql).unwrap();
            statement.query_map([], |row| row.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
        };
        let mut found = list("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
        found.retain(|name| {
            !["blob_content", "sqlite_sequence"].contains(&name.as_str()) && !name.starts_with("blob_text")
        });
        let mut copied: Vec<String> = TABLES.iter().map(|table| table.name.to_owned()).collect();
        copied.sort_unstable();
        assert_eq!(found, copied);
        let unused = [("blobs", "summary"), ("mailboxes", "subscribed")];
        for table in TABLES {
            let mut columns = list(&format!("SELECT name FROM pragma_table_info('{}') ORDER BY name", table.name));
            columns.retain(|column| !unused.contains(&(table.name, column.as_str())));
            let mut planned: Vec<String> = table.columns.iter().map(|column| column.name.to_owned()).collect();
            planned.sort_unstable();
            assert_eq!(columns, planned, "{}", table.name);
        }
    }
}
