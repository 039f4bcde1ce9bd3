//! SQL for each account's spam training and correspondents (`crate::spam`).

use crate::error::Result;
use crate::ids::AccountId;
use crate::postgres::sql::{Tx, exec, row, rows, to_u64};
use crate::spam::{Greylisting, SpamClass, SpamProfile, TokenCounts};

pub(crate) async fn profile(tx: &Tx<'_>, account: AccountId, from: &str) -> Result<SpamProfile> {
    let sql = "SELECT \
         (SELECT count(*) FROM spam_trained WHERE account = $1 AND class = 'spam'), \
         (SELECT count(*) FROM spam_trained WHERE account = $1 AND class = 'ham'), \
         EXISTS (SELECT 1 FROM correspondents WHERE account = $1 AND address = $2)";
    let from = from.to_lowercase();
    let Some(found) = row(tx, sql, &[&account.0, &from]).await? else { return Ok(SpamProfile::default()) };
    Ok(SpamProfile {
        spam_messages: to_u64(found.get(0)),
        ham_messages: to_u64(found.get(1)),
        correspondent: found.get(2),
    })
}

pub(crate) async fn tokens(tx: &Tx<'_>, account: AccountId, tokens: &[i64]) -> Result<Vec<TokenCounts>> {
    let sql = "SELECT token, spam, ham FROM spam_tokens WHERE account = $1 AND token = ANY($2)";
    let found = rows(tx, sql, &[&account.0, &tokens]).await?;
    Ok(found
        .iter()
        .map(|row| TokenCounts { token: row.get(0), spam: to_u64(row.get(1)), ham: to_u64(row.get(2)) })
        .collect())
}

/// Two nodes training the same message at once: the row lock taken by `FOR UPDATE` makes the second wait and
/// then see the first's class, so counts are taken back and added once.
pub(crate) async fn train(
    tx: &Tx<'_>,
    account: AccountId,
    digest: &str,
    tokens: &[i64],
    class: Option<SpamClass>,
) -> Result<bool> {
    let sql = "SELECT class FROM spam_trained WHERE account = $1 AND digest = $2 FOR UPDATE";
    let previous = row(tx, sql, &[&account.0, &digest]).await?.and_then(|row| SpamClass::parse(row.get(0)));
    if previous == class {
        return Ok(false);
    }
    if let Some(previous) = previous {
        add(tx, account, tokens, previous, -1).await?;
        exec(tx, "DELETE FROM spam_trained WHERE account = $1 AND digest = $2", &[&account.0, &digest]).await?;
    }
    if let Some(class) = class {
        add(tx, account, tokens, class, 1).await?;
        let sql = "INSERT INTO spam_trained (account, digest, class) VALUES ($1, $2, $3) \
                   ON CONFLICT (account, digest) DO UPDATE SET class = excluded.class";
        exec(tx, sql, &[&account.0, &digest, &class.as_str()]).await?;
    }
    exec(tx, "DELETE FROM spam_tokens WHERE account = $1 AND spam = 0 AND ham = 0", &[&account.0]).await?;
    Ok(true)
}

async fn add(tx: &Tx<'_>, account: AccountId, tokens: &[i64], class: SpamClass, delta: i64) -> Result<()> {
    let (spam, ham) = match class {
        SpamClass::Spam => (delta, 0),
        SpamClass::Ham => (0, delta),
    };
    let sql = "INSERT INTO spam_tokens (account, token, spam, ham) \
               SELECT $1, token, greatest($3::bigint, 0), greatest($4::bigint, 0) FROM unnest($2::bigint[]) AS token \
               ON CONFLICT (account, token) DO UPDATE \
               SET spam = greatest(spam_tokens.spam + $3, 0), ham = greatest(spam_tokens.ham + $4, 0)";
    // One row per token: ON CONFLICT cannot update a row twice in one statement.
    let mut tokens = tokens.to_vec();
    tokens.sort_unstable();
    tokens.dedup();
    exec(tx, sql, &[&account.0, &tokens, &spam, &ham]).await?;
    Ok(())
}

pub(crate) async fn note_correspondents(tx: &Tx<'_>, account: AccountId, addresses: &[String], now: i64) -> Result<()> {
    let mut addresses: Vec<String> = addresses.iter().map(|address| address.to_lowercase()).collect();
    addresses.sort_unstable();
    addresses.dedup();
    let sql = "INSERT INTO correspondents (account, address, last_written) \
               SELECT $1, address, $3 FROM unnest($2::text[]) AS address \
               ON CONFLICT (account, address) DO UPDATE \
               SET last_written = greatest(correspondents.last_written, excluded.last_written)";
    exec(tx, sql, &[&account.0, &addresses, &now]).await?;
    Ok(())
}

/// Two nodes seeing the same triplet at once: the row lock makes the second read the first's record.
pub(crate) async fn greylist(tx: &Tx<'_>, key: &str, now: i64, policy: Greylisting) -> Result<bool> {
    exec(tx, "DELETE FROM greylist WHERE expires < $1", &[&now]).await?;
    exec(
        tx,
        "INSERT INTO greylist (key, first_seen, expires) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
        &[&key, &now, &i64::MAX],
    )
    .await?;
    let sql = "SELECT first_seen, passed_until, expires FROM greylist WHERE key = $1 FOR UPDATE";
    let found = row(tx, sql, &[&key]).await?;
    // Just inserted (expires at the end of time): the first attempt.
    let record = found.filter(|row| row.get::<_, i64>(2) != i64::MAX).map(|row| (row.get(0), row.get(1)));
    let (passed, kept) = policy.attempt(record, now);
    let sql = "UPDATE greylist SET first_seen = $2, passed_until = $3, expires = $4 WHERE key = $1";
    exec(tx, sql, &[&key, &kept.0, &kept.1, &policy.expires(kept)]).await?;
    Ok(passed)
}
