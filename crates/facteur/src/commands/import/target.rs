//! Where imported messages go: the account's folders, found by name or special-use role, created when
//! missing; and what is already in each, so that running an import again copies nothing twice.
//!
//! What is there is known by content: a message's blob id is the SHA-256 of its bytes, and every importer
//! stores a file's message the same way each time, so the ids already in a folder say which messages a
//! previous run (or an interrupted one) copied. A folder with two identical messages gets two: each id is
//! counted.

use std::collections::HashMap;
use std::sync::Arc;

use facteur_mailbox_formats::Flags;
use facteur_store::special_folders::role_of_name;
use facteur_store::{Account, BlobId, DeliveryTarget, Mailbox, SpecialUse, Store, StoreError};
use tracing::warn;

use crate::commands::file_flags;
use crate::data_dir::store_failure;
use crate::failure::{Failure, Outcome, usage};

/// One message read from a source, as it is to be stored.
#[derive(Debug)]
pub struct ImportedMessage {
    /// The message, with CRLF line endings (RFC 5322 §2.1).
    pub content: Vec<u8>,
    pub flags: Flags,
    /// INTERNALDATE, unix seconds.
    pub internal_date: i64,
}

/// The account mail is imported into.
pub struct Destination {
    store: Arc<dyn Store>,
    account: Account,
}

impl Destination {
    pub async fn open(store: Arc<dyn Store>, address: &str) -> Outcome<Destination> {
        match store.account_by_address(address).await.map_err(store_failure)? {
            Some(account) => Ok(Destination { store, account }),
            None => Err(usage!("no account {address}: create it first with `facteur account add {address}`")),
        }
    }

    /// The folder `name` of the source, with its special-use role if the source says it has one: a mailbox
    /// of that name if there is one, else the one holding the role (the source's, or the one its name stands
    /// for: "Sent Items", "Spam"…, as IMAP clients are answered), else a new mailbox.
    pub async fn folder(&self, name: &str, role: Option<SpecialUse>) -> Outcome<Folder<'_>> {
        let mailbox = self.mailbox_for(name, role).await?;
        let mut present: HashMap<BlobId, u32> = HashMap::new();
        for message in self.store.messages(mailbox.id).await.map_err(store_failure)? {
            *present.entry(message.blob).or_default() += 1;
        }
        Ok(Folder { destination: self, source_name: name.to_owned(), mailbox, present, copied: 0, already_there: 0 })
    }

    async fn mailbox_for(&self, name: &str, role: Option<SpecialUse>) -> Outcome<Mailbox> {
        let store = self.store.as_ref();
        let account = self.account.id;
        if let Some(mailbox) = store.mailbox_by_name(account, name).await.map_err(store_failure)? {
            return Ok(mailbox);
        }
        let role = role.or_else(|| role_of_name(name));
        if let Some(role) = role
            && let Some(mailbox) = store.mailbox_by_role(account, role).await.map_err(store_failure)?
        {
            return Ok(mailbox);
        }
        let id = store.create_mailbox(account, name, role).await.map_err(|error| match error {
            StoreError::InvalidMailboxName(..) => usage!("folder {name:?} cannot be created: {error}"),
            other => store_failure(other),
        })?;
        let created = store.mailbox(id).await.map_err(store_failure)?;
        created.ok_or_else(|| Failure::Runtime(anyhow::anyhow!("mailbox {name:?} vanished as it was created")))
    }
}

/// One folder being imported into.
pub struct Folder<'a> {
    destination: &'a Destination,
    /// The folder's name in the source, for what is printed.
    source_name: String,
    mailbox: Mailbox,
    /// The blobs already in the mailbox, each with how many messages have it.
    present: HashMap<BlobId, u32>,
    pub copied: u64,
    pub already_there: u64,
}

impl Folder<'_> {
    /// Stores `message` unless the mailbox already has it.
    pub async fn add(&mut self, message: ImportedMessage) -> Outcome {
        let blob = BlobId::of(&message.content);
        if let Some(count) = self.present.get_mut(&blob).filter(|count| **count > 0) {
            *count -= 1;
            self.already_there += 1;
            return Ok(());
        }
        let (flags, keywords, left_out) = file_flags::to_store(&message.flags);
        if !left_out.is_empty() {
            warn!(folder = %self.source_name, ?left_out, "keywords that are not IMAP atoms (or past 64) were left out");
        }
        let store = &self.destination.store;
        let account = self.destination.account.id;
        let target = DeliveryTarget { account, mailbox: Some(self.mailbox.id), flags, keywords };
        // On this task: the command has nothing else to run meanwhile (the store writes on its own thread).
        let indexed = facteur_message::index(&message.content);
        let delivered = store
            .deliver_content(
                Arc::from(message.content),
                indexed.summary,
                message.internal_date,
                vec![target],
                indexed.thread,
                Some(indexed.text),
            )
            .await;
        match delivered {
            Ok(_) => {
                self.copied += 1;
                Ok(())
            }
            Err(StoreError::QuotaExceeded { .. }) => Err(usage!(
                "{} is over quota after {} message(s) copied into {}: raise it (`facteur account quota`) and run \
                 the import again, it goes on from there",
                self.destination.account.address,
                self.copied,
                self.mailbox.name
            )),
            Err(error) => Err(store_failure(error)),
        }
    }

    /// Prints what the folder got.
    pub fn report(&self) {
        let into = match self.source_name == self.mailbox.name {
            true => String::new(),
            false => format!(" (into {})", self.mailbox.name),
        };
        println!("{}{into}: {} copied, {} already there", self.source_name, self.copied, self.already_there);
    }
}
