use std::sync::Arc;

use facteur_store::{Account, Mailbox, SqliteStore, Store, SystemFlags, Uid};

use crate::TestServer;

/// One message as the store holds it.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub uid: Uid,
    pub flags: SystemFlags,
    pub bytes: Vec<u8>,
}

impl TestServer {
    /// Runs `read` against the server's store, opened a second time as the CLI does (safe while it runs).
    pub fn with_store<T>(&self, read: impl AsyncFnOnce(Arc<dyn Store>) -> T) -> T {
        let directory = self.data_dir().join(&self.config().store.path);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("test runtime");
        runtime.block_on(async {
            let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&directory).await.expect("open the store"));
            let result = read(Arc::clone(&store)).await;
            store.close().await.expect("close the store");
            result
        })
    }

    /// The messages in `address`'s mailbox `mailbox`, by UID, with their bytes.
    pub fn messages(&self, address: &str, mailbox: &str) -> Vec<StoredMessage> {
        self.with_store(async |store| read_messages(store.as_ref(), address, mailbox).await)
    }
}

/// The messages in `address`'s mailbox `mailbox`, by UID, with their bytes.
pub(crate) async fn read_messages(store: &dyn Store, address: &str, mailbox: &str) -> Vec<StoredMessage> {
    let (_, mailbox) = account_mailbox(store, address, mailbox).await;
    let mut messages = Vec::new();
    for meta in store.messages(mailbox.id).await.expect("list messages") {
        let bytes = store.read_blob(meta.blob).await.expect("read the message");
        messages.push(StoredMessage { uid: meta.uid, flags: meta.flags, bytes });
    }
    messages
}

/// `address`'s account and its mailbox `name`; a test that names either wrongly fails here.
pub(crate) async fn account_mailbox(store: &dyn Store, address: &str, name: &str) -> (Account, Mailbox) {
    let account = store.account_by_address(address).await.expect("read account");
    let account = account.unwrap_or_else(|| panic!("no account {address}"));
    let mailbox = store.mailbox_by_name(account.id, name).await.expect("read mailbox");
    let mailbox = mailbox.unwrap_or_else(|| panic!("{address} has no mailbox {name}"));
    (account, mailbox)
}
