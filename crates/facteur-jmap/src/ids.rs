//! How store identifiers are spelled as JMAP ids (RFC 8620 §1.2: 1–255 characters of `A-Za-z0-9_-`). A
//! letter says what kind of object an id names, so an id of one kind is never taken for another, and none is
//! all digits (which the RFC advises against).

use facteur_store::{AccountId, BlobId, EmailId, MailboxId, ModSeq, ThreadId};

pub fn account(id: AccountId) -> String {
    format!("A{}", id.0)
}

pub fn parse_account(id: &str) -> Option<AccountId> {
    number(id, 'A').map(AccountId)
}

pub fn mailbox(id: MailboxId) -> String {
    format!("M{}", id.0)
}

pub fn parse_mailbox(id: &str) -> Option<MailboxId> {
    number(id, 'M').map(MailboxId)
}

pub fn email(id: EmailId) -> String {
    format!("E{}", id.0)
}

pub fn parse_email(id: &str) -> Option<EmailId> {
    number(id, 'E').map(EmailId)
}

pub fn thread(id: ThreadId) -> String {
    format!("T{}", id.0)
}

pub fn parse_thread(id: &str) -> Option<ThreadId> {
    number(id, 'T').map(ThreadId)
}

/// The one identity each account has (more when identities are stored).
pub fn identity(id: AccountId) -> String {
    format!("I{}", id.0)
}

/// A state string: the account's change counter (RFC 8620 §1.6.2 only asks that it change with the data).
pub fn state(modseq: ModSeq) -> String {
    format!("S{}", modseq.0)
}

pub fn parse_state(state: &str) -> Option<ModSeq> {
    state.strip_prefix('S')?.parse().ok().map(ModSeq)
}

/// What a blob id names. Message bytes are reached through the email they belong to, so reading a blob is
/// allowed exactly when reading that email is; an upload is the uploading account's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blob {
    /// The whole message (RFC 8621 §4.1.1 `blobId`).
    Message(EmailId),
    /// One body part, decoded (RFC 8621 §4.1.4): its index among the message's parts.
    Part(EmailId, usize),
    /// Uploaded content, by its SHA-256.
    Upload(BlobId),
}

pub fn blob(blob: Blob) -> String {
    match blob {
        Blob::Message(email) => format!("B{}", email.0),
        Blob::Part(email, part) => format!("B{}-{part}", email.0),
        Blob::Upload(id) => format!("U{}", hex(&id.0)),
    }
}

pub fn parse_blob(id: &str) -> Option<Blob> {
    if let Some(hex_digits) = id.strip_prefix('U') {
        return unhex(hex_digits).map(|bytes| Blob::Upload(BlobId(bytes)));
    }
    let rest = id.strip_prefix('B')?;
    match rest.split_once('-') {
        Some((email, part)) => Some(Blob::Part(EmailId(digits(email)?), usize::try_from(digits(part)?).ok()?)),
        None => Some(Blob::Message(EmailId(digits(rest)?))),
    }
}

fn number(id: &str, kind: char) -> Option<i64> {
    digits(id.strip_prefix(kind)?)
}

/// Plain decimal digits only: `+1`, `01` or spaces would give two spellings of one id.
fn digits(text: &str) -> Option<i64> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_kinds_never_mix() {
        assert_eq!(parse_mailbox(&mailbox(MailboxId(7))), Some(MailboxId(7)));
        assert_eq!(parse_email(&email(EmailId(42))), Some(EmailId(42)));
        assert_eq!(parse_mailbox(&email(EmailId(42))), None);
        assert_eq!(parse_state(&state(ModSeq(9))), Some(ModSeq(9)));
        for bad in ["M", "M-1", "M+1", "M01", "M1 ", "m1", "M99999999999999999999"] {
            assert_eq!(parse_mailbox(bad), None, "{bad}");
        }
    }

    #[test]
    fn blob_ids_name_messages_parts_and_uploads() {
        for blob_ref in [Blob::Message(EmailId(3)), Blob::Part(EmailId(3), 2), Blob::Upload(BlobId([0xab; 32]))] {
            let id = blob(blob_ref);
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{id}");
            assert_eq!(parse_blob(&id), Some(blob_ref));
        }
        assert_eq!(parse_blob("Uzz"), None);
        assert_eq!(parse_blob("B3-x"), None);
    }
}
