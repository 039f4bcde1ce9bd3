//! What an operation refuses, and why.

use facteur_store::StoreError;

/// Why an operation was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Refused as asked: the message says what to change (the CLI exits 2, the page shows it).
    #[error("{0}")]
    Refused(String),
    /// The store refused or failed; [`AdminError::is_refusal`] tells which.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something on the server's side failed (hashing a password, writing a key).
    #[error("{0}")]
    Failed(String),
}

impl AdminError {
    /// Whether the operator asked for something that cannot be (a name taken, a domain unknown), as opposed
    /// to the server failing to do it.
    pub fn is_refusal(&self) -> bool {
        match self {
            AdminError::Refused(_) => true,
            AdminError::Store(error) => matches!(
                error,
                StoreError::NotFound(..)
                    | StoreError::AlreadyExists(..)
                    | StoreError::InvalidAddress(..)
                    | StoreError::DomainNotLocal(..)
                    | StoreError::DomainInUse { .. }
                    | StoreError::AddressInUse(..)
                    | StoreError::NoSuchQueueEntry(..)
            ),
            AdminError::Failed(_) => false,
        }
    }
}
