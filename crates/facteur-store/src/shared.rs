//! State that several nodes on one database share and a single node keeps to itself: login failure counts,
//! the files every node mirrors into its data directory (DKIM keys, the ACME certificate), and the http-01
//! answers the CA may ask any node for.
//!
//! Only a backend several nodes share has it ([`crate::Store::shared`]): with SQLite the one node counts
//! failures in memory, its data directory is the only copy of its files and its http listener answers the
//! CA from memory, so nothing here would have a reader. Callers that get `None` keep doing just that.
//!
//! The store gives these no meaning: failure keys, file names and contents are opaque to it. It never
//! receives a password (`facteur-auth` passes digests of what it counts).

use async_trait::async_trait;

use crate::error::Result;

/// One file of a shared directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFile {
    /// The directory, relative to a data directory, `/`-separated (`dkim/example.com`, `acme`).
    pub directory: String,
    /// The file's name in it.
    pub name: String,
    pub content: Vec<u8>,
    /// Changes whenever the content does, and only then; never reused, whatever the file.
    pub version: i64,
}

/// A shared file without its content: what a node compares with what it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFileVersion {
    pub directory: String,
    pub name: String,
    pub version: i64,
}

/// What the nodes of one database share besides the mail (see the module documentation).
#[async_trait]
pub trait SharedState: Send + Sync {
    // ---- Login failures, by opaque key (a client network, an account) ----

    /// Counts one failure for each of `keys` at `now` (unix seconds). A key whose last failure is at or before
    /// `stale_before` starts again from one.
    async fn count_login_failure(&self, keys: &[String], now: i64, stale_before: i64) -> Result<()>;
    /// How many failures each of `keys` has (in the same order), 0 for one unknown or last counted at or
    /// before `stale_before`.
    async fn login_failures(&self, keys: &[String], stale_before: i64) -> Result<Vec<u32>>;
    /// Forgets the counts of `keys`.
    async fn forget_login_failures(&self, keys: &[String]) -> Result<()>;
    /// Forgets every count last counted at or before `stale_before`, then, if more than `keep` remain, the
    /// oldest of them until `keep` do. Returns how many were forgotten.
    async fn prune_login_failures(&self, stale_before: i64, keep: u64) -> Result<u64>;

    // ---- Shared files, by directory ----

    /// Every shared file's directory, name and version (no content: this is what a node polls).
    async fn shared_file_versions(&self) -> Result<Vec<SharedFileVersion>>;
    /// The files of `directory`, read in one snapshot so that they belong together.
    async fn shared_files(&self, directory: &str) -> Result<Vec<SharedFile>>;
    /// Makes `files` (name, content) the whole of `directory`, in one transaction: names not given are
    /// removed, and only files whose content changed get a new version. Returns the directory as stored.
    async fn replace_shared_files(
        &self,
        directory: &str,
        files: Vec<(String, Vec<u8>)>,
        now: i64,
    ) -> Result<Vec<SharedFile>>;

    // ---- ACME http-01 answers (RFC 8555 §8.3) ----

    /// Publishes the key authorization for `token` until `until` (unix seconds); forgets expired ones.
    async fn publish_http01(&self, token: &str, key_authorization: &str, now: i64, until: i64) -> Result<()>;
    /// The key authorization published for `token`, if it has not expired at `now`.
    async fn http01_answer(&self, token: &str, now: i64) -> Result<Option<String>>;
    async fn withdraw_http01(&self, token: &str) -> Result<()>;
}
