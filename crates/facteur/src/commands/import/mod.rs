//! `facteur import maildir|mbox|imap`: mail from files or another server into an account, folders, flags and
//! arrival dates kept. Each source has its file; they all hand messages to [`target::Folder::add`], which
//! writes through the `Store` and skips what the folder already has, so an import run again (after an
//! interruption, or to pick up new mail) copies only what is missing.

/// From another IMAP server (`async-imap` over our verified rustls).
mod imap;
/// Reaching that server: implicit TLS or STARTTLS, then LOGIN.
mod imap_connect;
/// What an IMAP import copied so far, per folder: UIDVALIDITY and the last UID.
mod imap_state;
/// From a Maildir tree.
mod maildir;
/// From mbox files.
mod mbox;
/// Where imported messages go.
mod target;

use std::sync::Arc;

use facteur_store::Store;

use crate::cli::ImportCommand;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::Outcome;
use target::{Destination, Folder};

pub async fn run(data_dir: &DataDir, command: ImportCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = execute(data_dir, Arc::clone(&store), command).await;
    let closed = store.close().await;
    result?;
    closed.map_err(store_failure)
}

async fn execute(data_dir: &DataDir, store: Arc<dyn Store>, command: ImportCommand) -> Outcome {
    let totals = match command {
        ImportCommand::Maildir { path, account } => {
            maildir::import(&path, &Destination::open(store, &account.account).await?).await?
        }
        ImportCommand::Mbox { path, account } => {
            mbox::import(&path, &Destination::open(store, &account.account).await?).await?
        }
        ImportCommand::Imap(args) => {
            let destination = Destination::open(store, &args.account.account).await?;
            imap::import(data_dir, &args, &destination).await?
        }
    };
    println!("done: {} message(s) copied, {} already there", totals.copied, totals.already_there);
    Ok(())
}

/// Messages copied and skipped over all folders.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    copied: u64,
    already_there: u64,
}

impl Totals {
    /// Adds a finished folder's counts, and prints them.
    fn add(&mut self, folder: &Folder<'_>) {
        folder.report();
        self.copied += folder.copied;
        self.already_there += folder.already_there;
    }
}
