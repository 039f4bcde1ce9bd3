//! SQL for domains, accounts and aliases, and the recipient resolution built on them.

use rusqlite::{Connection, OptionalExtension, params};

use crate::account::{
    Account, Address, Alias, Identity, MAX_ALIAS_TARGETS, RecipientLookup, Resolution, Vacation, normalize_domain,
};
use crate::error::{Entity, Result, StoreError};
use crate::ids::AccountId;
use crate::mailbox::DEFAULT_MAILBOXES;
use crate::sqlite::cached::CachedStatements;
use crate::sqlite::columns::{to_i64, to_u64};
use crate::sqlite::writer::Effects;
use crate::sqlite::{blobrefs, mailboxes};

/// How many alias-to-alias hops resolution follows. One is enough for `postmaster → admins → people`, and the
/// bound is what makes loops (`a → b → a`) harmless.
const ALIAS_HOPS: u32 = 1;

// ---- Domains ----

pub(crate) fn add_domain(conn: &Connection, domain: &str) -> Result<()> {
    let domain = normalize_domain(domain)?;
    if is_local_domain(conn, &domain)? {
        return Err(StoreError::AlreadyExists(Entity::Domain, domain));
    }
    conn.execute_cached("INSERT INTO domains (name) VALUES (?1)", [&domain])?;
    Ok(())
}

pub(crate) fn remove_domain(conn: &Connection, domain: &str) -> Result<()> {
    let domain = normalize_domain(domain)?;
    let count = |table: &str| -> Result<i64> {
        let sql = format!("SELECT count(*) FROM {table} WHERE domain = ?1");
        Ok(conn.query_row_cached(&sql, [&domain], |row| row.get(0))?)
    };
    let (accounts, aliases) = (count("accounts")?, count("aliases")?);
    if accounts + aliases > 0 {
        return Err(StoreError::DomainInUse { domain, accounts: to_u64(accounts), aliases: to_u64(aliases) });
    }
    if conn.execute_cached("DELETE FROM domains WHERE name = ?1", [&domain])? == 0 {
        return Err(StoreError::NotFound(Entity::Domain, domain));
    }
    Ok(())
}

pub(crate) fn list_domains(conn: &Connection) -> Result<Vec<String>> {
    let mut statement = conn.prepare_cached("SELECT name FROM domains ORDER BY name")?;
    let rows = statement.query_map([], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Expects a normalised domain.
pub(crate) fn is_local_domain(conn: &Connection, domain: &str) -> Result<bool> {
    let found = conn.query_row_cached("SELECT 1 FROM domains WHERE name = ?1", [domain], |_| Ok(())).optional()?;
    Ok(found.is_some())
}

// ---- Accounts ----

const ACCOUNT_COLUMNS: &str = "id, address, password_hash, quota_bytes, used_bytes, scram_sha256, admin";

fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: row.get(0)?,
        address: row.get(1)?,
        password_hash: row.get(2)?,
        quota_bytes: row.get::<_, Option<i64>>(3)?.map(to_u64),
        used_bytes: to_u64(row.get(4)?),
        scram_sha256: row.get(5)?,
        admin: row.get(6)?,
    })
}

pub(crate) fn create_account(
    conn: &Connection,
    effects: &mut Effects,
    address: &str,
    password_hash: &str,
) -> Result<AccountId> {
    let address = Address::parse(address)?;
    if !is_local_domain(conn, &address.domain)? {
        return Err(StoreError::DomainNotLocal(address.domain));
    }
    let text = address.to_string();
    if account_id(conn, &text)?.is_some() {
        return Err(StoreError::AlreadyExists(Entity::Account, text));
    }
    if !alias_targets(conn, &text)?.is_empty() {
        return Err(StoreError::AddressInUse(text));
    }
    conn.execute_cached(
        "INSERT INTO accounts (address, domain, password_hash) VALUES (?1, ?2, ?3)",
        params![text, address.domain, password_hash],
    )?;
    let account = AccountId(conn.last_insert_rowid());
    for (name, role) in DEFAULT_MAILBOXES {
        mailboxes::insert(conn, effects, account, name, role)?;
        mailboxes::set_subscribed(conn, effects, account, name, true)?;
    }
    tracing::info!(address = %text, "account created");
    Ok(account)
}

/// `None` for unknown and for malformed addresses alike: a lookup is not a validation.
pub(crate) fn account_by_address(conn: &Connection, address: &str) -> Result<Option<Account>> {
    let Ok(address) = Address::parse(address) else { return Ok(None) };
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE address = ?1");
    Ok(conn.query_row_cached(&sql, [address.to_string()], account_from_row).optional()?)
}

pub(crate) fn account_by_id(conn: &Connection, id: AccountId) -> Result<Option<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1");
    Ok(conn.query_row_cached(&sql, [id], account_from_row).optional()?)
}

pub(crate) fn list_accounts(conn: &Connection) -> Result<Vec<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY address");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([], account_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The id of an existing account, by normalised address.
fn account_id(conn: &Connection, address: &str) -> Result<Option<AccountId>> {
    Ok(conn.query_row_cached("SELECT id FROM accounts WHERE address = ?1", [address], |row| row.get(0)).optional()?)
}

fn existing_account(conn: &Connection, address: &str) -> Result<(AccountId, String)> {
    let address = Address::parse(address)?.to_string();
    match account_id(conn, &address)? {
        Some(id) => Ok((id, address)),
        None => Err(StoreError::NotFound(Entity::Account, address)),
    }
}

pub(crate) fn set_password(conn: &Connection, address: &str, password_hash: &str) -> Result<()> {
    let (id, _) = existing_account(conn, address)?;
    // The verifier of the old password goes with it: it would still let the old password in over SCRAM.
    conn.execute_cached(
        "UPDATE accounts SET password_hash = ?2, scram_sha256 = NULL WHERE id = ?1",
        params![id, password_hash],
    )?;
    Ok(())
}

/// Stores `verifier` only while the account's password is still the one `password_hash` is the hash of, so a
/// verifier derived from a password that has just been changed (by another process) is never kept.
pub(crate) fn set_scram_verifier(
    conn: &Connection,
    account: AccountId,
    password_hash: &str,
    verifier: &str,
) -> Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE accounts SET scram_sha256 = ?3 WHERE id = ?1 AND password_hash = ?2",
        params![account, password_hash, verifier],
    )?;
    Ok(changed == 1)
}

pub(crate) fn set_quota(conn: &Connection, address: &str, quota_bytes: Option<u64>) -> Result<()> {
    let (id, _) = existing_account(conn, address)?;
    let quota = quota_bytes.map(to_i64).transpose()?;
    conn.execute_cached("UPDATE accounts SET quota_bytes = ?2 WHERE id = ?1", params![id, quota])?;
    Ok(())
}

pub(crate) fn set_admin(conn: &Connection, address: &str, admin: bool) -> Result<()> {
    let (id, address) = existing_account(conn, address)?;
    conn.execute_cached("UPDATE accounts SET admin = ?2 WHERE id = ?1", params![id, admin])?;
    tracing::info!(%address, admin, "account's admin mark changed");
    Ok(())
}

pub(crate) fn remove_account(conn: &Connection, effects: &mut Effects, address: &str) -> Result<()> {
    let (id, address) = existing_account(conn, address)?;
    let held = mailboxes::blob_references(conn, "m.account = ?1", id)?;
    // Rows first (mailboxes, messages and tombstones cascade), then the references they held.
    conn.execute_cached("DELETE FROM accounts WHERE id = ?1", [id])?;
    for (blob, count) in held {
        blobrefs::release(conn, effects, blob, count)?;
    }
    conn.execute_cached("DELETE FROM alias_targets WHERE target = ?1", [&address])?;
    conn.execute_cached(
        "DELETE FROM aliases WHERE NOT EXISTS (SELECT 1 FROM alias_targets t WHERE t.alias = aliases.alias)",
        [],
    )?;
    tracing::info!(%address, "account removed");
    Ok(())
}

// ---- Aliases ----

pub(crate) fn add_alias(conn: &Connection, alias: &str, targets: &[String]) -> Result<()> {
    let pattern = Address::parse_pattern(alias)?;
    if !is_local_domain(conn, &pattern.domain)? {
        return Err(StoreError::DomainNotLocal(pattern.domain));
    }
    let alias = if pattern.local.is_empty() { pattern.catch_all() } else { pattern.to_string() };
    if account_id(conn, &alias)?.is_some() {
        return Err(StoreError::AddressInUse(alias));
    }
    if targets.is_empty() || targets.len() > MAX_ALIAS_TARGETS {
        return Err(StoreError::InvalidAddress(alias, "an alias needs between 1 and 1000 targets".into()));
    }
    let targets = targets.iter().map(|t| Address::parse(t).map(|a| a.to_string())).collect::<Result<Vec<_>>>()?;
    conn.execute_cached(
        "INSERT OR IGNORE INTO aliases (alias, domain) VALUES (?1, ?2)",
        params![alias, pattern.domain],
    )?;
    let mut insert = conn.prepare_cached("INSERT OR IGNORE INTO alias_targets (alias, target) VALUES (?1, ?2)")?;
    for target in &targets {
        insert.execute(params![alias, target])?;
    }
    Ok(())
}

pub(crate) fn remove_alias(conn: &Connection, alias: &str) -> Result<()> {
    let pattern = Address::parse_pattern(alias)?;
    let alias = if pattern.local.is_empty() { pattern.catch_all() } else { pattern.to_string() };
    if conn.execute_cached("DELETE FROM aliases WHERE alias = ?1", [&alias])? == 0 {
        return Err(StoreError::NotFound(Entity::Alias, alias));
    }
    Ok(())
}

pub(crate) fn list_aliases(conn: &Connection) -> Result<Vec<Alias>> {
    let mut statement = conn.prepare_cached("SELECT alias, target FROM alias_targets ORDER BY alias, target")?;
    let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    let mut aliases: Vec<Alias> = Vec::new();
    for row in rows {
        let (alias, target) = row?;
        match aliases.last_mut() {
            Some(last) if last.alias == alias => last.targets.push(target),
            _ => aliases.push(Alias { alias, targets: vec![target] }),
        }
    }
    Ok(aliases)
}

/// Targets of an alias (normalised form), empty if there is no such alias.
fn alias_targets(conn: &Connection, alias: &str) -> Result<Vec<String>> {
    let mut statement = conn.prepare_cached("SELECT target FROM alias_targets WHERE alias = ?1 ORDER BY target")?;
    let rows = statement.query_map([alias], |row| row.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// ---- Resolution ----

/// See [`crate::Store::resolve_recipient`] for the order of the rules.
pub(crate) fn resolve_recipient(conn: &Connection, address: &str) -> Result<Option<Resolution>> {
    let Ok(address) = Address::parse(address) else { return Ok(None) };
    if !is_local_domain(conn, &address.domain)? {
        return Ok(None);
    }
    if let Some(found) = resolve_exact(conn, &address.to_string())? {
        return Ok(Some(found));
    }
    if let Some(base) = address.without_subaddress()
        && let Some(found) = resolve_exact(conn, &base.to_string())?
    {
        return Ok(Some(found));
    }
    if let Some(found) = expand_alias(conn, &address.catch_all(), ALIAS_HOPS)? {
        return Ok(Some(found));
    }
    if !address.is_role_address() {
        return Ok(None);
    }
    Ok(first_account(conn, &address.domain)?.map(|id| Resolution { accounts: vec![id], forwards: Vec::new() }))
}

/// The oldest account of `domain`, else of the server: who reads a role address nobody set up.
fn first_account(conn: &Connection, domain: &str) -> Result<Option<AccountId>> {
    Ok(conn
        .query_row_cached("SELECT id FROM accounts ORDER BY domain <> ?1, id LIMIT 1", [domain], |row| row.get(0))
        .optional()?)
}

pub(crate) fn lookup_recipient(conn: &Connection, address: &str) -> Result<RecipientLookup> {
    let domain = address.rsplit_once('@').map_or("", |(_, domain)| domain);
    let Ok(domain) = normalize_domain(domain) else { return Ok(RecipientLookup::ForeignDomain) };
    if !is_local_domain(conn, &domain)? {
        return Ok(RecipientLookup::ForeignDomain);
    }
    let Some(resolution) = resolve_recipient(conn, address)? else { return Ok(RecipientLookup::Unknown) };
    let room = quota_room(conn, &resolution.accounts)?;
    Ok(RecipientLookup::Local { resolution, room })
}

/// The smallest free quota among `accounts`; `None` if none has a quota.
fn quota_room(conn: &Connection, accounts: &[AccountId]) -> Result<Option<u64>> {
    let mut room: Option<u64> = None;
    for &id in accounts {
        let quota: Option<(Option<i64>, i64)> = conn
            .query_row_cached("SELECT quota_bytes, used_bytes FROM accounts WHERE id = ?1", [id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?;
        if let Some((Some(limit), used)) = quota {
            let free = to_u64(limit).saturating_sub(to_u64(used));
            room = Some(room.map_or(free, |room| room.min(free)));
        }
    }
    Ok(room)
}

fn resolve_exact(conn: &Connection, address: &str) -> Result<Option<Resolution>> {
    if let Some(id) = account_id(conn, address)? {
        return Ok(Some(Resolution { accounts: vec![id], forwards: Vec::new() }));
    }
    expand_alias(conn, address, ALIAS_HOPS)
}

/// Expands an alias into accounts and remote addresses, following at most `hops` further aliases. Local
/// targets that are neither accounts nor (within the hop budget) aliases are dropped.
fn expand_alias(conn: &Connection, alias: &str, hops: u32) -> Result<Option<Resolution>> {
    let targets = alias_targets(conn, alias)?;
    let mut found = Resolution::default();
    for target in targets {
        let Ok(address) = Address::parse(&target) else { continue };
        if let Some(id) = account_id(conn, &target)? {
            push_unique(&mut found.accounts, id);
        } else if !is_local_domain(conn, &address.domain)? {
            push_unique(&mut found.forwards, target);
        } else if hops > 0 {
            if let Some(nested) = expand_alias(conn, &target, hops - 1)? {
                nested.accounts.into_iter().for_each(|id| push_unique(&mut found.accounts, id));
                nested.forwards.into_iter().for_each(|forward| push_unique(&mut found.forwards, forward));
            }
        } else {
            tracing::warn!(%alias, %target, "alias target is no account, nor an alias within one hop: mail for it is not delivered");
        }
    }
    Ok((!found.accounts.is_empty() || !found.forwards.is_empty()).then_some(found))
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

pub(crate) fn vacation(conn: &Connection, account: AccountId) -> Result<Vacation> {
    let found = conn
        .query_row_cached(
            "SELECT enabled, from_date, to_date, subject, text_body, html_body FROM vacations WHERE account = ?1",
            [account],
            |row| {
                Ok(Vacation {
                    enabled: row.get(0)?,
                    from_date: row.get(1)?,
                    to_date: row.get(2)?,
                    subject: row.get(3)?,
                    text_body: row.get(4)?,
                    html_body: row.get(5)?,
                })
            },
        )
        .optional()?;
    Ok(found.unwrap_or_default())
}

pub(crate) fn vacation_accounts(conn: &Connection) -> Result<Vec<AccountId>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT account FROM vacations WHERE {}", crate::account::VACATION_SET_SQL))?;
    let found = statement.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<Vec<AccountId>>>()?;
    Ok(found)
}

pub(crate) fn set_vacation(conn: &Connection, account: AccountId, vacation: &Vacation) -> Result<()> {
    conn.execute_cached(
        "INSERT OR REPLACE INTO vacations (account, enabled, from_date, to_date, subject, text_body, html_body) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            account,
            vacation.enabled,
            vacation.from_date,
            vacation.to_date,
            vacation.subject,
            vacation.text_body,
            vacation.html_body
        ],
    )?;
    Ok(())
}

const IDENTITY_COLUMNS: &str = "id, name, email, reply_to, bcc, text_signature, html_signature";

fn identity_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Identity> {
    Ok(Identity {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        reply_to: row.get(3)?,
        bcc: row.get(4)?,
        text_signature: row.get(5)?,
        html_signature: row.get(6)?,
    })
}

pub(crate) fn identities(conn: &Connection, account: AccountId) -> Result<Vec<Identity>> {
    let sql = format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE account = ?1 ORDER BY id");
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map([account], identity_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(crate) fn create_identity(conn: &Connection, account: AccountId, identity: &Identity) -> Result<i64> {
    conn.execute_cached(
        "INSERT INTO identities (account, name, email, reply_to, bcc, text_signature, html_signature) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            account,
            identity.name,
            identity.email.to_lowercase(),
            identity.reply_to,
            identity.bcc,
            identity.text_signature,
            identity.html_signature
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

pub(crate) fn update_identity(conn: &Connection, account: AccountId, identity: &Identity) -> Result<bool> {
    let changed = conn.execute_cached(
        "UPDATE identities SET name = ?3, reply_to = ?4, bcc = ?5, text_signature = ?6, html_signature = ?7 \
         WHERE id = ?1 AND account = ?2",
        params![
            identity.id,
            account,
            identity.name,
            identity.reply_to,
            identity.bcc,
            identity.text_signature,
            identity.html_signature
        ],
    )?;
    Ok(changed > 0)
}

pub(crate) fn delete_identity(conn: &Connection, account: AccountId, id: i64) -> Result<bool> {
    Ok(conn.execute_cached("DELETE FROM identities WHERE id = ?1 AND account = ?2", params![id, account])? > 0)
}
