//! A PostgreSQL store named on the command line (`init --store`, `store migrate --to`): its URL, the files that
//! hold its password and its private CA, and the `[store]` settings they make. One place, so both commands
//! write the same.

use std::path::{Path, PathBuf};

use facteur_config::{StoreBackend, StoreConfig};

use crate::failure::{Outcome, usage};

/// `--store URL [--store-password-file FILE] [--store-ca-file FILE]`, or `--to URL [--password-file FILE]
/// [--ca-file FILE]`.
pub struct PostgresSetup {
    pub url: String,
    /// Absolute, so that it still names the same file from the data directory.
    pub password_file: Option<PathBuf>,
    /// Absolute, like the password file.
    pub ca_file: Option<PathBuf>,
}

impl PostgresSetup {
    pub fn new(url: String) -> PostgresSetup {
        PostgresSetup { url, password_file: None, ca_file: None }
    }

    /// The password file, named by the option `flag` (for the error if its path cannot be made absolute).
    pub fn password_file(mut self, file: Option<&Path>, flag: &str) -> Outcome<PostgresSetup> {
        self.password_file = absolute(file, flag)?;
        Ok(self)
    }

    /// The CA file, named by the option `flag`.
    pub fn ca_file(mut self, file: Option<&Path>, flag: &str) -> Outcome<PostgresSetup> {
        self.ca_file = absolute(file, flag)?;
        Ok(self)
    }

    /// Points `store` at this database. `path` stays: it is the node's staging directory from now on.
    pub fn apply(&self, store: &mut StoreConfig) {
        let setting =
            |file: &Option<PathBuf>| file.as_ref().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        store.backend = StoreBackend::Postgres;
        store.url = self.url.clone();
        store.password_file = setting(&self.password_file);
        store.ca_file = setting(&self.ca_file);
    }
}

fn absolute(file: Option<&Path>, flag: &str) -> Outcome<Option<PathBuf>> {
    file.map(|file| std::path::absolute(file).map_err(|error| usage!("{flag} {}: {error}", file.display()))).transpose()
}
