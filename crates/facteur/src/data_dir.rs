//! The data directory: one place for the configuration, TLS material, DKIM keys and the store (design brief §5).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use facteur_config::{CONFIG_FILE, Config, StoreBackend, StoreConfig};
use facteur_store::{PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Store, StoreError};

use crate::failure::{Failure, Outcome, usage};

pub struct DataDir {
    root: PathBuf,
}

/// What is at the data directory's path.
#[derive(Debug, PartialEq, Eq)]
pub enum Contents {
    /// Nothing there, or an empty directory: `serve` may set up a quickstart, `init` may create one.
    Nothing,
    /// A configuration file: an initialised data directory.
    Initialised,
    /// Files, but no configuration: not ours to touch.
    Foreign,
}

impl DataDir {
    pub fn new(root: PathBuf) -> DataDir {
        DataDir { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join(CONFIG_FILE)
    }

    /// The DKIM key directory (`DATA/dkim`), one sub-directory per signing domain.
    pub fn dkim_dir(&self) -> PathBuf {
        self.root.join("dkim")
    }

    /// The DKIM keys of every domain.
    pub fn dkim_keys(&self) -> facteur_mailauth::KeyStore {
        facteur_mailauth::KeyStore::new(self.dkim_dir())
    }

    /// A path from the configuration, relative to the data directory unless absolute.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.root.join(path)
    }

    pub fn contents(&self) -> Outcome<Contents> {
        if self.config_path().exists() {
            return Ok(Contents::Initialised);
        }
        match std::fs::read_dir(&self.root) {
            Ok(mut entries) => Ok(if entries.next().is_none() { Contents::Nothing } else { Contents::Foreign }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Contents::Nothing),
            Err(error) => Err(usage!("cannot read the data directory {}: {error}", self.root.display())),
        }
    }

    /// Replaces the configuration file with `text`, all or nothing: a crash leaves the old file or the new one.
    pub fn replace_config(&self, text: &str) -> Outcome {
        let path = self.config_path();
        let next = path.with_extension("toml.new");
        write_synced(&next, text.as_bytes())?;
        std::fs::rename(&next, &path).with_context(|| format!("cannot replace {}", path.display()))?;
        sync_dir(&self.root)
    }

    /// Loads and checks the configuration; any problem is a usage error (exit 2) naming the file, line and key.
    pub fn load_config(&self) -> Outcome<Config> {
        if self.contents()? != Contents::Initialised {
            return Err(usage!(
                "{} is not a Facteur data directory (no {CONFIG_FILE}): create one with `facteur init --domain \
                 DOMAIN --data-dir {}`, or run `facteur serve` on an empty directory for a quickstart",
                self.root.display(),
                self.root.display()
            ));
        }
        facteur_config::load(&self.config_path()).map_err(|error| Failure::Usage(error.into()))
    }

    /// Opens the store the configuration names, creating or migrating its schema as needed.
    pub async fn open_store(&self, config: &Config) -> Outcome<Arc<dyn Store>> {
        let path = self.resolve(&config.store.path);
        match config.store.backend {
            StoreBackend::Sqlite => {
                let options =
                    SqliteOptions { full_text_index: config.store.full_text_index, ..SqliteOptions::default() };
                let store = SqliteStore::open_with(&path, options)
                    .await
                    .with_context(|| format!("cannot open the store in {}", path.display()))?;
                Ok(Arc::new(store))
            }
            StoreBackend::Postgres => {
                let options = self.postgres_options(&config.store)?;
                let store = PostgresStore::open(options)
                    .await
                    .with_context(|| format!("cannot open the store at {}", config.store.url))?;
                Ok(Arc::new(store))
            }
        }
    }

    /// `[store]` for PostgreSQL: the URL, the password read from `password_file` (its first line), the CAs of
    /// `ca_file`, and this node's staging directory.
    pub fn postgres_options(&self, store: &StoreConfig) -> Outcome<PostgresOptions> {
        let password = match store.password_file.as_str() {
            "" => None,
            file => {
                let path = self.resolve(Path::new(file));
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("[store] password_file: cannot read {}", path.display()))?;
                Some(text.lines().next().unwrap_or_default().to_owned())
            }
        };
        let ca_certificates = match store.ca_file.as_str() {
            "" => Vec::new(),
            file => facteur_net::read_ca_file(&self.resolve(Path::new(file))).context("[store] ca_file")?,
        };
        Ok(PostgresOptions {
            url: store.url.clone(),
            password,
            staging_dir: self.resolve(&store.path),
            ca_certificates,
        })
    }
}

/// Writes `content` to `path` and waits until it is on disk.
pub fn write_synced(path: &Path, content: &[u8]) -> Outcome {
    use std::io::Write;
    let mut file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Waits until the entries of the directory at `path` (a file created or renamed in it) are on disk.
pub fn sync_dir(path: &Path) -> Outcome {
    std::fs::File::open(path)
        .and_then(|dir| dir.sync_all())
        .with_context(|| format!("cannot sync the directory {}", path.display()))?;
    Ok(())
}

/// Store errors that mean "what you typed does not fit" are usage errors (exit 2); the rest are runtime failures.
pub fn store_failure(error: StoreError) -> Failure {
    match error {
        StoreError::NotFound(..)
        | StoreError::AlreadyExists(..)
        | StoreError::InvalidAddress(..)
        | StoreError::DomainNotLocal(..)
        | StoreError::DomainInUse { .. }
        | StoreError::AddressInUse(..) => Failure::Usage(error.into()),
        other => Failure::Runtime(other.into()),
    }
}
