//! THE rules on what a local account sends (issue 18): how many messages and recipients an hour, and when its
//! outgoing mail is held because it looks stolen (its remote deliveries bounce, or its volume leaps far above
//! its usual). The store counts, where every node on one database sees the same figures
//! (`facteur_store::sending`); this module decides. [`crate::Submission`] applies the limits and counts each
//! message, the delivery engine reports outcomes and leaves held accounts' messages alone.
//!
//! A held account's new messages are still accepted and queued, held with the rest: a false alarm (a user's
//! legitimate mailing) then loses nothing and is sent once the operator releases it, clients do not pile up
//! retries, and whoever stole the password is not told that they have been noticed.

use facteur_store::{Account, AccountId, Store, StoreError};
use tracing::warn;

/// One hour, the window of the rate limits and of "the last hour's volume".
const HOUR: i64 = 3600;
/// How many hours back an account's usual volume is judged from: a week.
const USUAL_HOURS: i64 = 7 * 24;
const USUAL_WINDOW: i64 = USUAL_HOURS * HOUR;

/// `[outbound]` as delivery applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendingPolicy {
    /// Messages one account may submit per hour; 0: unlimited.
    pub max_messages_per_hour: u64,
    /// Recipients (local and remote) one account's messages may name per hour; 0: unlimited.
    pub max_recipients_per_hour: u64,
    pub bounce_hold: Option<BounceHold>,
    pub volume_hold: Option<VolumeHold>,
}

/// Hold an account when more than `percent` of its last `window` remote delivery outcomes were bounces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BounceHold {
    pub percent: u64,
    pub window: u64,
}

/// Hold an account whose last hour's messages are at least `min_messages` and more than `factor` times its
/// hourly average over the past week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VolumeHold {
    pub factor: u64,
    pub min_messages: u64,
}

/// Which hourly limit was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limited {
    Messages,
    Recipients,
}

/// An account at one of its hourly limits: the message (or recipient) may be tried again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{account} has sent {used} {what} in the last hour (limit {limit})")]
pub struct RateLimited {
    pub account: String,
    pub what: Limited,
    pub used: u64,
    pub limit: u64,
}

impl std::fmt::Display for Limited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Limited::Messages => "messages",
            Limited::Recipients => "recipients",
        })
    }
}

impl Default for SendingPolicy {
    /// No limit and no hold: what a [`crate::Submission`] does until told otherwise (the binary passes
    /// `[outbound]`, whose defaults are not these).
    fn default() -> SendingPolicy {
        SendingPolicy { max_messages_per_hour: 0, max_recipients_per_hour: 0, bounce_hold: None, volume_hold: None }
    }
}

impl SendingPolicy {
    /// Whether `account` may send one more message to `recipients` more recipients at `now` (0 recipients:
    /// whether it may start a message at all). `Ok(Some(_))` names the limit reached.
    pub async fn check(
        &self,
        store: &dyn Store,
        account: &Account,
        recipients: u64,
        now: i64,
    ) -> Result<Option<RateLimited>, StoreError> {
        if self.max_messages_per_hour == 0 && self.max_recipients_per_hour == 0 {
            return Ok(None);
        }
        let usage = store.sending_usage(account.id, now - HOUR + 1).await?;
        let limited = |what, used, limit| Some(RateLimited { account: account.address.clone(), what, used, limit });
        let messages = self.max_messages_per_hour;
        if messages > 0 && usage.messages >= messages {
            return Ok(limited(Limited::Messages, usage.messages, messages));
        }
        let most = self.max_recipients_per_hour;
        if most > 0 && usage.recipients.saturating_add(recipients) > most {
            return Ok(limited(Limited::Recipients, usage.recipients, most));
        }
        Ok(None)
    }

    /// Counts a message `account` submitted to `recipients` recipients, and holds the account if its volume
    /// has leapt.
    pub async fn count_message(
        &self,
        store: &dyn Store,
        account: &Account,
        recipients: u64,
        now: i64,
    ) -> Result<(), StoreError> {
        store.record_sending(account.id, now, recipients, now - USUAL_WINDOW).await?;
        let Some(volume) = self.volume_hold else {
            return Ok(());
        };
        // Judged from the last release on: the operator has seen that hour's volume and let it go.
        let released = store.account_released_at(account.id).await?.unwrap_or(i64::MIN);
        let hour_start = (now - HOUR + 1).max(released);
        let last_hour = store.sending_usage(account.id, hour_start).await?.messages;
        let week = store.sending_usage(account.id, now - USUAL_WINDOW).await?.messages;
        let earlier = week.saturating_sub(last_hour);
        // The average of the hours before this one, rounded up: a quiet account's usual is at least 1 once it
        // has sent anything.
        let usual = earlier.div_ceil((USUAL_HOURS - 1).unsigned_abs());
        if last_hour >= volume.min_messages && last_hour > volume.factor.saturating_mul(usual) {
            let reason = format!(
                "{last_hour} messages in the last hour, over {} times its usual {usual} an hour",
                volume.factor
            );
            hold(store, account.id, &account.address, &reason, now).await?;
        }
        Ok(())
    }

    /// Keeps the final outcomes of `account`'s remote deliveries (`true`: bounced; deferrals are no outcome
    /// yet) and holds the account when too many of its last ones bounced.
    pub async fn count_outcomes(
        &self,
        store: &dyn Store,
        account: AccountId,
        bounced: Vec<bool>,
        now: i64,
    ) -> Result<(), StoreError> {
        let Some(rule) = self.bounce_hold else {
            return Ok(());
        };
        if bounced.is_empty() {
            return Ok(());
        }
        let tally = store.record_outcomes(account, now, bounced, rule.window).await?;
        // A full window only: one bounce out of one delivery says nothing yet.
        if tally.outcomes >= rule.window
            && tally.bounced.saturating_mul(100) > rule.percent.saturating_mul(tally.outcomes)
        {
            let reason = format!(
                "{} of its last {} remote deliveries bounced (over {}%)",
                tally.bounced, tally.outcomes, rule.percent
            );
            let address = store.account(account).await?.map_or_else(|| format!("account {}", account.0), |a| a.address);
            hold(store, account, &address, &reason, now).await?;
        }
        Ok(())
    }
}

/// Holds the account's outgoing mail and says so, once.
async fn hold(store: &dyn Store, account: AccountId, address: &str, reason: &str, now: i64) -> Result<(), StoreError> {
    if store.hold_account(account, reason, now).await? {
        warn!(
            account = %address,
            %reason,
            "outbound: the account's outgoing mail is held until an operator releases it \
             (facteur queue release --account {address})"
        );
    }
    Ok(())
}
