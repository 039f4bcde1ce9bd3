//! One module per top-level command.

pub mod account;
pub mod alias;
pub mod backup;
pub mod dkim;
pub mod dns_records;
pub mod domain;
pub mod export;
/// The flags of Maildir and mbox files as the store's, and back (import and export).
mod file_flags;
pub mod import;
pub mod init;
pub mod queue;
pub mod reindex;
pub mod restore;
pub mod serve;
pub mod spam;
pub mod stats;
pub mod store;
pub mod tls_report;
pub mod trace;

use std::path::Path;

use anyhow::Context;

use crate::failure::{Outcome, usage};

/// Creates `dir`, or accepts it if empty: what export and backup write into, so that they never mix with,
/// or overwrite, other files.
pub fn new_or_empty_directory(dir: &Path, doing: &str) -> Outcome {
    if let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(usage!("{} is not empty: {doing} into a new or empty directory", dir.display()));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(())
}
