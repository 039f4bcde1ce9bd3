//! Learning from what users do: a message moved into Junk is spam to its owner, one moved out of Junk (but
//! not to Trash) was not. IMAP, JMAP, the webmail and `facteur spam train` all learn through [`learn`].

use facteur_message::{MessageSummary, header_length};
use facteur_store::{AccountId, Mailbox, SpamClass, SpecialUse, Store, StoreError, Uid};
use tracing::{info, warn};

use crate::bayes;

/// What a move from a mailbox of role `from` to one of role `to` teaches: `Some(class)` to learn, `None`
/// when the move says nothing (between ordinary folders, spam thrown away from Junk to Trash).
pub fn class_for_move(from: Option<SpecialUse>, to: Option<SpecialUse>) -> Option<SpamClass> {
    match (from, to) {
        (Some(SpecialUse::Junk), Some(SpecialUse::Junk)) => None,
        (_, Some(SpecialUse::Junk)) => Some(SpamClass::Spam),
        (Some(SpecialUse::Junk), Some(SpecialUse::Trash)) => None,
        (Some(SpecialUse::Junk), _) => Some(SpamClass::Ham),
        _ => None,
    }
}

/// The message's identity in the training records: SHA-256 of its Message-ID and its body. Both stay the
/// same when servers (ours included) add header fields on top, so the copy in Junk and the one delivered are
/// the same message.
pub fn digest(raw: &[u8], summary: &MessageSummary) -> String {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    context.update(summary.envelope.message_id.as_deref().unwrap_or_default().trim().as_bytes());
    context.update(b"\0");
    context.update(raw.get(header_length(raw)..).unwrap_or_default());
    context.finish().as_ref().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Teaches `account`'s classifier that `raw` is `class` (forgets it with `None`). `Ok(false)`: it knew.
pub async fn learn(
    store: &dyn Store,
    account: AccountId,
    raw: &[u8],
    class: Option<SpamClass>,
) -> Result<bool, StoreError> {
    let summary = facteur_message::ingest(raw);
    let tokens = bayes::tokens(raw, &summary);
    let changed = store.train_spam(account, &digest(raw, &summary), &tokens, class).await?;
    if changed {
        let taught = class.map_or("forget", SpamClass::as_str);
        info!(account = account.0, class = taught, tokens = tokens.len(), "spam classifier trained");
    }
    Ok(changed)
}

/// Messages learnt from one move at most: a user moving a whole archive into Junk must not hold the command
/// for minutes. The rest keep their training as it was.
pub const MAX_LEARNT_PER_MOVE: usize = 1000;

/// Teaches `account`'s classifier what a move or copy from a mailbox of role `from` into `to` says about the
/// messages it placed there (their new UIDs in `to`). Called once the move is done: a failure is logged, since
/// the move itself stands.
pub async fn learn_from_move(
    store: &dyn Store,
    account: AccountId,
    from: Option<SpecialUse>,
    to: &Mailbox,
    placed: &[Uid],
) {
    let Some(class) = class_for_move(from, to.special_use) else { return };
    let (Some(&first), Some(&last)) = (placed.iter().min(), placed.iter().max()) else { return };
    let messages = match store.messages_in_range(to.id, first, last).await {
        Ok(messages) => messages,
        Err(error) => return warn!(%error, "moved messages could not be read to train the spam classifier"),
    };
    let moved = messages.iter().filter(|message| placed.contains(&message.uid));
    if placed.len() > MAX_LEARNT_PER_MOVE {
        info!(
            account = account.0,
            moved = placed.len(),
            learnt = MAX_LEARNT_PER_MOVE,
            "large move: learning from part"
        );
    }
    for message in moved.take(MAX_LEARNT_PER_MOVE) {
        let learnt = match store.read_blob(message.blob).await {
            Ok(raw) => learn(store, account, &raw, Some(class)).await,
            Err(error) => Err(error),
        };
        if let Err(error) = learnt {
            warn!(%error, uid = message.uid.get(), "a moved message could not train the spam classifier");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_that_teach() {
        use SpecialUse::{Junk, Sent, Trash};
        assert_eq!(class_for_move(None, Some(Junk)), Some(SpamClass::Spam));
        assert_eq!(class_for_move(Some(Sent), Some(Junk)), Some(SpamClass::Spam));
        assert_eq!(class_for_move(Some(Junk), None), Some(SpamClass::Ham));
        assert_eq!(class_for_move(Some(Junk), Some(Trash)), None);
        assert_eq!(class_for_move(None, Some(Trash)), None);
        assert_eq!(class_for_move(Some(Junk), Some(Junk)), None);
    }

    #[test]
    fn the_digest_ignores_fields_added_on_top() {
        let original = b"Message-ID: <1@example.org>\r\nSubject: x\r\n\r\nbody\r\n";
        let mut delivered = b"Return-Path: <a@example.org>\r\nX-Spam-Status: No\r\n".to_vec();
        delivered.extend_from_slice(original);
        let digest_of = |raw: &[u8]| digest(raw, &facteur_message::ingest(raw));
        assert_eq!(digest_of(original), digest_of(&delivered));
        assert_ne!(digest_of(original), digest_of(b"Message-ID: <2@example.org>\r\nSubject: x\r\n\r\nbody\r\n"));
    }
}
