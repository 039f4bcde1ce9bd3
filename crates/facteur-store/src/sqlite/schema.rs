//! Connection settings and schema migrations.
//!
//! `PRAGMA user_version` records how many steps of [`MIGRATIONS`] have been applied. Steps are only ever
//! appended: an applied step is never edited, so every database reaches the same schema by the same path.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::cached::STATEMENT_CACHE_CAPACITY;
use crate::error::{Result, StoreError};

/// Schema steps, in order. Step `n` (1-based) brings `user_version` from `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE domains (
        name TEXT PRIMARY KEY
    ) WITHOUT ROWID;

    -- AUTOINCREMENT: ids are never reused, so a stale id held by a session cannot name a newer row.
    CREATE TABLE accounts (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        address          TEXT NOT NULL UNIQUE,
        domain           TEXT NOT NULL REFERENCES domains(name),
        password_hash    TEXT NOT NULL,
        quota_bytes      INTEGER,
        used_bytes       INTEGER NOT NULL DEFAULT 0,
        -- The last UIDVALIDITY handed out, so the next one is strictly greater (RFC 9051 §2.3.1.1).
        last_uidvalidity INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX accounts_domain ON accounts(domain);

    CREATE TABLE aliases (
        alias  TEXT PRIMARY KEY,
        domain TEXT NOT NULL REFERENCES domains(name)
    ) WITHOUT ROWID;
    CREATE INDEX aliases_domain ON aliases(domain);

    CREATE TABLE alias_targets (
        alias  TEXT NOT NULL REFERENCES aliases(alias) ON DELETE CASCADE,
        target TEXT NOT NULL,
        PRIMARY KEY (alias, target)
    ) WITHOUT ROWID;
    CREATE INDEX alias_targets_target ON alias_targets(target);

    CREATE TABLE mailboxes (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        account       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name          TEXT NOT NULL,
        special_use   TEXT,
        uidvalidity   INTEGER NOT NULL,
        uidnext       INTEGER NOT NULL DEFAULT 1,
        highestmodseq INTEGER NOT NULL DEFAULT 1,
        subscribed    INTEGER NOT NULL DEFAULT 1,
        UNIQUE (account, name)
    );
    -- RFC 6154: one mailbox per role per account.
    CREATE UNIQUE INDEX mailboxes_role ON mailboxes(account, special_use) WHERE special_use IS NOT NULL;

    -- The summary belongs to the blob: it derives from the immutable content. NULL for queue-only blobs.
    CREATE TABLE blobs (
        id       BLOB PRIMARY KEY,
        size     INTEGER NOT NULL,
        refcount INTEGER NOT NULL,
        summary  BLOB
    ) WITHOUT ROWID;

    CREATE TABLE messages (
        mailbox       INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid           INTEGER NOT NULL,
        blob          BLOB NOT NULL REFERENCES blobs(id),
        size          INTEGER NOT NULL,
        internal_date INTEGER NOT NULL,
        flags         INTEGER NOT NULL,
        keywords      TEXT NOT NULL,
        modseq        INTEGER NOT NULL,
        PRIMARY KEY (mailbox, uid)
    ) WITHOUT ROWID;
    CREATE INDEX messages_modseq ON messages(mailbox, modseq);
    CREATE INDEX messages_blob ON messages(blob);

    -- Expunged UIDs and when, for QRESYNC VANISHED (RFC 7162 §3.2.10).
    CREATE TABLE tombstones (
        mailbox INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid     INTEGER NOT NULL,
        modseq  INTEGER NOT NULL,
        PRIMARY KEY (mailbox, uid)
    ) WITHOUT ROWID;

    CREATE TABLE queue (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        blob        BLOB NOT NULL REFERENCES blobs(id),
        return_path TEXT NOT NULL,
        envid       TEXT,
        ret         TEXT,
        created_at  INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
    );
    CREATE INDEX queue_blob ON queue(blob);

    CREATE TABLE queue_recipients (
        queue        INTEGER NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
        address      TEXT NOT NULL,
        orcpt        TEXT,
        notify       INTEGER NOT NULL,
        status       TEXT NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        next_attempt INTEGER NOT NULL,
        last_reply   TEXT,
        PRIMARY KEY (queue, address)
    ) WITHOUT ROWID;
    CREATE INDEX queue_recipients_due ON queue_recipients(status, next_attempt);
    "#,
    // 2: small messages inside the database, written in the same group-committed transaction as the rows that
    // reference them (a blob file costs fsyncs that group commit cannot share). A blob with a row here is
    // inline; without one, its content is a file. A rowid table, not WITHOUT ROWID: SQLite advises rowid
    // tables for rows this large. The content goes with the `blobs` row when its last reference does.
    r#"
    CREATE TABLE blob_content (
        id      BLOB PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
        content BLOB NOT NULL
    );
    "#,
    // 3: summaries out of `blobs`. A WITHOUT ROWID table keeps whole rows in its B-tree, and a row with a
    // summary (a kilobyte or more) overflowed: every key lookup (refcount updates, the foreign-key checks of
    // each new message) read its overflow pages. `blobs.summary` stays, always NULL from now on (dropping a
    // column that foreign keys point past would mean rebuilding the table).
    r#"
    CREATE TABLE blob_summaries (
        id      BLOB PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
        summary BLOB NOT NULL
    );
    INSERT INTO blob_summaries (id, summary) SELECT id, summary FROM blobs WHERE summary IS NOT NULL;
    UPDATE blobs SET summary = NULL WHERE summary IS NOT NULL;
    "#,
    // 4: subscriptions are names, not mailboxes. RFC 9051 §6.3.7: a subscription outlives the mailbox it names
    // (a DELETE leaves it, and LIST (SUBSCRIBED) shows it \NonExistent), and a name may be subscribed before it
    // exists. `mailboxes.subscribed` stays, unused from now on.
    r#"
    CREATE TABLE subscriptions (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name    TEXT NOT NULL,
        PRIMARY KEY (account, name)
    ) WITHOUT ROWID;
    INSERT INTO subscriptions (account, name) SELECT account, name FROM mailboxes WHERE subscribed = 1;
    "#,
    // 5: "what changed since MODSEQ n" (every IMAP catch-up) reads tombstones by modseq, like messages.
    r#"
    CREATE INDEX tombstones_modseq ON tombstones(mailbox, modseq);
    "#,
    // 6: JMAP (RFC 8620, 8621) over the same rows as IMAP.
    // - One change counter per account: every MODSEQ is drawn from it (each mailbox's still only grows, as
    //   RFC 7162 asks), so the account's counter is a state string for the whole account.
    // - `email_id`: a message's id for JMAP, kept by a move; `thread_id`: its conversation. Messages stored
    //   before this version get ids of their own, each in a thread of its own.
    // - What `/changes` must report after the rows are gone: destroyed messages (not those moved: a move
    //   keeps the id) and destroyed mailboxes; when a mailbox was created or last renamed or (un)subscribed.
    // - `thread_refs`: which thread a message identifier belongs to, per account.
    // - `messages_date`: JMAP lists a mailbox newest first, from the index alone.
    r#"
    ALTER TABLE accounts ADD COLUMN highestmodseq INTEGER NOT NULL DEFAULT 1;
    UPDATE accounts SET highestmodseq =
        coalesce((SELECT max(highestmodseq) FROM mailboxes WHERE account = accounts.id), 1);
    ALTER TABLE messages ADD COLUMN email_id INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0;
    UPDATE messages SET email_id = numbered.base + numbered.n, thread_id = numbered.base + numbered.n
    FROM (
        SELECT m.mailbox, m.uid, a.highestmodseq AS base,
               row_number() OVER (PARTITION BY a.id ORDER BY m.mailbox, m.uid) AS n
        FROM messages m JOIN mailboxes b ON b.id = m.mailbox JOIN accounts a ON a.id = b.account
    ) AS numbered
    WHERE messages.mailbox = numbered.mailbox AND messages.uid = numbered.uid;
    UPDATE accounts SET highestmodseq = highestmodseq +
        (SELECT count(*) FROM messages m JOIN mailboxes b ON b.id = m.mailbox WHERE b.account = accounts.id);
    CREATE INDEX messages_email ON messages(email_id);
    CREATE INDEX messages_thread ON messages(thread_id);
    CREATE INDEX messages_date ON messages(mailbox, internal_date, email_id, thread_id);

    ALTER TABLE mailboxes ADD COLUMN created_modseq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE mailboxes ADD COLUMN meta_modseq INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE destroyed_emails (
        account  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        email_id INTEGER NOT NULL,
        thread_id INTEGER NOT NULL,
        modseq   INTEGER NOT NULL,
        PRIMARY KEY (account, modseq, email_id)
    ) WITHOUT ROWID;
    CREATE TABLE destroyed_mailboxes (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        id      INTEGER NOT NULL,
        modseq  INTEGER NOT NULL,
        PRIMARY KEY (account, modseq, id)
    ) WITHOUT ROWID;
    CREATE TABLE thread_refs (
        account    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        thread_id  INTEGER NOT NULL,
        PRIMARY KEY (account, message_id)
    ) WITHOUT ROWID;
    "#,
    // 7: out-of-office replies (JMAP VacationResponse, RFC 8621 §8): the account's settings, and whom it
    // answered when, so a sender gets one reply per period (RFC 3834 §2).
    r#"
    CREATE TABLE vacations (
        account   INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        enabled   INTEGER NOT NULL,
        from_date INTEGER,
        to_date   INTEGER,
        subject   TEXT,
        text_body TEXT,
        html_body TEXT
    );
    CREATE TABLE vacation_replies (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        sender  TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (account, sender)
    ) WITHOUT ROWID;
    "#,
    // 8: sending identities (JMAP Identity, RFC 8621 §6): a name and signatures for an address the account may
    // send as. Reply-To and Bcc are kept as the JSON the client gave (the store does not read them).
    r#"
    CREATE TABLE identities (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        account        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name           TEXT NOT NULL,
        email          TEXT NOT NULL,
        reply_to       TEXT,
        bcc            TEXT,
        text_signature TEXT NOT NULL,
        html_signature TEXT NOT NULL
    );
    CREATE INDEX identities_account ON identities(account);
    "#,
    // 9: the SCRAM-SHA-256 verifier (RFC 5802 §3: salt, iteration count, StoredKey, ServerKey, in RFC 5803's
    // text form) beside the argon2 hash of the same password. NULL for accounts whose password was set before
    // this step: their verifier is written at their next password login.
    r#"
    ALTER TABLE accounts ADD COLUMN scram_sha256 TEXT;
    "#,
    // 10: outbound TLS policy (issue 14). MTA-STS policies as last fetched, kept by recipient domain until their
    // max_age runs out (RFC 8461 §5.1), as text: delivery reads them. And the TLS sessions of each day, counted
    // by policy domain, policy, MX and result, until the day's TLS-RPT report (RFC 8460 §4.4) is sent.
    r#"
    CREATE TABLE mta_sts_policies (
        domain     TEXT PRIMARY KEY,
        id         TEXT NOT NULL,
        policy     TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE TABLE tls_report_counts (
        domain      TEXT NOT NULL,
        day         INTEGER NOT NULL,
        policy_type TEXT NOT NULL,
        policy      TEXT NOT NULL,
        mx_host     TEXT NOT NULL,
        result      TEXT NOT NULL,
        count       INTEGER NOT NULL,
        PRIMARY KEY (domain, day, policy_type, policy, mx_host, result)
    ) WITHOUT ROWID;
    "#,
    // 11: REQUIRETLS (RFC 8689) is part of a queued message's envelope: it decides how it may leave.
    r#"
    ALTER TABLE queue ADD COLUMN require_tls INTEGER NOT NULL DEFAULT 0;
    "#,
    // 12: the delivery history (history.rs): one row per recipient event, kept [log] history_days.
    r#"
    CREATE TABLE delivery_history (
        id               INTEGER PRIMARY KEY,
        at               INTEGER NOT NULL,
        direction        TEXT NOT NULL,
        fate             TEXT NOT NULL,
        queue_id         INTEGER,
        sender           TEXT NOT NULL,
        recipient        TEXT NOT NULL,
        recipient_domain TEXT NOT NULL,
        account          TEXT NOT NULL,
        remote_host      TEXT NOT NULL,
        remote_ip        TEXT NOT NULL,
        reply            TEXT NOT NULL,
        tls              TEXT NOT NULL,
        tls_verified     INTEGER NOT NULL,
        delay_secs       INTEGER NOT NULL
    );
    CREATE INDEX delivery_history_at ON delivery_history(at);
    CREATE INDEX delivery_history_queue ON delivery_history(queue_id) WHERE queue_id IS NOT NULL;
    CREATE INDEX delivery_history_recipient ON delivery_history(recipient, at);
    CREATE INDEX delivery_history_domain ON delivery_history(recipient_domain, at);
    "#,
    // 13: accounts marked admin use the admin page (issue 16).
    r#"
    ALTER TABLE accounts ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
    "#,
    // 14: Sieve scripts (issue 17, `crate::sieve`): named per account, at most one active.
    r#"
    CREATE TABLE sieve_scripts (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name    TEXT NOT NULL,
        content TEXT NOT NULL,
        active  INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, name)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(account) WHERE active = 1;
    "#,
    // 15: what Sieve remembers between deliveries (duplicate ids, vacation replies), each until a time.
    r#"
    CREATE TABLE sieve_tracking (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        key     TEXT NOT NULL,
        until   INTEGER NOT NULL,
        PRIMARY KEY (account, key)
    ) WITHOUT ROWID;
    "#,
    // 16: out-of-office replies are Sieve's (`sieve_tracking`): step 7's record of whom a reply went to is
    // read by nothing. Its settings (`vacations`) stay until `facteur-filters` has moved them into scripts.
    "DROP TABLE vacation_replies;",
    // 17: each account's spam defence (issue 18): what its user called spam or not (by message digest), the
    // hashed tokens its classifier learnt from them, and the addresses the user writes to.
    r#"
    CREATE TABLE spam_trained (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        digest  TEXT NOT NULL,
        class   TEXT NOT NULL CHECK (class IN ('spam', 'ham')),
        PRIMARY KEY (account, digest)
    ) WITHOUT ROWID;
    CREATE TABLE spam_tokens (
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        token   INTEGER NOT NULL,
        spam    INTEGER NOT NULL DEFAULT 0,
        ham     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, token)
    ) WITHOUT ROWID;
    CREATE TABLE correspondents (
        account      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        address      TEXT NOT NULL,
        last_written INTEGER NOT NULL,
        PRIMARY KEY (account, address)
    ) WITHOUT ROWID;
    "#,
    // 18: greylisting's triplets (RFC 6647), each kept until `expires`.
    r#"
    CREATE TABLE greylist (
        key          TEXT PRIMARY KEY,
        first_seen   INTEGER NOT NULL,
        passed_until INTEGER,
        expires      INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX greylist_expires ON greylist(expires);
    "#,
    // 19: outbound abuse (issue 18, `crate::sending`). Which account submitted a queued message (NULL for our
    // reports and forwarded mail), so an account's mail can be held as one; what each account sent when (the
    // hourly rate limits, and its usual volume); the final outcomes of its last remote deliveries (its bounce
    // rate); and the accounts whose outgoing mail is held, with why, until the operator releases them.
    r#"
    ALTER TABLE queue ADD COLUMN account INTEGER;
    CREATE TABLE account_sends (
        id         INTEGER PRIMARY KEY,
        account    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        at         INTEGER NOT NULL,
        recipients INTEGER NOT NULL
    );
    CREATE INDEX account_sends_account ON account_sends(account, at);
    CREATE TABLE account_outcomes (
        id      INTEGER PRIMARY KEY,
        account INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        at      INTEGER NOT NULL,
        bounced INTEGER NOT NULL
    );
    CREATE INDEX account_outcomes_account ON account_outcomes(account, id);
    CREATE TABLE account_holds (
        account  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        reason   TEXT NOT NULL,
        since    INTEGER NOT NULL,
        released INTEGER
    );
    "#,
    // 20: the full-text index (sqlite/text_index.rs): a document number per indexed blob, whether its text was
    // cut, the FTS5 table of trigrams (contentless, no positions: it only narrows, the caller checks), and the
    // blobs the background indexer has still to read: every message stored before this step.
    r#"
    CREATE TABLE blob_text (
        doc      INTEGER PRIMARY KEY,
        blob     BLOB NOT NULL UNIQUE REFERENCES blobs(id) ON DELETE CASCADE,
        complete INTEGER NOT NULL
    );
    CREATE INDEX blob_text_incomplete ON blob_text(blob) WHERE complete = 0;
    CREATE VIRTUAL TABLE blob_text_index USING fts5(
        text, content = '', contentless_delete = 1, detail = none, tokenize = 'trigram case_sensitive 1'
    );
    CREATE TRIGGER blob_text_forget AFTER DELETE ON blob_text BEGIN
        DELETE FROM blob_text_index WHERE rowid = old.doc;
    END;
    CREATE TABLE blob_text_pending (
        blob BLOB PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    INSERT INTO blob_text_pending (blob) SELECT id FROM blob_summaries;
    "#,
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a connection waits for another writer (possibly another process) before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens the read-write connection: WAL so readers never block the writer, `synchronous=FULL` so a commit is
/// on disk when it returns.
pub(crate) fn open_writer(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    keep_plans(&conn)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

/// Opens a read-only connection for the read pool.
pub(crate) fn open_reader(path: &Path) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let conn = Connection::open_with_flags(path, flags)?;
    keep_plans(&conn)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Prepared statements are kept and reused as they are. By default SQLite re-prepares a statement whenever a
/// parameter its planner looked at is rebound: here, every range query on a `WITHOUT ROWID` primary-key prefix
/// (`messages WHERE mailbox = ?1 ...`), which made IMAP sessions spend a quarter of their CPU in the SQL
/// parser. Our queries have one good plan whatever the values, so the query planner stability guarantee
/// (QPSG) costs nothing and saves that work.
fn keep_plans(conn: &Connection) -> Result<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(())
}

/// Brings the schema up to date in one transaction, refusing a database written by a newer program.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    let applied = usize::try_from(found).map_err(|_| StoreError::Corrupt(format!("user_version {found}")))?;
    for (index, step) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.execute_batch(step)?;
        tracing::info!(version = index + 1, "applied store schema migration");
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap()
    }

    #[test]
    fn migrating_twice_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.db");
        migrate(&mut open_writer(&path).unwrap()).unwrap();
        let mut conn = open_writer(&path).unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), SCHEMA_VERSION);
        let tables: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema WHERE type = 'table'", [], |row| row.get(0)).unwrap();
        assert_eq!(tables, 38, "30 tables, sqlite_sequence, the text index's 2 and its FTS5 table with 4 shadows");
    }

    #[test]
    fn version_5_messages_get_ids_and_the_counter_moves_past_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.db");
        let mut conn = open_writer(&path).unwrap();
        for migration in &MIGRATIONS[..5] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 5).unwrap();
        conn.execute_batch(
            "INSERT INTO domains (name) VALUES ('a.test');
             INSERT INTO accounts (id, address, domain, password_hash) VALUES (1, 'u@a.test', 'a.test', 'x');
             INSERT INTO mailboxes (id, account, name, uidvalidity, highestmodseq) VALUES (1, 1, 'INBOX', 1, 7),
                 (2, 1, 'Sent', 2, 3);
             INSERT INTO blobs (id, size, refcount) VALUES (x'00', 1, 3);
             INSERT INTO messages (mailbox, uid, blob, size, internal_date, flags, keywords, modseq)
                 VALUES (1, 1, x'00', 1, 0, 0, '', 5), (1, 2, x'00', 1, 0, 0, '', 7), (2, 1, x'00', 1, 0, 0, '', 3);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let ids: Vec<(i64, i64)> = conn
            .prepare("SELECT email_id, thread_id FROM messages ORDER BY email_id")
            .unwrap()
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(ids, [(8, 8), (9, 9), (10, 10)], "ids above every MODSEQ, each its own thread");
        let counter: i64 = conn.query_row("SELECT highestmodseq FROM accounts", [], |row| row.get(0)).unwrap();
        assert_eq!(counter, 10, "the next MODSEQ or id is above every one handed out");
    }

    #[test]
    fn version_1_database_migrates_keeping_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.db");
        let mut conn = open_writer(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute("INSERT INTO blobs (id, size, refcount, summary) VALUES (x'00', 5, 1, x'abcd')", []).unwrap();
        conn.execute_batch(
            "INSERT INTO domains (name) VALUES ('a.test');
             INSERT INTO accounts (id, address, domain, password_hash) VALUES (1, 'u@a.test', 'a.test', 'x');
             INSERT INTO mailboxes (account, name, uidvalidity, subscribed) VALUES (1, 'Kept', 1, 1), (1, 'Not', 2, 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        // v4 turned the subscribed flags into subscribed names.
        let subscribed: String =
            conn.query_row("SELECT group_concat(name) FROM subscriptions", [], |row| row.get(0)).unwrap();
        assert_eq!(subscribed, "Kept");
        assert_eq!(version(&conn), SCHEMA_VERSION);
        conn.execute("INSERT INTO blob_content (id, content) VALUES (x'00', x'0102')", []).unwrap();
        let kept: i64 = conn.query_row("SELECT refcount FROM blobs WHERE id = x'00'", [], |row| row.get(0)).unwrap();
        assert_eq!(kept, 1);
        // v3 moved the summary to its own table.
        let summary: Vec<u8> =
            conn.query_row("SELECT summary FROM blob_summaries WHERE id = x'00'", [], |row| row.get(0)).unwrap();
        assert_eq!(summary, [0xab, 0xcd]);
        let stale: Option<Vec<u8>> =
            conn.query_row("SELECT summary FROM blobs WHERE id = x'00'", [], |row| row.get(0)).unwrap();
        assert_eq!(stale, None);
        // The content and the summary go with their blob row.
        conn.execute("DELETE FROM blobs WHERE id = x'00'", []).unwrap();
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM blob_content) + (SELECT count(*) FROM blob_summaries)",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(left, 0);
    }

    #[test]
    fn version_8_accounts_keep_their_hash_and_have_no_scram_verifier_yet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.db");
        let mut conn = open_writer(&path).unwrap();
        for migration in &MIGRATIONS[..8] {
            conn.execute_batch(migration).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        conn.execute_batch(
            "INSERT INTO domains (name) VALUES ('a.test');
             INSERT INTO accounts (id, address, domain, password_hash) VALUES (1, 'u@a.test', 'a.test', 'argon');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let (hash, verifier): (String, Option<String>) = conn
            .query_row("SELECT password_hash, scram_sha256 FROM accounts WHERE id = 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap();
        assert_eq!((hash.as_str(), verifier), ("argon", None));
    }

    #[test]
    fn newer_schema_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facteur.db");
        let mut conn = open_writer(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, StoreError::SchemaTooNew { found, .. } if found == SCHEMA_VERSION + 1));
        assert!(err.to_string().contains("newer"));
        assert_eq!(version(&conn), SCHEMA_VERSION + 1);
    }
}
