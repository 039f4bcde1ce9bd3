//! `facteur backup DIR`: a consistent copy of the data directory, taken while the server runs.
//!
//! - The store (SQLite) is copied by `facteur_store::sqlite::backup::back_up`: the database as of one
//!   commit, and the blob files that snapshot references, which blob removals are held back from deleting
//!   until they are copied (why that is needed, and enough, is explained there).
//! - Everything else in the data directory (`facteur.toml`, `tls/`, `dkim/`, `acme/`, `srs/`, import state) is
//!   copied file by file, with its permissions (private keys stay 0600, DIR itself is made 0700). Facteur
//!   writes each of these files whole (a temporary file renamed into place), so each copy is a whole file;
//!   a certificate renewed or a DKIM key rotated during the backup is there before or after, as for any
//!   change made just after it.
//! - A PostgreSQL store is the database server's: `pg_dump` backs it up (exit 2 with the command).
//!
//! DIR is laid out as a data directory; `facteur restore DIR` brings it back. Files the configuration names
//! outside the data directory are not copied, and are listed.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use facteur_config::{Config, StoreBackend};

use crate::data_dir::DataDir;
use crate::failure::{Failure, Outcome, usage};

/// The file that marks DIR as a backup, saying when and by what it was made.
pub const BACKUP_MARK: &str = "facteur-backup.txt";

pub async fn run(data_dir: &DataDir, args: &crate::cli::BackupArgs) -> Outcome {
    let config = data_dir.load_config()?;
    if config.store.backend == StoreBackend::Postgres {
        return Err(usage!(
            "the store is in PostgreSQL, whose backups are pg_dump's job: `pg_dump --format=custom \
             --file=facteur.dump '{}'` (the password as for [store] password_file), and this node's own files \
             (facteur.toml, tls/, dkim/, acme/, srs/) copied as they are",
            config.store.url
        ));
    }
    let into = &args.dir;
    prepare(into)?;
    if same_path(data_dir.root(), into) || inside(into, data_dir.root()) {
        // Empty, as `prepare` left it: nothing of the operator's is removed.
        let _ = std::fs::remove_dir(into);
        return Err(usage!("{} is inside the data directory: back up somewhere else", into.display()));
    }
    let store_dir = data_dir.resolve(&config.store.path);
    let store_copy = into.join(store_in_backup(&config));
    let copied = tokio::task::spawn_blocking(move || facteur_store::sqlite::backup::back_up(&store_dir, &store_copy))
        .await
        .context("the store copy stopped")?
        .context("cannot copy the store")?;
    let files = copy_tree(data_dir.root(), into, &[data_dir.resolve(&config.store.path)])?;
    let mark = format!(
        "Facteur backup of {} made at {} by facteur {}.\nRestore it with: facteur --data-dir NEW_DIR restore {}\n",
        data_dir.root().display(),
        facteur_primitives::rfc3339_utc(facteur_primitives::unix_now()),
        env!("CARGO_PKG_VERSION"),
        into.display()
    );
    std::fs::write(into.join(BACKUP_MARK), mark).context("cannot write the backup mark")?;
    println!(
        "backed up into {}: the store ({} bytes of database, {} message files of {} bytes) and {files} other files",
        into.display(),
        copied.database_bytes,
        copied.blob_files,
        copied.blob_bytes
    );
    for outside in files_outside(data_dir, &config) {
        println!("not in the data directory, so not backed up: {}", outside.display());
    }
    Ok(())
}

/// Where the store is inside a backup: where the configuration puts it in a data directory, or `store/`
/// for a store configured at an absolute path.
pub fn store_in_backup(config: &Config) -> PathBuf {
    match config.store.path.is_relative() {
        true => config.store.path.clone(),
        false => PathBuf::from("store"),
    }
}

/// Creates DIR, mode 0700: it holds private keys and everyone's mail.
fn prepare(dir: &Path) -> Outcome {
    super::new_or_empty_directory(dir, "back up")?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("cannot restrict the permissions of {}", dir.display()))?;
    Ok(())
}

/// Copies the regular files under `from` into `to`, keeping the permissions of files and directories,
/// leaving out the directories in `skip`. Returns how many files were copied.
pub fn copy_tree(from: &Path, to: &Path, skip: &[PathBuf]) -> Outcome<u64> {
    let mut copied = 0;
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .with_context(|| format!("cannot read {}", from.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot read {}", from.display()))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let source = entry.path();
        if skip.iter().any(|skipped| same_path(skipped, &source)) {
            continue;
        }
        let target = to.join(entry.file_name());
        let metadata = std::fs::metadata(&source).with_context(|| format!("cannot read {}", source.display()))?;
        if metadata.is_dir() {
            std::fs::create_dir_all(&target).with_context(|| format!("cannot create {}", target.display()))?;
            copied += copy_tree(&source, &target, skip)?;
            std::fs::set_permissions(&target, metadata.permissions())
                .with_context(|| format!("cannot set the permissions of {}", target.display()))?;
        } else if metadata.is_file() {
            // std::fs::copy copies the permission bits too.
            std::fs::copy(&source, &target).with_context(|| format!("cannot copy {}", source.display()))?;
            std::fs::File::open(&target)
                .and_then(|file| file.sync_all())
                .map_err(|error| Failure::Runtime(anyhow::anyhow!("cannot write {}: {error}", target.display())))?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// Whether `path` is inside `directory` (both as they resolve on disk).
fn inside(path: &Path, directory: &Path) -> bool {
    match (path.canonicalize(), directory.canonicalize()) {
        (Ok(path), Ok(directory)) => path.starts_with(directory),
        _ => false,
    }
}

fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Files the configuration names that are not inside the data directory.
fn files_outside(data_dir: &DataDir, config: &Config) -> Vec<PathBuf> {
    let mut named: Vec<PathBuf> = vec![config.tls.certificate.clone(), config.tls.private_key.clone()];
    for pair in &config.tls.sni {
        named.extend([pair.certificate.clone(), pair.private_key.clone()]);
    }
    let texts = [&config.relay.smarthost_password_file, &config.relay.smarthost_ca_file, &config.relay.tls_ca_file];
    named.extend(texts.into_iter().filter(|text| !text.is_empty()).map(PathBuf::from));
    if !config.store.path.is_relative() {
        named.push(config.store.path.clone());
    }
    let root = data_dir.root().canonicalize().unwrap_or_else(|_| data_dir.root().to_owned());
    named
        .into_iter()
        .map(|path| data_dir.resolve(&path))
        .filter(|path| !path.canonicalize().unwrap_or_else(|_| path.clone()).starts_with(&root))
        .collect()
}
