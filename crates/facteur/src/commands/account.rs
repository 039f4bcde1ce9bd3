//! `facteur account add|list|passwd|remove|quota`. Passwords never appear on the command line: they are read from
//! standard input (`--password-stdin`) or generated and shown once.

use anyhow::Context;
use facteur_store::{Store, StoreError};

use crate::cli::AccountCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};
use crate::password_input::MAX_PASSWORD_LEN;
use facteur_primitives::human_size;

pub async fn run(data_dir: &DataDir, command: AccountCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        AccountCommand::Add { address, password_stdin } => {
            let (password, generated) = match password_stdin {
                true => (new_password(&address, &config)?, false),
                false => (facteur_auth::generate_password(), true),
            };
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
            let stored = stored(&new_password(&address, &config)?)?;
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

/// The password a person chose for `address`: typed twice without echo at a terminal, else the first line of
/// standard input; refused if it breaks `[auth]`'s rule (`facteur_auth::check_new_password`).
fn new_password(address: &str, config: &facteur_config::Config) -> Outcome<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() { typed_twice(address)? } else { read_password_line()? };
    facteur_auth::check_new_password(&password, address, config.auth.min_password_length)
        .map_err(|weak| usage!("{weak}; nothing was changed"))?;
    Ok(password)
}

/// Asks at the terminal, twice, echoing nothing: a typo is caught here rather than locking the person out.
fn typed_twice(address: &str) -> Outcome<String> {
    let ask =
        |prompt: &str| rpassword::prompt_password(prompt).map_err(|error| usage!("cannot read the password: {error}"));
    let first = ask(&format!("New password for {address}: "))?;
    if ask("The same password again: ")? != first {
        return Err(usage!("the two passwords differ; nothing was changed"));
    }
    if first.is_empty() || first.len() > MAX_PASSWORD_LEN {
        return Err(usage!("the password must be 1 to {MAX_PASSWORD_LEN} bytes long"));
    }
    Ok(first)
}

/// The first line of standard input, without its line ending.
fn read_password_line() -> Outcome<String> {
    let password = crate::password_input::stdin_line()?;
    if password.is_empty() {
        return Err(usage!("--password-stdin: standard input held no password (expected one line)"));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(usage!("--password-stdin: the password is longer than {MAX_PASSWORD_LEN} bytes"));
    }
    Ok(password)
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
