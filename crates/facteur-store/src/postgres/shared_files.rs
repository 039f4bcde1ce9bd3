//! SQL for the files every node mirrors into its data directory (`crate::shared::SharedState`).

use crate::error::Result;
use crate::postgres::sql::{Tx, exec, rows};
use crate::shared::{SharedFile, SharedFileVersion};

pub(crate) async fn versions(tx: &Tx<'_>) -> Result<Vec<SharedFileVersion>> {
    let found = rows(tx, "SELECT directory, name, version FROM shared_files ORDER BY directory, name", &[]).await?;
    found
        .iter()
        .map(|row| {
            Ok(SharedFileVersion { directory: row.try_get(0)?, name: row.try_get(1)?, version: row.try_get(2)? })
        })
        .collect()
}

pub(crate) async fn directory(tx: &Tx<'_>, directory: &str) -> Result<Vec<SharedFile>> {
    let found =
        rows(tx, "SELECT name, content, version FROM shared_files WHERE directory = $1 ORDER BY name", &[&directory])
            .await?;
    found
        .iter()
        .map(|row| {
            Ok(SharedFile {
                directory: directory.to_owned(),
                name: row.try_get(0)?,
                content: row.try_get(1)?,
                version: row.try_get(2)?,
            })
        })
        .collect()
}

/// Makes `files` the whole of `directory`. A file whose content is unchanged keeps its version, so other
/// nodes fetch nothing for it.
pub(crate) async fn replace(
    tx: &Tx<'_>,
    directory: &str,
    files: &[(String, Vec<u8>)],
    now: i64,
) -> Result<Vec<SharedFile>> {
    // Serialises replacements of one directory: two nodes pushing at once end with one whole directory.
    exec(tx, "SELECT pg_advisory_xact_lock(hashtext('shared_files ' || $1))", &[&directory]).await?;
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    exec(tx, "DELETE FROM shared_files WHERE directory = $1 AND NOT (name = ANY($2))", &[&directory, &names]).await?;
    for (name, content) in files {
        exec(
            tx,
            "INSERT INTO shared_files (directory, name, content, version, updated_at) \
             VALUES ($1, $2, $3, nextval('shared_file_versions'), $4) \
             ON CONFLICT (directory, name) DO UPDATE \
             SET content = EXCLUDED.content, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at \
             WHERE shared_files.content IS DISTINCT FROM EXCLUDED.content",
            &[&directory, name, content, &now],
        )
        .await?;
    }
    self::directory(tx, directory).await
}
