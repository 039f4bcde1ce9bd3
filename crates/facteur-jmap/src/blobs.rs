//! Reading and writing blobs (RFC 8620 §6): uploads are stored content-addressed in the blob store and
//! remembered for their account; message blobs and their parts are read through the email they belong to,
//! so a blob id gives nothing its holder could not read as an email.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use facteur_store::{Account, AccountId, BlobId};

use crate::Inner;
use crate::ids::{self, Blob};
use crate::methods::email::properties::part_content;
use crate::protocol::MethodError;

/// How long an upload stays usable without being referenced (RFC 8620 §6.1 recommends at least an hour). The
/// file itself goes with the store's orphan sweep once nothing references it.
pub const UPLOAD_LIFETIME: Duration = Duration::from_secs(3600);

/// Uploads per account, not yet expired.
#[derive(Debug, Default)]
pub(crate) struct Uploads {
    held: Mutex<HashMap<(AccountId, BlobId), Instant>>,
}

impl Uploads {
    pub fn remember(&self, account: AccountId, blob: BlobId) {
        let now = Instant::now();
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.retain(|_, at| now.saturating_duration_since(*at) < UPLOAD_LIFETIME);
        held.insert((account, blob), now);
    }

    fn holds(&self, account: AccountId, blob: BlobId) -> bool {
        let held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        held.get(&(account, blob)).is_some_and(|at| at.elapsed() < UPLOAD_LIFETIME)
    }
}

/// The bytes of `blob_id` if `account` may read them.
pub(crate) async fn read(inner: &Inner, account: &Account, blob_id: &str) -> Result<Option<Vec<u8>>, MethodError> {
    let Some(blob) = ids::parse_blob(blob_id) else { return Ok(None) };
    let store = inner.store.as_ref();
    match blob {
        Blob::Upload(id) if inner.uploads.holds(account.id, id) => {
            // An upload is a file no message references yet: read from the blob files themselves.
            let files = store.blobs().clone();
            let read = tokio::task::spawn_blocking(move || files.read(id)).await;
            Ok(read.map_err(|_| MethodError::server_fail("reading the upload failed"))?.ok())
        }
        Blob::Upload(_) => Ok(None),
        Blob::Message(email) | Blob::Part(email, _) => {
            let Some(found) = store.emails(account.id, &[email]).await?.into_iter().next() else { return Ok(None) };
            let raw = store.read_blob(found.message.blob).await?;
            match blob {
                Blob::Part(_, index) => Ok(tokio::task::spawn_blocking(move || part_content(&raw, index))
                    .await
                    .map_err(|_| MethodError::server_fail("decoding the part failed"))?),
                _ => Ok(Some(raw)),
            }
        }
    }
}
