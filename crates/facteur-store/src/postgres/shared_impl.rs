//! [`SharedState`] for [`PostgresStore`]: each method is one transaction of the functions beside this file.

use async_trait::async_trait;

use super::{PostgresStore, http01, login_failures, shared_files};
use crate::error::Result;
use crate::shared::{SharedFile, SharedFileVersion, SharedState};

#[async_trait]
impl SharedState for PostgresStore {
    async fn count_login_failure(&self, keys: &[String], now: i64, stale_before: i64) -> Result<()> {
        self.write(keys.to_vec(), move |tx, _, keys| Box::pin(login_failures::count(tx, keys, now, stale_before))).await
    }

    async fn login_failures(&self, keys: &[String], stale_before: i64) -> Result<Vec<u32>> {
        self.read(keys.to_vec(), move |tx, keys| Box::pin(login_failures::recent(tx, keys, stale_before))).await
    }

    async fn forget_login_failures(&self, keys: &[String]) -> Result<()> {
        self.write(keys.to_vec(), |tx, _, keys| Box::pin(login_failures::forget(tx, keys))).await
    }

    async fn prune_login_failures(&self, stale_before: i64, keep: u64) -> Result<u64> {
        self.write((), move |tx, _, ()| Box::pin(login_failures::prune(tx, stale_before, keep))).await
    }

    async fn shared_file_versions(&self) -> Result<Vec<SharedFileVersion>> {
        self.read((), |tx, ()| Box::pin(shared_files::versions(tx))).await
    }

    async fn shared_files(&self, directory: &str) -> Result<Vec<SharedFile>> {
        self.read(directory.to_owned(), |tx, directory| Box::pin(shared_files::directory(tx, directory))).await
    }

    async fn replace_shared_files(
        &self,
        directory: &str,
        files: Vec<(String, Vec<u8>)>,
        now: i64,
    ) -> Result<Vec<SharedFile>> {
        self.write((directory.to_owned(), files), move |tx, _, (directory, files)| {
            Box::pin(shared_files::replace(tx, directory, files, now))
        })
        .await
    }

    async fn publish_http01(&self, token: &str, key_authorization: &str, now: i64, until: i64) -> Result<()> {
        self.write((token.to_owned(), key_authorization.to_owned()), move |tx, _, (token, key_authorization)| {
            Box::pin(http01::publish(tx, token, key_authorization, now, until))
        })
        .await
    }

    async fn http01_answer(&self, token: &str, now: i64) -> Result<Option<String>> {
        self.read(token.to_owned(), move |tx, token| Box::pin(http01::answer(tx, token, now))).await
    }

    async fn withdraw_http01(&self, token: &str) -> Result<()> {
        self.write(token.to_owned(), |tx, _, token| Box::pin(http01::withdraw(tx, token))).await
    }
}
