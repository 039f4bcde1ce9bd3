//! `facteur restore DIR`: a backup made by `facteur backup` brought back into an empty (or absent) data
//! directory, which a non-empty one never is: restoring over live data would mix two states.
//!
//! The files are copied back with their permissions; the store goes where the backup's configuration puts
//! it (`facteur_store::sqlite::backup::restore`), and is opened once, which checks it and brings its schema
//! up to date if the backup came from an older Facteur.

use std::os::unix::fs::PermissionsExt;

use anyhow::Context;
use facteur_config::{CONFIG_FILE, StoreBackend};

use crate::commands::backup::{BACKUP_MARK, copy_tree, store_in_backup};
use crate::data_dir::{Contents, DataDir, store_failure};
use crate::failure::{Outcome, usage};

pub async fn run(data_dir: &DataDir, args: &crate::cli::RestoreArgs) -> Outcome {
    let from = &args.dir;
    if !from.join(BACKUP_MARK).is_file() {
        return Err(usage!("{} is not a backup made by `facteur backup` (no {BACKUP_MARK})", from.display()));
    }
    if data_dir.contents()? != Contents::Nothing {
        return Err(usage!(
            "{} is not empty: restore into a new or empty data directory (--data-dir)",
            data_dir.root().display()
        ));
    }
    let config = facteur_config::load(&from.join(CONFIG_FILE)).context("the backup's configuration")?;
    if config.store.backend != StoreBackend::Sqlite {
        return Err(usage!("the backup's store is in PostgreSQL: restore the database with pg_restore"));
    }
    let store_copy = from.join(store_in_backup(&config));
    std::fs::create_dir_all(data_dir.root()).with_context(|| format!("cannot create {}", data_dir.root().display()))?;
    // As `facteur init` makes it: private keys and everyone's mail are inside.
    std::fs::set_permissions(data_dir.root(), std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict the permissions of {}", data_dir.root().display()))?;
    let files = copy_tree(from, data_dir.root(), &[store_copy.clone(), from.join(BACKUP_MARK)])?;
    let store_dir = data_dir.resolve(&config.store.path);
    let copied = tokio::task::spawn_blocking(move || facteur_store::sqlite::backup::restore(&store_copy, &store_dir))
        .await
        .context("the store copy stopped")?
        .context("cannot restore the store")?;
    let store = data_dir.open_store(&config).await?;
    let accounts = store.list_accounts().await.map_err(store_failure);
    store.close().await.map_err(store_failure)?;
    println!(
        "restored into {}: {} account(s), {} message files, {files} other files",
        data_dir.root().display(),
        accounts?.len(),
        copied.blob_files
    );
    Ok(())
}
