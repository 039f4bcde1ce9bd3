//! A PostgreSQL store named on the command line (`init --store`, `store migrate --to`): its URL, the file that
//! holds its password, and the `[store]` settings they make. One place, so both commands write the same.

use std::path::{Path, PathBuf};

use facteur_config::{StoreBackend, StoreConfig};

use crate::failure::{Outcome, usage};

/// `--store URL [--store-password-file FILE]`, or `--to URL [--password-file FILE]`.
pub struct PostgresSetup {
    pub url: String,
    /// Absolute, so that it still names the same file from the data directory.
    pub password_file: Option<PathBuf>,
}

impl PostgresSetup {
    /// `flag` is the password file's option, for the error if its path cannot be made absolute.
    pub fn new(url: String, password_file: Option<&Path>, flag: &str) -> Outcome<PostgresSetup> {
        let password_file = match password_file {
            None => None,
            Some(file) => {
                Some(std::path::absolute(file).map_err(|error| usage!("{flag} {}: {error}", file.display()))?)
            }
        };
        Ok(PostgresSetup { url, password_file })
    }

    /// Points `store` at this database. `path` stays: it is the node's staging directory from now on.
    pub fn apply(&self, store: &mut StoreConfig) {
        store.backend = StoreBackend::Postgres;
        store.url = self.url.clone();
        store.password_file = self.password_file.as_ref().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    }
}
