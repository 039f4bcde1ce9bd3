//! `facteur reindex [ACCOUNT]`: the full-text index rebuilt for one account's messages or everyone's. Their
//! documents are dropped and the messages listed pending in one transaction, then indexed here (a running
//! server's indexer may share the work: indexing a message twice is harmless).

use crate::cli::ReindexArgs;
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Outcome, usage};
use crate::text_indexer;

pub async fn run(data_dir: &DataDir, args: &ReindexArgs) -> Outcome {
    let config = data_dir.load_config()?;
    if config.store.backend == facteur_config::StoreBackend::Sqlite && !config.store.full_text_index {
        return Err(usage!("[store] full_text_index is off: there is no index to rebuild"));
    }
    let store = data_dir.open_store(&config).await?;
    let outcome = async {
        let account = match &args.account {
            Some(address) => match store.account_by_address(address).await.map_err(store_failure)? {
                Some(account) => Some(account.id),
                None => return Err(usage!("no account {address}")),
            },
            None => None,
        };
        let listed = store.forget_texts(account).await.map_err(store_failure)?;
        let indexed = text_indexer::catch_up(store.as_ref(), None).await.map_err(store_failure)?;
        println!("{listed} messages to index, {indexed} indexed");
        Ok(())
    }
    .await;
    let closed = store.close().await;
    outcome?;
    closed.map_err(store_failure)
}
