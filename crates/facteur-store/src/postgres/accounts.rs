//! SQL for domains, accounts, aliases, out-of-office settings and identities, and the recipient resolution
//! built on them. The rules are SQLite's (`sqlite/accounts.rs`); only the SQL differs.

use tokio_postgres::Row;

use crate::account::{
    Account, Address, Alias, Identity, MAX_ALIAS_TARGETS, RecipientLookup, Resolution, Vacation, normalize_domain,
};
use crate::error::{Entity, Result, StoreError};
use crate::ids::AccountId;
use crate::mailbox::DEFAULT_MAILBOXES;
use crate::postgres::sql::{Tx, exec, row, rows, to_i64, to_u64, value};
use crate::postgres::{Effects, mailboxes};

/// How many alias-to-alias hops resolution follows (see `sqlite/accounts.rs`).
const ALIAS_HOPS: u32 = 1;

// ---- Domains ----

pub(crate) async fn add_domain(tx: &Tx<'_>, domain: &str) -> Result<()> {
    let domain = normalize_domain(domain)?;
    if is_local_domain(tx, &domain).await? {
        return Err(StoreError::AlreadyExists(Entity::Domain, domain));
    }
    exec(tx, "INSERT INTO domains (name) VALUES ($1)", &[&domain]).await?;
    Ok(())
}

pub(crate) async fn remove_domain(tx: &Tx<'_>, domain: &str) -> Result<()> {
    let domain = normalize_domain(domain)?;
    let accounts: i64 = value(tx, "SELECT count(*) FROM accounts WHERE domain = $1", &[&domain]).await?.unwrap_or(0);
    let aliases: i64 = value(tx, "SELECT count(*) FROM aliases WHERE domain = $1", &[&domain]).await?.unwrap_or(0);
    if accounts + aliases > 0 {
        return Err(StoreError::DomainInUse { domain, accounts: to_u64(accounts), aliases: to_u64(aliases) });
    }
    if exec(tx, "DELETE FROM domains WHERE name = $1", &[&domain]).await? == 0 {
        return Err(StoreError::NotFound(Entity::Domain, domain));
    }
    Ok(())
}

pub(crate) async fn list_domains(tx: &Tx<'_>) -> Result<Vec<String>> {
    let found = rows(tx, "SELECT name FROM domains ORDER BY name", &[]).await?;
    Ok(found.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
}

/// Expects a normalised domain.
pub(crate) async fn is_local_domain(tx: &Tx<'_>, domain: &str) -> Result<bool> {
    Ok(row(tx, "SELECT 1 FROM domains WHERE name = $1", &[&domain]).await?.is_some())
}

// ---- Accounts ----

const ACCOUNT_COLUMNS: &str = "id, address, password_hash, quota_bytes, used_bytes, scram_sha256, admin";

fn account_from_row(row: &Row) -> Result<Account> {
    Ok(Account {
        id: AccountId(row.try_get(0)?),
        address: row.try_get(1)?,
        password_hash: row.try_get(2)?,
        quota_bytes: row.try_get::<_, Option<i64>>(3)?.map(to_u64),
        used_bytes: to_u64(row.try_get(4)?),
        scram_sha256: row.try_get(5)?,
        admin: row.try_get(6)?,
    })
}

pub(crate) async fn create_account(
    tx: &Tx<'_>,
    effects: &mut Effects,
    address: &str,
    password_hash: &str,
) -> Result<AccountId> {
    let address = Address::parse(address)?;
    if !is_local_domain(tx, &address.domain).await? {
        return Err(StoreError::DomainNotLocal(address.domain));
    }
    let text = address.to_string();
    if account_id(tx, &text).await?.is_some() {
        return Err(StoreError::AlreadyExists(Entity::Account, text));
    }
    if !alias_targets(tx, &text).await?.is_empty() {
        return Err(StoreError::AddressInUse(text));
    }
    let id: i64 = value(
        tx,
        "INSERT INTO accounts (address, domain, password_hash) VALUES ($1, $2, $3) RETURNING id",
        &[&text, &address.domain, &password_hash],
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("INSERT … RETURNING returned no row".into()))?;
    let account = AccountId(id);
    for (name, role) in DEFAULT_MAILBOXES {
        mailboxes::insert(tx, effects, account, name, role).await?;
        mailboxes::set_subscribed(tx, effects, account, name, true).await?;
    }
    tracing::info!(address = %text, "account created");
    Ok(account)
}

/// `None` for unknown and for malformed addresses alike: a lookup is not a validation.
pub(crate) async fn account_by_address(tx: &Tx<'_>, address: &str) -> Result<Option<Account>> {
    let Ok(address) = Address::parse(address) else { return Ok(None) };
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE address = $1");
    row(tx, &sql, &[&address.to_string()]).await?.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn account_by_id(tx: &Tx<'_>, id: AccountId) -> Result<Option<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1");
    row(tx, &sql, &[&id.0]).await?.as_ref().map(account_from_row).transpose()
}

pub(crate) async fn list_accounts(tx: &Tx<'_>) -> Result<Vec<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY address");
    rows(tx, &sql, &[]).await?.iter().map(account_from_row).collect()
}

/// The id of an existing account, by normalised address.
async fn account_id(tx: &Tx<'_>, address: &str) -> Result<Option<AccountId>> {
    Ok(value(tx, "SELECT id FROM accounts WHERE address = $1", &[&address]).await?.map(AccountId))
}

async fn existing_account(tx: &Tx<'_>, address: &str) -> Result<(AccountId, String)> {
    let address = Address::parse(address)?.to_string();
    match account_id(tx, &address).await? {
        Some(id) => Ok((id, address)),
        None => Err(StoreError::NotFound(Entity::Account, address)),
    }
}

pub(crate) async fn set_password(tx: &Tx<'_>, address: &str, password_hash: &str) -> Result<()> {
    let (id, _) = existing_account(tx, address).await?;
    // The verifier of the old password goes with it: it would still let the old password in over SCRAM.
    exec(tx, "UPDATE accounts SET password_hash = $2, scram_sha256 = NULL WHERE id = $1", &[&id.0, &password_hash])
        .await?;
    Ok(())
}

/// Stores `verifier` only while the account's password is still the one `password_hash` is the hash of.
pub(crate) async fn set_scram_verifier(
    tx: &Tx<'_>,
    account: AccountId,
    password_hash: &str,
    verifier: &str,
) -> Result<bool> {
    let sql = "UPDATE accounts SET scram_sha256 = $3 WHERE id = $1 AND password_hash = $2";
    Ok(exec(tx, sql, &[&account.0, &password_hash, &verifier]).await? == 1)
}

pub(crate) async fn set_quota(tx: &Tx<'_>, address: &str, quota_bytes: Option<u64>) -> Result<()> {
    let (id, _) = existing_account(tx, address).await?;
    let quota = quota_bytes.map(to_i64).transpose()?;
    exec(tx, "UPDATE accounts SET quota_bytes = $2 WHERE id = $1", &[&id.0, &quota]).await?;
    Ok(())
}

pub(crate) async fn set_admin(tx: &Tx<'_>, address: &str, admin: bool) -> Result<()> {
    let (id, address) = existing_account(tx, address).await?;
    exec(tx, "UPDATE accounts SET admin = $2 WHERE id = $1", &[&id.0, &admin]).await?;
    tracing::info!(%address, admin, "account's admin mark changed");
    Ok(())
}

pub(crate) async fn remove_account(tx: &Tx<'_>, effects: &mut Effects, address: &str) -> Result<()> {
    let (id, address) = existing_account(tx, address).await?;
    mailboxes::lock_account(tx, id).await?;
    let held = mailboxes::blob_references(tx, "m.account = $1", id.0).await?;
    // Rows first (mailboxes, messages and tombstones cascade), then the references they held.
    exec(tx, "DELETE FROM accounts WHERE id = $1", &[&id.0]).await?;
    for (blob, count) in held {
        crate::postgres::content::release(tx, effects, blob, count).await?;
    }
    exec(tx, "DELETE FROM alias_targets WHERE target = $1", &[&address]).await?;
    exec(tx, "DELETE FROM aliases WHERE NOT EXISTS (SELECT 1 FROM alias_targets t WHERE t.alias = aliases.alias)", &[])
        .await?;
    tracing::info!(%address, "account removed");
    Ok(())
}

// ---- Aliases ----

pub(crate) async fn add_alias(tx: &Tx<'_>, alias: &str, targets: &[String]) -> Result<()> {
    let pattern = Address::parse_pattern(alias)?;
    if !is_local_domain(tx, &pattern.domain).await? {
        return Err(StoreError::DomainNotLocal(pattern.domain));
    }
    let alias = if pattern.local.is_empty() { pattern.catch_all() } else { pattern.to_string() };
    if account_id(tx, &alias).await?.is_some() {
        return Err(StoreError::AddressInUse(alias));
    }
    if targets.is_empty() || targets.len() > MAX_ALIAS_TARGETS {
        return Err(StoreError::InvalidAddress(alias, "an alias needs between 1 and 1000 targets".into()));
    }
    let targets = targets.iter().map(|t| Address::parse(t).map(|a| a.to_string())).collect::<Result<Vec<_>>>()?;
    exec(tx, "INSERT INTO aliases (alias, domain) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&alias, &pattern.domain])
        .await?;
    for target in &targets {
        exec(tx, "INSERT INTO alias_targets (alias, target) VALUES ($1, $2) ON CONFLICT DO NOTHING", &[&alias, target])
            .await?;
    }
    Ok(())
}

pub(crate) async fn remove_alias(tx: &Tx<'_>, alias: &str) -> Result<()> {
    let pattern = Address::parse_pattern(alias)?;
    let alias = if pattern.local.is_empty() { pattern.catch_all() } else { pattern.to_string() };
    if exec(tx, "DELETE FROM aliases WHERE alias = $1", &[&alias]).await? == 0 {
        return Err(StoreError::NotFound(Entity::Alias, alias));
    }
    Ok(())
}

pub(crate) async fn list_aliases(tx: &Tx<'_>) -> Result<Vec<Alias>> {
    let found = rows(tx, "SELECT alias, target FROM alias_targets ORDER BY alias, target", &[]).await?;
    let mut aliases: Vec<Alias> = Vec::new();
    for found in found {
        let (alias, target): (String, String) = (found.try_get(0)?, found.try_get(1)?);
        match aliases.last_mut() {
            Some(last) if last.alias == alias => last.targets.push(target),
            _ => aliases.push(Alias { alias, targets: vec![target] }),
        }
    }
    Ok(aliases)
}

/// Targets of an alias (normalised form), empty if there is no such alias.
async fn alias_targets(tx: &Tx<'_>, alias: &str) -> Result<Vec<String>> {
    let found = rows(tx, "SELECT target FROM alias_targets WHERE alias = $1 ORDER BY target", &[&alias]).await?;
    Ok(found.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?)
}

// ---- Resolution ----

/// See [`crate::Store::resolve_recipient`] for the order of the rules.
pub(crate) async fn resolve_recipient(tx: &Tx<'_>, address: &str) -> Result<Option<Resolution>> {
    let Ok(address) = Address::parse(address) else { return Ok(None) };
    if !is_local_domain(tx, &address.domain).await? {
        return Ok(None);
    }
    if let Some(found) = resolve_exact(tx, &address.to_string()).await? {
        return Ok(Some(found));
    }
    if let Some(base) = address.without_subaddress()
        && let Some(found) = resolve_exact(tx, &base.to_string()).await?
    {
        return Ok(Some(found));
    }
    if let Some(found) = expand_alias(tx, &address.catch_all(), ALIAS_HOPS).await? {
        return Ok(Some(found));
    }
    if !address.is_role_address() {
        return Ok(None);
    }
    Ok(first_account(tx, &address.domain).await?.map(|id| Resolution { accounts: vec![id], forwards: Vec::new() }))
}

/// The oldest account of `domain`, else of the server: who reads a role address nobody set up.
async fn first_account(tx: &Tx<'_>, domain: &str) -> Result<Option<AccountId>> {
    let sql = "SELECT id FROM accounts ORDER BY domain <> $1, id LIMIT 1";
    Ok(value(tx, sql, &[&domain]).await?.map(AccountId))
}

pub(crate) async fn lookup_recipient(tx: &Tx<'_>, address: &str) -> Result<RecipientLookup> {
    let domain = address.rsplit_once('@').map_or("", |(_, domain)| domain);
    let Ok(domain) = normalize_domain(domain) else { return Ok(RecipientLookup::ForeignDomain) };
    if !is_local_domain(tx, &domain).await? {
        return Ok(RecipientLookup::ForeignDomain);
    }
    let Some(resolution) = resolve_recipient(tx, address).await? else { return Ok(RecipientLookup::Unknown) };
    let room = quota_room(tx, &resolution.accounts).await?;
    Ok(RecipientLookup::Local { resolution, room })
}

/// The smallest free quota among `accounts`; `None` if none has a quota.
async fn quota_room(tx: &Tx<'_>, accounts: &[AccountId]) -> Result<Option<u64>> {
    let mut room: Option<u64> = None;
    for id in accounts {
        let Some(found) = row(tx, "SELECT quota_bytes, used_bytes FROM accounts WHERE id = $1", &[&id.0]).await? else {
            continue;
        };
        if let Some(limit) = found.try_get::<_, Option<i64>>(0)? {
            let free = to_u64(limit).saturating_sub(to_u64(found.try_get(1)?));
            room = Some(room.map_or(free, |room| room.min(free)));
        }
    }
    Ok(room)
}

async fn resolve_exact(tx: &Tx<'_>, address: &str) -> Result<Option<Resolution>> {
    if let Some(id) = account_id(tx, address).await? {
        return Ok(Some(Resolution { accounts: vec![id], forwards: Vec::new() }));
    }
    expand_alias(tx, address, ALIAS_HOPS).await
}

/// Expands an alias into accounts and remote addresses, following at most `hops` further aliases.
async fn expand_alias(tx: &Tx<'_>, alias: &str, hops: u32) -> Result<Option<Resolution>> {
    let mut found = Resolution::default();
    for target in alias_targets(tx, alias).await? {
        let Ok(address) = Address::parse(&target) else { continue };
        if let Some(id) = account_id(tx, &target).await? {
            push_unique(&mut found.accounts, id);
        } else if !is_local_domain(tx, &address.domain).await? {
            push_unique(&mut found.forwards, target);
        } else if hops > 0 {
            if let Some(nested) = Box::pin(expand_alias(tx, &target, hops - 1)).await? {
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

// ---- Out-of-office replies ----

pub(crate) async fn vacation(tx: &Tx<'_>, account: AccountId) -> Result<Vacation> {
    let sql = "SELECT enabled, from_date, to_date, subject, text_body, html_body FROM vacations WHERE account = $1";
    let Some(found) = row(tx, sql, &[&account.0]).await? else { return Ok(Vacation::default()) };
    Ok(Vacation {
        enabled: found.try_get(0)?,
        from_date: found.try_get(1)?,
        to_date: found.try_get(2)?,
        subject: found.try_get(3)?,
        text_body: found.try_get(4)?,
        html_body: found.try_get(5)?,
    })
}

pub(crate) async fn vacation_accounts(tx: &Tx<'_>) -> Result<Vec<AccountId>> {
    let sql = format!("SELECT account FROM vacations WHERE {}", crate::account::VACATION_SET_SQL);
    rows(tx, &sql, &[]).await?.iter().map(|row| Ok(AccountId(row.try_get(0)?))).collect()
}

pub(crate) async fn set_vacation(tx: &Tx<'_>, account: AccountId, vacation: &Vacation) -> Result<()> {
    exec(
        tx,
        "INSERT INTO vacations (account, enabled, from_date, to_date, subject, text_body, html_body) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account) DO UPDATE SET enabled = $2, from_date = $3, \
         to_date = $4, subject = $5, text_body = $6, html_body = $7",
        &[
            &account.0,
            &vacation.enabled,
            &vacation.from_date,
            &vacation.to_date,
            &vacation.subject,
            &vacation.text_body,
            &vacation.html_body,
        ],
    )
    .await?;
    Ok(())
}

// ---- Identities ----

const IDENTITY_COLUMNS: &str = "id, name, email, reply_to, bcc, text_signature, html_signature";

fn identity_from_row(row: &Row) -> Result<Identity> {
    Ok(Identity {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        email: row.try_get(2)?,
        reply_to: row.try_get(3)?,
        bcc: row.try_get(4)?,
        text_signature: row.try_get(5)?,
        html_signature: row.try_get(6)?,
    })
}

pub(crate) async fn identities(tx: &Tx<'_>, account: AccountId) -> Result<Vec<Identity>> {
    let sql = format!("SELECT {IDENTITY_COLUMNS} FROM identities WHERE account = $1 ORDER BY id");
    rows(tx, &sql, &[&account.0]).await?.iter().map(identity_from_row).collect()
}

pub(crate) async fn create_identity(tx: &Tx<'_>, account: AccountId, identity: &Identity) -> Result<i64> {
    value(
        tx,
        "INSERT INTO identities (account, name, email, reply_to, bcc, text_signature, html_signature) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[
            &account.0,
            &identity.name,
            &identity.email.to_lowercase(),
            &identity.reply_to,
            &identity.bcc,
            &identity.text_signature,
            &identity.html_signature,
        ],
    )
    .await?
    .ok_or_else(|| StoreError::Corrupt("INSERT … RETURNING returned no row".into()))
}

pub(crate) async fn update_identity(tx: &Tx<'_>, account: AccountId, identity: &Identity) -> Result<bool> {
    let changed = exec(
        tx,
        "UPDATE identities SET name = $3, reply_to = $4, bcc = $5, text_signature = $6, html_signature = $7 \
         WHERE id = $1 AND account = $2",
        &[
            &identity.id,
            &account.0,
            &identity.name,
            &identity.reply_to,
            &identity.bcc,
            &identity.text_signature,
            &identity.html_signature,
        ],
    )
    .await?;
    Ok(changed > 0)
}

pub(crate) async fn delete_identity(tx: &Tx<'_>, account: AccountId, id: i64) -> Result<bool> {
    Ok(exec(tx, "DELETE FROM identities WHERE id = $1 AND account = $2", &[&id, &account.0]).await? > 0)
}
