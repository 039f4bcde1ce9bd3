//! `facteur export ADDRESS --maildir DIR | --mbox DIR`: an account's mail as files other programs read,
//! every folder with its messages' flags and arrival dates; the inverse of `facteur import`, so that mail
//! imported from mbsync's Maildir or Python's mbox and exported again comes back byte for byte.
//!
//! Messages are read through the `Store` one at a time, while the server runs; each format has its file.

/// Maildir folders.
mod maildir;
/// mbox files.
mod mbox;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use facteur_mailbox_formats::Flags;
use facteur_store::Store;

use crate::cli::{ExportArgs, MaildirLayout};
use crate::commands::file_flags;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};

/// One message to write, as the store has it.
#[derive(Debug)]
struct ExportedMessage {
    /// The message, with the CRLF line endings it is stored with.
    content: Vec<u8>,
    flags: Flags,
    /// INTERNALDATE, unix seconds.
    internal_date: i64,
}

/// A file format folders are written in, one after the other.
trait Format {
    /// Starts folder `name` (levels joined with `/`).
    fn open_folder(&mut self, name: &str) -> anyhow::Result<()>;
    fn write(&mut self, message: &ExportedMessage) -> anyhow::Result<()>;
    /// Finishes the folder opened last.
    fn close_folder(&mut self) -> anyhow::Result<()>;
}

pub async fn run(data_dir: &DataDir, args: &ExportArgs) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = execute(&store, args, &config.server.hostname).await;
    let closed = store.close().await;
    result?;
    closed.map_err(store_failure)
}

async fn execute(store: &Arc<dyn Store>, args: &ExportArgs, hostname: &str) -> Outcome {
    let Some(account) = store.account_by_address(&args.address).await.map_err(store_failure)? else {
        return Err(usage!("no account {}", args.address));
    };
    let (dir, mut format): (&Path, Box<dyn Format>) = match (&args.maildir, &args.mbox) {
        (Some(dir), _) => {
            let layout = match args.layout {
                MaildirLayout::Verbatim => facteur_mailbox_formats::maildir::Layout::Verbatim,
                MaildirLayout::MaildirPlusPlus => facteur_mailbox_formats::maildir::Layout::MaildirPlusPlus,
            };
            (dir, Box::new(maildir::MaildirExport::new(dir, layout, hostname)))
        }
        (None, Some(dir)) => (dir, Box::new(mbox::MboxExport::new(dir))),
        (None, None) => return Err(usage!("say where to write: --maildir DIR or --mbox DIR")),
    };
    super::new_or_empty_directory(dir, "export")?;
    let mut total = 0;
    for mailbox in store.list_mailboxes(account.id).await.map_err(store_failure)? {
        format.open_folder(&mailbox.name).with_context(|| format!("folder {:?}", mailbox.name))?;
        let messages = store.messages(mailbox.id).await.map_err(store_failure)?;
        for meta in &messages {
            let content = store.read_blob(meta.blob).await.map_err(store_failure)?;
            let flags = file_flags::from_store(meta.flags, &meta.keywords);
            let message = ExportedMessage { content, flags, internal_date: meta.internal_date };
            format.write(&message).with_context(|| format!("folder {:?}", mailbox.name))?;
        }
        format.close_folder().with_context(|| format!("folder {:?}", mailbox.name))?;
        println!("{}: {} message(s)", mailbox.name, messages.len());
        total += messages.len();
    }
    println!("done: {total} message(s) of {} written to {}", account.address, dir.display());
    Ok(())
}
