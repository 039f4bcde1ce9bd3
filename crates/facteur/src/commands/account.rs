//! `facteur account add|list|passwd|remove|quota`. Passwords never appear on the command line: they are read from
//! standard input (`--password-stdin`) or generated and shown once.

use facteur_store::{Store, StoreError};

use crate::cli::AccountCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, admin_failure, usage};
use crate::password_input::MAX_PASSWORD_LEN;
use facteur_primitives::human_size;

pub async fn run(data_dir: &DataDir, command: AccountCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = match command {
        AccountCommand::Add { address, password_stdin, admin } => {
            let (password, generated) = match password_stdin {
                true => (new_password(&address)?, false),
                false => (facteur_auth::generate_password(), true),
            };
            let minimum = config.auth.min_password_length;
            let added = facteur_admin::add_account(store.as_ref(), &address, &password, minimum, admin).await;
            closing_on_error(&store, added).await?;
            println!("added account {address} with folders INBOX, Drafts, Sent, Archive, Junk, Trash");
            if admin {
                println!("{address} is an administrator: it may use the admin page");
            }
            if generated {
                println!("password: {password}");
                println!("(shown once; change it with `facteur account passwd {address} --password-stdin`)");
            }
            Ok(())
        }
        AccountCommand::Admin { address, state } => {
            let admin = state == "on";
            store.set_admin(&address, admin).await.map(|()| match admin {
                true => println!("{address} is an administrator: it may use the admin page"),
                false => println!("{address} is no longer an administrator"),
            })
        }
        AccountCommand::List => list(store.as_ref()).await,
        AccountCommand::Passwd { address, password_stdin: _ } => {
            let password = new_password(&address)?;
            let minimum = config.auth.min_password_length;
            let changed = facteur_admin::change_password(store.as_ref(), &address, &password, minimum).await;
            closing_on_error(&store, changed).await?;
            println!("changed the password of {address}");
            Ok(())
        }
        AccountCommand::Quota { address, limit } => {
            let limit = facteur_admin::parse_quota(&limit).map_err(admin_failure)?;
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

/// One line per account: address, message count over all its mailboxes, bytes used, quota, and whether it is
/// an administrator.
async fn list(store: &dyn Store) -> Result<(), StoreError> {
    println!("{:<40} {:>9} {:>12} {:>12}", "ADDRESS", "MESSAGES", "USED", "QUOTA");
    for account in facteur_admin::account_summaries(store).await? {
        let quota = account.quota_bytes.map_or_else(|| "unlimited".to_owned(), human_size);
        let admin = if account.admin { "  admin" } else { "" };
        let (address, messages, used) = (&account.address, account.messages, human_size(account.used_bytes));
        println!("{address:<40} {messages:>9} {used:>12} {quota:>12}{admin}");
    }
    Ok(())
}

/// The operation's refusal, once the store is closed (it must be, whatever happens).
async fn closing_on_error<T>(
    store: &std::sync::Arc<dyn Store>,
    result: Result<T, facteur_admin::AdminError>,
) -> Outcome<T> {
    if result.is_err() {
        store.close().await.map_err(store_failure)?;
    }
    result.map_err(admin_failure)
}

/// The password a person chose for `address`: typed twice without echo at a terminal, else the first line of
/// standard input. `facteur_admin` holds it to `[auth]`'s rule.
fn new_password(address: &str) -> Outcome<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() { typed_twice(address) } else { read_password_line() }
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
