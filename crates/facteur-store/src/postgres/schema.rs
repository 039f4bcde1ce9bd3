//! The PostgreSQL schema and its migrations.
//!
//! `facteur_schema.version` records how many steps of [`MIGRATIONS`] have been applied. Steps are only ever
//! appended: an applied step is never edited. Every node runs [`migrate`] when it opens the store; an
//! advisory lock makes nodes starting together apply each step once, and a node older than the schema refuses
//! to run (`SchemaTooNew`) rather than write rows it does not understand.
//!
//! The tables are SQLite's at its version 9, with PostgreSQL types: every integer `bigint`, identifiers from
//! sequences (never reused, like SQLite's AUTOINCREMENT), names and addresses in the "C" collation (byte
//! order, as SQLite sorts them, whatever the database's locale), message content in `blob_chunks`, and the
//! queue's `leased_until`; then (step 2) what only nodes sharing a database need: leases, login failures,
//! shared files and http-01 answers.

use super::sql::{Tx, exec, value};
use crate::error::{Result, StoreError};

/// Schema steps, in order. Step `n` (1-based) brings the version from `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE domains (
        name text COLLATE "C" PRIMARY KEY
    );

    CREATE TABLE accounts (
        id               bigserial PRIMARY KEY,
        address          text COLLATE "C" NOT NULL UNIQUE,
        domain           text COLLATE "C" NOT NULL REFERENCES domains(name),
        password_hash    text NOT NULL,
        scram_sha256     text,
        quota_bytes      bigint,
        used_bytes       bigint NOT NULL DEFAULT 0,
        -- The last UIDVALIDITY handed out, so the next one is strictly greater (RFC 9051 §2.3.1.1).
        last_uidvalidity bigint NOT NULL DEFAULT 0,
        -- The account's change counter: every MODSEQ, email and thread id is drawn from it. Its row lock is
        -- what serialises the writes of one account across nodes.
        highestmodseq    bigint NOT NULL DEFAULT 1
    );
    CREATE INDEX accounts_domain ON accounts(domain);

    CREATE TABLE aliases (
        alias  text COLLATE "C" PRIMARY KEY,
        domain text COLLATE "C" NOT NULL REFERENCES domains(name)
    );
    CREATE INDEX aliases_domain ON aliases(domain);

    CREATE TABLE alias_targets (
        alias  text COLLATE "C" NOT NULL REFERENCES aliases(alias) ON DELETE CASCADE,
        target text COLLATE "C" NOT NULL,
        PRIMARY KEY (alias, target)
    );
    CREATE INDEX alias_targets_target ON alias_targets(target);

    CREATE TABLE mailboxes (
        id             bigserial PRIMARY KEY,
        account        bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name           text COLLATE "C" NOT NULL,
        special_use    text,
        uidvalidity    bigint NOT NULL,
        uidnext        bigint NOT NULL DEFAULT 1,
        highestmodseq  bigint NOT NULL DEFAULT 1,
        created_modseq bigint NOT NULL DEFAULT 0,
        meta_modseq    bigint NOT NULL DEFAULT 0,
        UNIQUE (account, name)
    );
    -- RFC 6154: one mailbox per role per account.
    CREATE UNIQUE INDEX mailboxes_role ON mailboxes(account, special_use) WHERE special_use IS NOT NULL;

    CREATE TABLE subscriptions (
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name    text COLLATE "C" NOT NULL,
        PRIMARY KEY (account, name)
    );

    -- Content-addressed message content, reference-counted; the content itself in chunks (a bytea value is
    -- read whole, and a FETCH of headers should not read a 30 MB attachment).
    CREATE TABLE blobs (
        id       bytea PRIMARY KEY,
        size     bigint NOT NULL,
        refcount bigint NOT NULL
    );
    CREATE TABLE blob_chunks (
        id    bytea NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
        seq   integer NOT NULL,
        data  bytea NOT NULL,
        PRIMARY KEY (id, seq)
    );
    CREATE TABLE blob_summaries (
        id      bytea PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
        summary bytea NOT NULL
    );

    CREATE TABLE messages (
        mailbox       bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid           bigint NOT NULL,
        blob          bytea NOT NULL REFERENCES blobs(id),
        size          bigint NOT NULL,
        internal_date bigint NOT NULL,
        flags         integer NOT NULL,
        keywords      text NOT NULL,
        modseq        bigint NOT NULL,
        email_id      bigint NOT NULL,
        thread_id     bigint NOT NULL,
        PRIMARY KEY (mailbox, uid)
    );
    CREATE INDEX messages_modseq ON messages(mailbox, modseq);
    CREATE INDEX messages_blob ON messages(blob);
    CREATE INDEX messages_email ON messages(email_id);
    CREATE INDEX messages_thread ON messages(thread_id);
    CREATE INDEX messages_date ON messages(mailbox, internal_date DESC, email_id DESC) INCLUDE (thread_id);

    -- Expunged UIDs and when, for QRESYNC VANISHED (RFC 7162 §3.2.10).
    CREATE TABLE tombstones (
        mailbox bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
        uid     bigint NOT NULL,
        modseq  bigint NOT NULL,
        PRIMARY KEY (mailbox, uid)
    );
    CREATE INDEX tombstones_modseq ON tombstones(mailbox, modseq);

    -- What JMAP's /changes reports after the rows are gone.
    CREATE TABLE destroyed_emails (
        account   bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        email_id  bigint NOT NULL,
        thread_id bigint NOT NULL,
        modseq    bigint NOT NULL,
        PRIMARY KEY (account, modseq, email_id)
    );
    CREATE TABLE destroyed_mailboxes (
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        id      bigint NOT NULL,
        modseq  bigint NOT NULL,
        PRIMARY KEY (account, modseq, id)
    );
    CREATE TABLE thread_refs (
        account    bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        message_id text NOT NULL,
        thread_id  bigint NOT NULL,
        PRIMARY KEY (account, message_id)
    );

    CREATE TABLE vacations (
        account   bigint PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        enabled   boolean NOT NULL,
        from_date bigint,
        to_date   bigint,
        subject   text,
        text_body text,
        html_body text
    );
    CREATE TABLE vacation_replies (
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        sender  text NOT NULL,
        sent_at bigint NOT NULL,
        PRIMARY KEY (account, sender)
    );

    CREATE TABLE identities (
        id             bigserial PRIMARY KEY,
        account        bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name           text NOT NULL,
        email          text NOT NULL,
        reply_to       text,
        bcc            text,
        text_signature text NOT NULL,
        html_signature text NOT NULL
    );
    CREATE INDEX identities_account ON identities(account);

    CREATE TABLE queue (
        id           bigserial PRIMARY KEY,
        blob         bytea NOT NULL REFERENCES blobs(id),
        return_path  text NOT NULL,
        envid        text,
        ret          text,
        created_at   bigint NOT NULL,
        expires_at   bigint NOT NULL,
        -- Unix seconds until which one node's delivery engine holds the entry (`Store::claim_queue`).
        leased_until bigint NOT NULL DEFAULT 0,
        -- REQUIRETLS (RFC 8689): how the message may leave.
        require_tls  boolean NOT NULL DEFAULT false
    );
    CREATE INDEX queue_blob ON queue(blob);

    CREATE TABLE queue_recipients (
        queue        bigint NOT NULL REFERENCES queue(id) ON DELETE CASCADE,
        address      text COLLATE "C" NOT NULL,
        orcpt        text,
        notify       integer NOT NULL,
        status       text NOT NULL,
        attempts     bigint NOT NULL DEFAULT 0,
        next_attempt bigint NOT NULL,
        last_reply   text,
        PRIMARY KEY (queue, address)
    );
    CREATE INDEX queue_recipients_due ON queue_recipients(status, next_attempt);

    -- Outbound TLS policy: MTA-STS policies as last fetched, by recipient domain (RFC 8461 §5.1), and the
    -- TLS sessions of each day until the day's TLS-RPT report is sent (RFC 8460 §4.4).
    CREATE TABLE mta_sts_policies (
        domain     text COLLATE "C" PRIMARY KEY,
        id         text NOT NULL,
        policy     text NOT NULL,
        expires_at bigint NOT NULL
    );
    CREATE TABLE tls_report_counts (
        domain      text COLLATE "C" NOT NULL,
        day         bigint NOT NULL,
        policy_type text NOT NULL,
        policy      text NOT NULL,
        mx_host     text NOT NULL,
        result      text NOT NULL,
        count       bigint NOT NULL,
        PRIMARY KEY (domain, day, policy_type, policy, mx_host, result)
    );
    "#,
    // 2: `facteur store migrate` (a SQLite store copied here with its ids, see `crate::migrate`): which store
    // is being copied, and how far each table has got, so that an interrupted copy resumes where it stopped.
    // Each batch of rows is committed together with its progress row. Both stay empty in a database that was
    // not filled by a migration.
    r#"
    CREATE TABLE migration_source (
        -- One copy per database: the row is the claim.
        singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        -- Where the SQLite store was, for messages only.
        path        text NOT NULL,
        -- Row counts and counters of the SQLite store when the copy began: a store changed since does not
        -- resume (its rows already copied could be stale).
        fingerprint text NOT NULL,
        started_at  bigint NOT NULL,
        -- Set once every row is copied and verified.
        finished_at bigint
    );
    CREATE TABLE migration_progress (
        -- A table being copied.
        step     text PRIMARY KEY,
        -- The key of the last row copied, encoded (`migrate::value`), in the order rows are copied.
        last_key bytea,
        rows     bigint NOT NULL DEFAULT 0,
        done     boolean NOT NULL DEFAULT false
    );
    "#,
    // 3: the delivery history (history.rs): one row per recipient event, kept [log] history_days.
    r#"
    CREATE TABLE delivery_history (
        id               bigserial PRIMARY KEY,
        at               bigint NOT NULL,
        direction        text NOT NULL,
        fate             text NOT NULL,
        queue_id         bigint,
        sender           text NOT NULL,
        recipient        text COLLATE "C" NOT NULL,
        recipient_domain text COLLATE "C" NOT NULL,
        account          text NOT NULL,
        remote_host      text NOT NULL,
        remote_ip        text NOT NULL,
        reply            text NOT NULL,
        tls              text NOT NULL,
        tls_verified     boolean NOT NULL,
        delay_secs       bigint NOT NULL
    );
    CREATE INDEX delivery_history_at ON delivery_history(at);
    CREATE INDEX delivery_history_queue ON delivery_history(queue_id) WHERE queue_id IS NOT NULL;
    CREATE INDEX delivery_history_recipient ON delivery_history(recipient, at);
    CREATE INDEX delivery_history_domain ON delivery_history(recipient_domain, at);
    "#,
    // 4: what the nodes share besides the mail (`crate::lease`, `crate::shared`).
    r#"
    -- Named leases: the POP3 maildrop lock, one ACME order at a time. A holder's row outlives a crashed node
    -- only until `until`; the next taker overwrites it.
    CREATE TABLE leases (
        name   text COLLATE "C" PRIMARY KEY,
        holder text NOT NULL,
        until  bigint NOT NULL
    );

    -- Failed logins by opaque key (a client network, a digest of an account name): the login throttle of
    -- every node. Pruned by age and count.
    CREATE TABLE login_failures (
        key          text COLLATE "C" PRIMARY KEY,
        failures     bigint NOT NULL,
        last_failure bigint NOT NULL
    );
    CREATE INDEX login_failures_last ON login_failures(last_failure);

    -- Files every node mirrors into its data directory (DKIM keys, the ACME account, key and certificate).
    -- `version` comes from one sequence, so a node that remembers versions sees any change.
    CREATE SEQUENCE shared_file_versions;
    CREATE TABLE shared_files (
        directory  text COLLATE "C" NOT NULL,
        name       text COLLATE "C" NOT NULL,
        content    bytea NOT NULL,
        version    bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (directory, name)
    );

    -- ACME http-01 answers (RFC 8555 §8.3), for whichever node the CA's request reaches.
    CREATE TABLE acme_http01 (
        token             text COLLATE "C" PRIMARY KEY,
        key_authorization text NOT NULL,
        until             bigint NOT NULL
    );
    "#,
    // 5: accounts marked admin use the admin page (issue 16).
    r#"
    ALTER TABLE accounts ADD COLUMN admin boolean NOT NULL DEFAULT false;
    "#,
    // 6: Sieve scripts (issue 17, `crate::sieve`): named per account, at most one active.
    r#"
    CREATE TABLE sieve_scripts (
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name    text COLLATE "C" NOT NULL,
        content text NOT NULL,
        active  boolean NOT NULL DEFAULT false,
        PRIMARY KEY (account, name)
    );
    CREATE UNIQUE INDEX sieve_scripts_active ON sieve_scripts(account) WHERE active;
    "#,
    // 7: what Sieve remembers between deliveries (duplicate ids, vacation replies), each until a time.
    r#"
    CREATE TABLE sieve_tracking (
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        key     text COLLATE "C" NOT NULL,
        until   bigint NOT NULL,
        PRIMARY KEY (account, key)
    );
    "#,
    // 8: out-of-office replies are Sieve's (`sieve_tracking`): step 1's record of whom a reply went to is read
    // by nothing. Its settings (`vacations`) stay until `facteur-filters` has moved them into scripts.
    "DROP TABLE vacation_replies;",
    // 9: each account's spam defence (issue 18): what its user called spam or not (by message digest), the
    // hashed tokens its classifier learnt from them, and the addresses the user writes to.
    r#"
    CREATE TABLE spam_trained (
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        digest  text COLLATE "C" NOT NULL,
        class   text NOT NULL CHECK (class IN ('spam', 'ham')),
        PRIMARY KEY (account, digest)
    );
    CREATE TABLE spam_tokens (
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        token   bigint NOT NULL,
        spam    bigint NOT NULL DEFAULT 0,
        ham     bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (account, token)
    );
    CREATE TABLE correspondents (
        account      bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        address      text COLLATE "C" NOT NULL,
        last_written bigint NOT NULL,
        PRIMARY KEY (account, address)
    );
    "#,
    // 10: greylisting's triplets (RFC 6647), each kept until `expires`.
    r#"
    CREATE TABLE greylist (
        key          text COLLATE "C" PRIMARY KEY,
        first_seen   bigint NOT NULL,
        passed_until bigint,
        expires      bigint NOT NULL
    );
    CREATE INDEX greylist_expires ON greylist(expires);
    "#,
    // 11: outbound abuse (issue 18, `crate::sending`), as SQLite's step 19: the submitting account of a queued
    // message, each account's sends, the final outcomes of its last remote deliveries, and held accounts.
    r#"
    ALTER TABLE queue ADD COLUMN account bigint;
    CREATE TABLE account_sends (
        id         bigserial PRIMARY KEY,
        account    bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        at         bigint NOT NULL,
        recipients bigint NOT NULL
    );
    CREATE INDEX account_sends_account ON account_sends(account, at);
    CREATE TABLE account_outcomes (
        id      bigserial PRIMARY KEY,
        account bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        at      bigint NOT NULL,
        bounced boolean NOT NULL
    );
    CREATE INDEX account_outcomes_account ON account_outcomes(account, id);
    CREATE TABLE account_holds (
        account  bigint PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        reason   text NOT NULL,
        since    bigint NOT NULL,
        released bigint
    );
    "#,
    // 12: the full-text index (postgres/text_index.rs), as SQLite's step 20 with pg_trgm: each blob's folded text
    // under a trigram GIN index, and the blobs the background indexer has still to read (every message stored
    // before this step). pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner may
    // create it.
    r#"
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE TABLE blob_texts (
        blob     bytea PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE,
        folded   text NOT NULL,
        complete boolean NOT NULL
    );
    CREATE INDEX blob_texts_trigrams ON blob_texts USING gin (folded gin_trgm_ops);
    CREATE INDEX blob_texts_incomplete ON blob_texts (blob) WHERE NOT complete;
    CREATE TABLE blob_text_pending (
        blob bytea PRIMARY KEY REFERENCES blobs(id) ON DELETE CASCADE
    );
    INSERT INTO blob_text_pending (blob) SELECT id FROM blob_summaries;
    "#,
];

/// The schema version this program writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// The advisory lock nodes take while migrating ("facteur" in ASCII).
const MIGRATION_LOCK: i64 = 0x0066_6163_7465_7572;

/// Brings the schema up to date in the caller's transaction, refusing a database written by a newer program.
pub(crate) async fn migrate(tx: &Tx<'_>) -> Result<()> {
    exec(tx, "SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS facteur_schema (version bigint NOT NULL)").await?;
    let found: i64 = value(tx, "SELECT version FROM facteur_schema", &[]).await?.unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew { found, supported: SCHEMA_VERSION });
    }
    let applied = usize::try_from(found).map_err(|_| StoreError::Corrupt(format!("schema version {found}")))?;
    for (index, step) in MIGRATIONS.iter().enumerate().skip(applied) {
        tx.batch_execute(step).await?;
        tracing::info!(version = index + 1, "applied store schema migration (postgres)");
    }
    exec(tx, "DELETE FROM facteur_schema", &[]).await?;
    exec(tx, "INSERT INTO facteur_schema (version) VALUES ($1)", &[&SCHEMA_VERSION]).await?;
    Ok(())
}
