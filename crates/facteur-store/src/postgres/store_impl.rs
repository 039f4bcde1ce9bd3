//! [`Store`] for [`PostgresStore`]: each method is one transaction of the functions beside this file.

use std::sync::Arc;

use async_trait::async_trait;
use facteur_primitives::{SearchText, ThreadKeys, unix_now};
use tokio::sync::broadcast;

use super::{
    PostgresStore, accounts, changes, content, history, leases, mailboxes, messages, queue, sending, sieve, spam,
    text_index, tls_policy,
};
use crate::account::{Account, Alias, Identity, RecipientLookup, Resolution, Vacation, normalize_domain};
use crate::blob::{BlobId, BlobStore};
use crate::change::Change;
use crate::error::{Result, StoreError};
use crate::flags::FlagChange;
use crate::history::{DeliveryEvent, HistoryQuery};
use crate::ids::{AccountId, EmailId, MailboxId, ModSeq, QueueId, ThreadId, Uid};
use crate::mailbox::{Mailbox, SpecialUse};
use crate::message::{
    AccountChanges, Delivered, Delivery, DeliveryTarget, EmailMeta, FlagsStored, MailboxChanges, MessageMeta,
};
use crate::queue::{DeliveryAttempt, QueueAction, QueueEntry, QueuedEnvelope, QueuedMessage, validate};
use crate::sending::{AccountHold, OutcomeTally, SendingUsage};
use crate::shared::SharedState;
use crate::sieve::{SieveLimits, SieveScriptInfo};
use crate::spam::{Greylisting, SpamClass, SpamProfile, TokenCounts};
use crate::store::Store;
use crate::tls_policy::{CachedStsPolicy, TlsResultCount, TlsSessionResult};

impl PostgresStore {
    /// The staged file of `id`, if this node has one: the content a [`Store::deliver`] or [`Store::enqueue`]
    /// stores when the blob has no row yet.
    async fn staged(&self, id: BlobId) -> Result<Option<Arc<[u8]>>> {
        let blobs = self.blobs.clone();
        let read = tokio::task::spawn_blocking(move || blobs.read(id)).await.map_err(|_| StoreError::Closed)?;
        match read {
            Ok(bytes) => Ok(Some(bytes.into())),
            Err(StoreError::BlobMissing(_)) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

#[async_trait]
impl Store for PostgresStore {
    fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.bus.subscribe()
    }

    async fn close(&self) -> Result<()> {
        self.close_now();
        Ok(())
    }

    fn shared(self: Arc<Self>) -> Option<Arc<dyn SharedState>> {
        Some(self)
    }

    async fn try_lease(&self, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
        self.write((name.to_owned(), holder.to_owned()), move |tx, _, (name, holder)| {
            Box::pin(leases::try_lease(tx, name, holder, now, until))
        })
        .await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        self.write((name.to_owned(), holder.to_owned()), |tx, _, (name, holder)| {
            Box::pin(leases::release(tx, name, holder))
        })
        .await
    }

    async fn add_domain(&self, domain: &str) -> Result<()> {
        self.write(domain.to_owned(), |tx, _, domain| Box::pin(accounts::add_domain(tx, domain))).await
    }

    async fn remove_domain(&self, domain: &str) -> Result<()> {
        self.write(domain.to_owned(), |tx, _, domain| Box::pin(accounts::remove_domain(tx, domain))).await
    }

    async fn list_domains(&self) -> Result<Vec<String>> {
        self.read((), |tx, ()| Box::pin(accounts::list_domains(tx))).await
    }

    async fn is_local_domain(&self, domain: &str) -> Result<bool> {
        let Ok(domain) = normalize_domain(domain) else { return Ok(false) };
        self.read(domain, |tx, domain| Box::pin(accounts::is_local_domain(tx, domain))).await
    }

    async fn create_account(&self, address: &str, password_hash: &str) -> Result<AccountId> {
        let args = (address.to_owned(), password_hash.to_owned());
        self.write(args, |tx, fx, (address, hash)| Box::pin(accounts::create_account(tx, fx, address, hash))).await
    }

    async fn account_by_address(&self, address: &str) -> Result<Option<Account>> {
        self.read(address.to_owned(), |tx, address| Box::pin(accounts::account_by_address(tx, address))).await
    }

    async fn account(&self, id: AccountId) -> Result<Option<Account>> {
        self.read(id, |tx, &id| Box::pin(accounts::account_by_id(tx, id))).await
    }

    async fn list_accounts(&self) -> Result<Vec<Account>> {
        self.read((), |tx, ()| Box::pin(accounts::list_accounts(tx))).await
    }

    async fn set_password(&self, address: &str, password_hash: &str) -> Result<()> {
        let args = (address.to_owned(), password_hash.to_owned());
        self.write(args, |tx, _, (address, hash)| Box::pin(accounts::set_password(tx, address, hash))).await
    }

    async fn set_scram_verifier(&self, account: AccountId, password_hash: &str, verifier: &str) -> Result<bool> {
        let args = (password_hash.to_owned(), verifier.to_owned());
        self.write(args, move |tx, _, (hash, verifier)| {
            Box::pin(accounts::set_scram_verifier(tx, account, hash, verifier))
        })
        .await
    }

    async fn set_quota(&self, address: &str, quota_bytes: Option<u64>) -> Result<()> {
        self.write(address.to_owned(), move |tx, _, address| Box::pin(accounts::set_quota(tx, address, quota_bytes)))
            .await
    }

    async fn set_admin(&self, address: &str, admin: bool) -> Result<()> {
        self.write(address.to_owned(), move |tx, _, address| Box::pin(accounts::set_admin(tx, address, admin))).await
    }

    async fn remove_account(&self, address: &str) -> Result<()> {
        self.write(address.to_owned(), |tx, fx, address| Box::pin(accounts::remove_account(tx, fx, address))).await
    }

    async fn vacation(&self, account: AccountId) -> Result<Vacation> {
        self.read(account, |tx, &account| Box::pin(accounts::vacation(tx, account))).await
    }

    async fn set_vacation(&self, account: AccountId, vacation: Vacation) -> Result<()> {
        self.write(vacation, move |tx, _, vacation| Box::pin(accounts::set_vacation(tx, account, vacation))).await
    }

    async fn vacation_accounts(&self) -> Result<Vec<AccountId>> {
        self.read((), |tx, ()| Box::pin(accounts::vacation_accounts(tx))).await
    }

    async fn sieve_scripts(&self, account: AccountId) -> Result<Vec<SieveScriptInfo>> {
        self.read(account, |tx, &account| Box::pin(sieve::list(tx, account))).await
    }

    async fn sieve_script(&self, account: AccountId, name: &str) -> Result<Option<String>> {
        self.read(name.to_owned(), move |tx, name| Box::pin(sieve::get(tx, account, name))).await
    }

    async fn active_sieve_script(&self, account: AccountId) -> Result<Option<(String, String)>> {
        self.read(account, |tx, &account| Box::pin(sieve::active(tx, account))).await
    }

    async fn put_sieve_script(&self, account: AccountId, name: &str, content: &str, limits: SieveLimits) -> Result<()> {
        let args = (name.to_owned(), content.to_owned());
        self.write(args, move |tx, _, (name, content)| Box::pin(sieve::put(tx, account, name, content, limits))).await
    }

    async fn rename_sieve_script(&self, account: AccountId, name: &str, new_name: &str) -> Result<()> {
        let args = (name.to_owned(), new_name.to_owned());
        self.write(args, move |tx, _, (name, new_name)| Box::pin(sieve::rename(tx, account, name, new_name))).await
    }

    async fn delete_sieve_script(&self, account: AccountId, name: &str) -> Result<()> {
        self.write(name.to_owned(), move |tx, _, name| Box::pin(sieve::delete(tx, account, name))).await
    }

    async fn activate_sieve_script(&self, account: AccountId, name: Option<&str>) -> Result<()> {
        let name = name.map(str::to_owned);
        self.write(name, move |tx, _, name| Box::pin(sieve::activate(tx, account, name.as_deref()))).await
    }

    async fn sieve_tracked(&self, account: AccountId, key: &str, now: i64) -> Result<bool> {
        self.read(key.to_owned(), move |tx, key| Box::pin(sieve::tracked(tx, account, key, now))).await
    }

    async fn track_sieve(&self, account: AccountId, key: &str, now: i64, until: i64) -> Result<bool> {
        self.write(key.to_owned(), move |tx, _, key| Box::pin(sieve::track(tx, account, key, now, until))).await
    }

    async fn spam_profile(&self, account: AccountId, from: &str) -> Result<SpamProfile> {
        self.read(from.to_owned(), move |tx, from| Box::pin(spam::profile(tx, account, from))).await
    }

    async fn spam_tokens(&self, account: AccountId, tokens: &[i64]) -> Result<Vec<TokenCounts>> {
        self.read(tokens.to_vec(), move |tx, tokens| Box::pin(spam::tokens(tx, account, tokens))).await
    }

    async fn train_spam(
        &self,
        account: AccountId,
        digest: &str,
        tokens: &[i64],
        class: Option<SpamClass>,
    ) -> Result<bool> {
        let training = (digest.to_owned(), tokens.to_vec());
        self.write(training, move |tx, _, (digest, tokens)| Box::pin(spam::train(tx, account, digest, tokens, class)))
            .await
    }

    async fn greylist(&self, key: &str, now: i64, policy: Greylisting) -> Result<bool> {
        self.write(key.to_owned(), move |tx, _, key| Box::pin(spam::greylist(tx, key, now, policy))).await
    }

    async fn note_correspondents(&self, account: AccountId, addresses: &[String], now: i64) -> Result<()> {
        let addresses = addresses.to_vec();
        self.write(addresses, move |tx, _, addresses| Box::pin(spam::note_correspondents(tx, account, addresses, now)))
            .await
    }

    async fn identities(&self, account: AccountId) -> Result<Vec<Identity>> {
        self.read(account, |tx, &account| Box::pin(accounts::identities(tx, account))).await
    }

    async fn create_identity(&self, account: AccountId, identity: Identity) -> Result<i64> {
        self.write(identity, move |tx, _, identity| Box::pin(accounts::create_identity(tx, account, identity))).await
    }

    async fn update_identity(&self, account: AccountId, identity: Identity) -> Result<bool> {
        self.write(identity, move |tx, _, identity| Box::pin(accounts::update_identity(tx, account, identity))).await
    }

    async fn delete_identity(&self, account: AccountId, id: i64) -> Result<bool> {
        self.write((), move |tx, _, ()| Box::pin(accounts::delete_identity(tx, account, id))).await
    }

    async fn add_alias(&self, alias: &str, targets: &[String]) -> Result<()> {
        let args = (alias.to_owned(), targets.to_vec());
        self.write(args, |tx, _, (alias, targets)| Box::pin(accounts::add_alias(tx, alias, targets))).await
    }

    async fn remove_alias(&self, alias: &str) -> Result<()> {
        self.write(alias.to_owned(), |tx, _, alias| Box::pin(accounts::remove_alias(tx, alias))).await
    }

    async fn list_aliases(&self) -> Result<Vec<Alias>> {
        self.read((), |tx, ()| Box::pin(accounts::list_aliases(tx))).await
    }

    async fn resolve_recipient(&self, address: &str) -> Result<Option<Resolution>> {
        self.read(address.to_owned(), |tx, address| Box::pin(accounts::resolve_recipient(tx, address))).await
    }

    async fn lookup_recipient(&self, address: &str) -> Result<RecipientLookup> {
        self.read(address.to_owned(), |tx, address| Box::pin(accounts::lookup_recipient(tx, address))).await
    }

    async fn list_mailboxes(&self, account: AccountId) -> Result<Vec<Mailbox>> {
        self.read(account, |tx, &account| Box::pin(mailboxes::list(tx, account))).await
    }

    async fn mailbox(&self, id: MailboxId) -> Result<Option<Mailbox>> {
        self.read(id, |tx, &id| Box::pin(mailboxes::by_id(tx, id))).await
    }

    async fn highest_modseq(&self, id: MailboxId) -> Result<ModSeq> {
        self.read(id, |tx, &id| Box::pin(mailboxes::highest_modseq(tx, id))).await
    }

    async fn mailbox_by_name(&self, account: AccountId, name: &str) -> Result<Option<Mailbox>> {
        self.read(name.to_owned(), move |tx, name| Box::pin(mailboxes::by_name(tx, account, name))).await
    }

    async fn mailbox_by_role(&self, account: AccountId, role: SpecialUse) -> Result<Option<Mailbox>> {
        self.read((), move |tx, ()| Box::pin(mailboxes::by_role(tx, account, role))).await
    }

    async fn create_mailbox(
        &self,
        account: AccountId,
        name: &str,
        special_use: Option<SpecialUse>,
    ) -> Result<MailboxId> {
        self.write(name.to_owned(), move |tx, fx, name| Box::pin(mailboxes::create(tx, fx, account, name, special_use)))
            .await
    }

    async fn rename_mailbox(&self, account: AccountId, from: &str, to: &str) -> Result<()> {
        let args = (from.to_owned(), to.to_owned());
        self.write(args, move |tx, fx, (from, to)| Box::pin(mailboxes::rename(tx, fx, account, from, to))).await
    }

    async fn delete_mailbox(&self, account: AccountId, name: &str) -> Result<()> {
        self.write(name.to_owned(), move |tx, fx, name| Box::pin(mailboxes::delete(tx, fx, account, name))).await
    }

    async fn set_subscribed(&self, account: AccountId, name: &str, subscribed: bool) -> Result<()> {
        self.write(name.to_owned(), move |tx, fx, name| {
            Box::pin(async move {
                mailboxes::lock_account(tx, account).await?;
                mailboxes::set_subscribed(tx, fx, account, name, subscribed).await
            })
        })
        .await
    }

    async fn subscriptions(&self, account: AccountId) -> Result<Vec<String>> {
        self.read(account, |tx, &account| Box::pin(mailboxes::subscriptions(tx, account))).await
    }

    async fn account_state(&self, account: AccountId) -> Result<ModSeq> {
        self.read(account, |tx, &account| Box::pin(changes::account_state(tx, account))).await
    }

    async fn account_changes(&self, account: AccountId, since: ModSeq) -> Result<AccountChanges> {
        self.read((), move |tx, ()| Box::pin(changes::account_changes(tx, account, since))).await
    }

    async fn emails(&self, account: AccountId, ids: &[EmailId]) -> Result<Vec<EmailMeta>> {
        self.read(ids.to_vec(), move |tx, ids| Box::pin(changes::emails(tx, account, ids))).await
    }

    async fn thread_emails(&self, account: AccountId, threads: &[ThreadId]) -> Result<Vec<EmailMeta>> {
        self.read(threads.to_vec(), move |tx, threads| Box::pin(changes::thread_emails(tx, account, threads))).await
    }

    async fn account_emails(&self, account: AccountId) -> Result<Vec<EmailMeta>> {
        self.read(account, |tx, &account| Box::pin(changes::account_emails(tx, account))).await
    }

    async fn newest_first(&self, mailbox: MailboxId) -> Result<Vec<(EmailId, ThreadId)>> {
        self.read(mailbox, |tx, &mailbox| Box::pin(changes::newest_first(tx, mailbox))).await
    }

    async fn deliver(&self, delivery: Delivery) -> Result<Vec<Delivered>> {
        if delivery.targets.is_empty() {
            return Ok(Vec::new());
        }
        let staged = self.staged(delivery.blob).await?;
        self.write((delivery, staged), |tx, fx, (delivery, staged)| {
            Box::pin(messages::deliver(tx, fx, delivery, staged.as_deref()))
        })
        .await
    }

    async fn deliver_content(
        &self,
        content: Arc<[u8]>,
        summary: Vec<u8>,
        internal_date: i64,
        targets: Vec<DeliveryTarget>,
        thread: ThreadKeys,
        text: Option<SearchText>,
    ) -> Result<Vec<Delivered>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let blob = BlobId::of(&content);
        let delivery = Delivery { blob, summary, internal_date, targets, thread, text };
        self.write((delivery, content), |tx, fx, (delivery, content)| {
            Box::pin(messages::deliver(tx, fx, delivery, Some(content)))
        })
        .await
    }

    async fn text_candidates(&self, mailbox: MailboxId, needle: &str) -> Result<Option<Vec<MessageMeta>>> {
        let needle = needle.to_owned();
        self.read((mailbox, needle), |tx, (mailbox, needle)| Box::pin(text_index::candidates(tx, *mailbox, needle)))
            .await
    }

    async fn text_pending(&self, limit: usize) -> Result<Vec<BlobId>> {
        self.read(limit, |tx, &limit| Box::pin(text_index::pending(tx, limit))).await
    }

    async fn index_texts(&self, texts: Vec<(BlobId, SearchText)>) -> Result<()> {
        self.write(texts, |tx, _, texts| {
            Box::pin(async move {
                for (blob, text) in texts.iter() {
                    text_index::insert(tx, *blob, text).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn forget_texts(&self, account: Option<AccountId>) -> Result<u64> {
        self.write(account, |tx, _, &account| Box::pin(text_index::forget(tx, account))).await
    }

    async fn read_blob(&self, id: BlobId) -> Result<Vec<u8>> {
        self.read(id, |tx, &id| Box::pin(content::read(tx, id))).await
    }

    async fn read_blob_prefix(&self, id: BlobId, len: u64) -> Result<Vec<u8>> {
        self.read(id, move |tx, &id| Box::pin(content::read_prefix(tx, id, len))).await
    }

    async fn messages(&self, mailbox: MailboxId) -> Result<Vec<MessageMeta>> {
        self.read(mailbox, |tx, &mailbox| Box::pin(messages::list(tx, mailbox))).await
    }

    async fn messages_in_range(&self, mailbox: MailboxId, first: Uid, last: Uid) -> Result<Vec<MessageMeta>> {
        self.read(mailbox, move |tx, &mailbox| Box::pin(messages::list_range(tx, mailbox, first, last))).await
    }

    async fn message_summary(&self, blob: BlobId) -> Result<Option<Vec<u8>>> {
        self.read(blob, |tx, &blob| Box::pin(content::summary(tx, blob))).await
    }

    async fn changes_since(&self, mailbox: MailboxId, since: ModSeq) -> Result<MailboxChanges> {
        self.read(mailbox, move |tx, &mailbox| Box::pin(messages::changes_since(tx, mailbox, since))).await
    }

    async fn store_flags(
        &self,
        mailbox: MailboxId,
        uids: &[Uid],
        change: FlagChange,
        unchanged_since: Option<ModSeq>,
    ) -> Result<FlagsStored> {
        self.write((uids.to_vec(), change), move |tx, fx, (uids, change)| {
            Box::pin(messages::store_flags(tx, fx, mailbox, uids, change, unchanged_since))
        })
        .await
    }

    async fn expunge(&self, mailbox: MailboxId, uids: &[Uid]) -> Result<Vec<Uid>> {
        self.write(uids.to_vec(), move |tx, fx, uids| Box::pin(messages::expunge(tx, fx, mailbox, uids))).await
    }

    async fn expunge_deleted(&self, mailbox: MailboxId, within: Option<&[(Uid, Uid)]>) -> Result<Vec<Uid>> {
        let within = within.map(<[(Uid, Uid)]>::to_vec);
        self.write(within, move |tx, fx, within| {
            Box::pin(messages::expunge_deleted(tx, fx, mailbox, within.as_deref()))
        })
        .await
    }

    async fn copy(&self, from: MailboxId, uids: &[Uid], to: MailboxId) -> Result<Vec<(Uid, Uid)>> {
        self.write(uids.to_vec(), move |tx, fx, uids| Box::pin(messages::copy(tx, fx, from, uids, to, false))).await
    }

    async fn move_messages(&self, from: MailboxId, uids: &[Uid], to: MailboxId) -> Result<Vec<(Uid, Uid)>> {
        self.write(uids.to_vec(), move |tx, fx, uids| Box::pin(messages::move_messages(tx, fx, from, uids, to))).await
    }

    async fn enqueue(&self, message: QueuedMessage) -> Result<QueueId> {
        validate(&message.return_path, &message.recipients)?;
        let staged = self.staged(message.blob).await?;
        self.write((message, staged), |tx, _, (message, staged)| {
            Box::pin(queue::insert(tx, message, staged.as_deref(), unix_now()))
        })
        .await
    }

    async fn enqueue_content(&self, content: Arc<[u8]>, envelope: QueuedEnvelope) -> Result<QueueId> {
        validate(&envelope.return_path, &envelope.recipients)?;
        let message = envelope.with_blob(BlobId::of(&content));
        self.write((message, content), |tx, _, (message, content)| {
            Box::pin(queue::insert(tx, message, Some(content), unix_now()))
        })
        .await
    }

    async fn queue(&self) -> Result<Vec<QueueEntry>> {
        self.read((), |tx, ()| Box::pin(queue::list(tx))).await
    }

    async fn record_attempt(&self, id: QueueId, recipient: &str, attempt: DeliveryAttempt) -> Result<()> {
        self.write((recipient.to_owned(), attempt), move |tx, _, (recipient, attempt)| {
            Box::pin(queue::record_attempt(tx, id, recipient, attempt))
        })
        .await
    }

    async fn change_queue(&self, id: Option<QueueId>, action: QueueAction, now: i64) -> Result<usize> {
        self.write((), move |tx, _, ()| Box::pin(queue::change(tx, id, action, now))).await
    }

    async fn dequeue(&self, id: QueueId) -> Result<()> {
        self.write((), move |tx, fx, ()| Box::pin(queue::dequeue(tx, fx, id))).await
    }

    async fn mta_sts_policy(&self, domain: &str) -> Result<Option<CachedStsPolicy>> {
        self.read(domain.to_owned(), |tx, domain| Box::pin(tls_policy::mta_sts_policy(tx, domain))).await
    }

    async fn save_mta_sts_policy(&self, policy: CachedStsPolicy) -> Result<()> {
        self.write(policy, |tx, _, policy| Box::pin(tls_policy::save_mta_sts_policy(tx, policy))).await
    }

    async fn record_history(&self, events: Vec<DeliveryEvent>) -> Result<()> {
        self.write(events, |tx, _, events| Box::pin(history::record(tx, events))).await
    }

    async fn history(&self, query: HistoryQuery) -> Result<Vec<DeliveryEvent>> {
        self.read(query, |tx, query| Box::pin(history::history(tx, query))).await
    }

    async fn forget_history(&self, before: i64) -> Result<u64> {
        self.write((), move |tx, _, ()| Box::pin(history::forget(tx, before))).await
    }

    async fn sending_usage(&self, account: AccountId, since: i64) -> Result<SendingUsage> {
        self.read((), move |tx, ()| Box::pin(sending::usage(tx, account, since))).await
    }

    async fn record_sending(&self, account: AccountId, at: i64, recipients: u64, forget_before: i64) -> Result<()> {
        self.write((), move |tx, _, ()| Box::pin(sending::record(tx, account, at, recipients, forget_before))).await
    }

    async fn record_outcomes(
        &self,
        account: AccountId,
        at: i64,
        bounced: Vec<bool>,
        keep: u64,
    ) -> Result<OutcomeTally> {
        self.write(bounced, move |tx, _, bounced| Box::pin(sending::record_outcomes(tx, account, at, bounced, keep)))
            .await
    }

    async fn hold_account(&self, account: AccountId, reason: &str, now: i64) -> Result<bool> {
        self.write(reason.to_owned(), move |tx, _, reason| Box::pin(sending::hold(tx, account, reason, now))).await
    }

    async fn release_account(&self, account: AccountId, now: i64) -> Result<bool> {
        self.write((), move |tx, _, ()| Box::pin(sending::release(tx, account, now))).await
    }

    async fn account_released_at(&self, account: AccountId) -> Result<Option<i64>> {
        self.read((), move |tx, ()| Box::pin(sending::released_at(tx, account))).await
    }

    async fn account_holds(&self) -> Result<Vec<AccountHold>> {
        self.read((), |tx, ()| Box::pin(sending::holds(tx))).await
    }

    async fn count_tls_result(&self, result: TlsSessionResult) -> Result<()> {
        self.write(result, |tx, _, result| Box::pin(tls_policy::count_tls_result(tx, result))).await
    }

    async fn tls_results_before(&self, day: i64) -> Result<Vec<TlsResultCount>> {
        self.read((), move |tx, ()| Box::pin(tls_policy::tls_results_before(tx, day))).await
    }

    async fn forget_tls_results(&self, domain: &str, day: i64) -> Result<()> {
        self.write(domain.to_owned(), move |tx, _, domain| Box::pin(tls_policy::forget_tls_results(tx, domain, day)))
            .await
    }

    async fn claim_queue_entry(&self, id: QueueId, now: i64, until: i64) -> Result<Option<QueueEntry>> {
        self.write((), move |tx, _, ()| Box::pin(queue::claim(tx, id, now, until))).await
    }

    async fn release_queue_entry(&self, id: QueueId, until: i64) -> Result<()> {
        self.write((), move |tx, _, ()| Box::pin(queue::release(tx, id, until))).await
    }
}
