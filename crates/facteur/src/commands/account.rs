//! `facteur account add|list|passwd|remove`. Passwords never appear on the command line: they are read from
//! standard input (`--password-stdin`) or generated and shown once.

use std::io::{BufRead, Read};

use anyhow::Context;
use facteur_store::{Store, StoreError};

use crate::cli::AccountCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};

/// Longer passwords are refused: argon2 would accept them, but they are a denial-of-service lever.
const MAX_PASSWORD_LEN: usize = 1024;

pub async fn run(data_dir: &DataDir, command: AccountCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        AccountCommand::Add { address, password_stdin } => {
            let (password, generated) =
                if password_stdin { (read_password_line()?, false) } else { (facteur_auth::generate_password(), true) };
            let hash = hash(&password)?;
            let added = store.create_account(&address, &hash).await;
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
            let hash = hash(&read_password_line()?)?;
            store.set_password(&address, &hash).await.map(|()| println!("changed the password of {address}"))
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
        let quota = account.quota_bytes.map_or_else(|| "unlimited".to_owned(), |q| q.to_string());
        println!("{:<40} {messages:>9} {:>12} {quota:>12}", account.address, account.used_bytes);
    }
    Ok(())
}

fn hash(password: &str) -> Outcome<String> {
    Ok(facteur_auth::hash_password(password).context("cannot hash the password")?)
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
