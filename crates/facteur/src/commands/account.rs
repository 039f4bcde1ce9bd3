//! `facteur account add|list|passwd|remove|quota`. Passwords never appear on the command line: they are read from
//! standard input (`--password-stdin`) or generated and shown once.

use std::io::{BufRead, Read};

use anyhow::Context;
use facteur_store::{Store, StoreError};

use crate::cli::AccountCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};
use facteur_primitives::human_size;

/// Longer passwords are refused: argon2 would accept them, but they are a denial-of-service lever.
const MAX_PASSWORD_LEN: usize = 1024;

pub async fn run(data_dir: &DataDir, command: AccountCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        AccountCommand::Add { address, password_stdin } => {
            let (password, generated) =
                if password_stdin { (read_password_line()?, false) } else { (facteur_auth::generate_password(), true) };
            let added = stored(&password)?.create_account(store.as_ref(), &address).await;
            if added.is_ok() {
                println!("added account {address} with folders INBOX, Drafts, Sent, Archive, Junk, Trash");
                if generated {
                    println!("password: {password}");
                    println!("(shown once; change it with `facteur account passwd {address} --password-stdin`)");
                }
            }
            added.map(drop)
        }
        AccountCommand::List => list(store.as_ref()).await,
        AccountCommand::Passwd { address, password_stdin: _ } => {
            let stored = stored(&read_password_line()?)?;
            stored.replace(store.as_ref(), &address).await.map(|()| println!("changed the password of {address}"))
        }
        AccountCommand::Quota { address, limit } => {
            let limit = parse_quota(&limit)?;
            let shown = limit.map_or_else(|| "unlimited".to_owned(), human_size);
            store.set_quota(&address, limit).await.map(|()| println!("quota of {address}: {shown}"))
        }
        AccountCommand::Remove { address } => {
            store.remove_account(&address).await.map(|()| println!("removed account {address} and all its mail"))
        }
    };
    let closed = store.close().await;
    result.map_err(store_failure)?;
    closed.map_err(store_failure)
}

/// One line per account: address, message count over all its mailboxes, bytes used, quota.
async fn list(store: &dyn Store) -> Result<(), StoreError> {
    println!("{:<40} {:>9} {:>12} {:>12}", "ADDRESS", "MESSAGES", "USED", "QUOTA");
    for account in store.list_accounts().await? {
        let messages: u64 =
            store.list_mailboxes(account.id).await?.iter().map(|mailbox| u64::from(mailbox.exists)).sum();
        let quota = account.quota_bytes.map_or_else(|| "unlimited".to_owned(), human_size);
        println!("{:<40} {messages:>9} {:>12} {quota:>12}", account.address, human_size(account.used_bytes));
    }
    Ok(())
}

/// `unlimited`, or a size as `facteur_primitives::parse_size` reads it (`500M`, `1.5G`, bytes).
fn parse_quota(text: &str) -> Outcome<Option<u64>> {
    if text.eq_ignore_ascii_case("unlimited") {
        return Ok(None);
    }
    let bytes = facteur_primitives::parse_size(text).map_err(|error| usage!("quota: {error}, or \"unlimited\""))?;
    Ok(Some(bytes))
}

/// The password's argon2id hash and SCRAM verifier.
fn stored(password: &str) -> Outcome<facteur_auth::StoredPassword> {
    Ok(facteur_auth::StoredPassword::new(password).context("cannot hash the password")?)
}

/// The first line of standard input, without its line ending.
fn read_password_line() -> Outcome<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(MAX_PASSWORD_LEN as u64 + 2)
        .read_line(&mut line)
        .map_err(|error| usage!("cannot read the password from standard input: {error}"))?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(usage!("--password-stdin: standard input held no password (expected one line)"));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(usage!("--password-stdin: the password is longer than {MAX_PASSWORD_LEN} bytes"));
    }
    Ok(password.to_owned())
}

#[cfg(test)]
mod tests {
    use super::parse_quota;

    #[test]
    fn quotas_are_bytes_with_binary_units_or_unlimited() {
        assert_eq!(parse_quota("unlimited").ok(), Some(None));
        assert_eq!(parse_quota("1000").ok(), Some(Some(1000)));
        assert_eq!(parse_quota("4k").ok(), Some(Some(4096)));
        assert_eq!(parse_quota("500M").ok(), Some(Some(500 << 20)));
        assert_eq!(parse_quota("2G").ok(), Some(Some(2 << 30)));
        assert_eq!(parse_quota("1.5G").ok(), Some(Some(3 << 29)));
        assert_eq!(parse_quota("500MB").ok(), Some(Some(500 << 20)));
        for bad in ["", "M", "5Q", "-1", "1.5.5G", "99999999999G"] {
            assert!(parse_quota(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
