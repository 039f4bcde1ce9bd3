//! The verdict for one account: what was found at the end of DATA (the same for every recipient), plus what
//! only the account knows: whether its user writes to the sender, and its own classifier's opinion.

use std::sync::OnceLock;

use facteur_message::MessageSummary;
use facteur_store::{AccountId, SpamClass, Store, StoreError};
use tracing::info;

use crate::verdict::{Action, Thresholds, Verdict};
use crate::{Reason, bayes, training};

/// What the end of DATA found, carried to delivery.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// The reasons every recipient shares (content checks, DNS lists).
    pub verdict: Verdict,
    pub thresholds: Thresholds,
    /// Our host name, first in `X-Spam-Reasons:`.
    pub hostname: String,
    /// The From: address, when its domain sent the message (DMARC or an aligned pass): only then may it
    /// count as a correspondent.
    pub authenticated_from: Option<String>,
    /// Whether accounts' classifiers are asked.
    pub bayes: bool,
    /// The message as parsed at the end of DATA (without our header fields): delivery judges each account's
    /// copy on it rather than parse again.
    pub summary: MessageSummary,
}

/// One account's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountVerdict {
    pub verdict: Verdict,
    pub action: Action,
    /// `X-Spam-Status:` and `X-Spam-Reasons:`, for the account's copy.
    pub header_fields: String,
}

/// The message as delivery holds it; its tokens are computed at most once, and only when a classifier asks
/// (`OnceLock`: delivery futures move between threads).
pub struct Judged<'a> {
    raw: &'a [u8],
    summary: &'a MessageSummary,
    tokens: OnceLock<Vec<i64>>,
}

impl<'a> Judged<'a> {
    pub fn new(raw: &'a [u8], summary: &'a MessageSummary) -> Self {
        Judged { raw, summary, tokens: OnceLock::new() }
    }

    fn tokens(&self) -> &[i64] {
        self.tokens.get_or_init(|| bayes::tokens(self.raw, self.summary))
    }
}

impl Judgement {
    /// The account's verdict: one store read (its profile), and a second for token counts only when its
    /// classifier has learnt enough to speak. Mail from a correspondent also teaches the classifier what the
    /// user wants (the ham that a user rarely moves anywhere).
    pub async fn for_account(
        &self,
        store: &dyn Store,
        account: AccountId,
        message: &Judged<'_>,
    ) -> Result<AccountVerdict, StoreError> {
        let verdict = self.assess(store, account, message).await?;
        if self.bayes && verdict.verdict.known_correspondent.is_some() {
            let digest = training::digest(message.raw, message.summary);
            store.train_spam(account, &digest, message.tokens(), Some(SpamClass::Ham)).await?;
        }
        Ok(verdict)
    }

    /// The account's verdict, learning nothing: what `facteur spam explain` shows.
    pub async fn assess(
        &self,
        store: &dyn Store,
        account: AccountId,
        message: &Judged<'_>,
    ) -> Result<AccountVerdict, StoreError> {
        let mut verdict = self.verdict.clone();
        let from = self.authenticated_from.as_deref().unwrap_or_default();
        let profile = store.spam_profile(account, from).await?;
        if profile.correspondent && !from.is_empty() {
            verdict.known_correspondent = Some(from.to_owned());
        }
        if self.bayes
            && let Some(reason) = self.classify(store, account, message, profile).await?
        {
            verdict.reasons.push(reason);
        }
        let action = verdict.action(&self.thresholds);
        let header_fields = verdict.header_fields(&self.thresholds, &self.hostname);
        Ok(AccountVerdict { verdict, action, header_fields })
    }

    async fn classify(
        &self,
        store: &dyn Store,
        account: AccountId,
        message: &Judged<'_>,
        profile: facteur_store::SpamProfile,
    ) -> Result<Option<Reason>, StoreError> {
        let mut knowledge = bayes::Knowledge {
            spam_messages: profile.spam_messages,
            ham_messages: profile.ham_messages,
            tokens: Vec::new(),
        };
        if !knowledge.is_trained() {
            return Ok(None);
        }
        let counts = store.spam_tokens(account, message.tokens()).await?;
        knowledge.tokens = counts.into_iter().map(|counts| (counts.token, counts.spam, counts.ham)).collect();
        let Some(probability) = bayes::spam_probability(&knowledge) else { return Ok(None) };
        info!(account = account.0, probability = format!("{probability:.3}"), "spam classifier asked");
        Ok(bayes::reason(probability))
    }
}
