//! The store API test suite that any backend must pass.
//!
//! A backend's test file implements [`Backend`] and invokes [`conformance_tests!`](crate::conformance_tests),
//! which generates one `#[tokio::test]` per check. Every check states a behaviour the rest of Facteur relies
//! on; none looks at backend internals (blob files are part of the contract: [`BlobStore`](crate::BlobStore)).
//!
//! This is test code: a failed check panics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod account_changes;
mod accounts;
mod content;
mod durability;
mod leases;
mod mailboxes;
mod messages;
mod sending;
mod sieve;
mod spam;
mod text_index;

use facteur_primitives::ThreadKeys;
use std::sync::Arc;

use async_trait::async_trait;

use crate::{AccountId, BlobId, Delivered, Delivery, DeliveryTarget, Store};

pub use account_changes::*;
pub use accounts::*;
pub use content::*;
pub use durability::*;
pub use leases::*;
pub use mailboxes::*;
pub use messages::*;
pub use sending::*;
pub use sieve::*;
pub use spam::*;
pub use text_index::*;

/// Opens the store under test.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Opens the store; calling it again (after `close()` on the previous one) reopens the same data.
    async fn open(&self) -> Arc<dyn Store>;

    /// `false` when the backend cannot run here (its server is not installed, outside CI): every check then
    /// passes without running, and the backend's test file has said `SKIPPED` and why.
    fn available(&self) -> bool {
        true
    }
}

/// Generates one test per conformance check for a backend: `conformance_tests!(MyBackend::new());`
/// (the expression is evaluated afresh for each test, so each gets empty storage).
#[macro_export]
macro_rules! conformance_tests {
    ($backend:expr) => {
        $crate::conformance_tests!(@each $backend;
            default_mailboxes_have_their_special_use,
            special_use_role_is_unique_per_account,
            create_mailbox_makes_missing_parents,
            rename_moves_inferiors_and_keeps_uidvalidity,
            recreated_mailbox_gets_a_new_uidvalidity,
            inbox_cannot_be_deleted_or_renamed,
            subscriptions_are_names_that_outlive_mailboxes,
            invalid_mailbox_names_are_refused,
            accounts_are_normalised_and_unique,
            accounts_need_a_local_domain,
            domain_in_use_cannot_be_removed,
            password_and_quota_can_be_changed,
            accounts_are_marked_admin_on_request,
            sieve_scripts_are_kept_listed_and_activated,
            sieve_limits_rename_and_delete_follow_rfc_5804,
            sieve_records_last_until_their_time,
            spam_training_moves_counts_between_classes,
            correspondents_are_remembered,
            greylisting_passes_a_patient_retry,
            the_text_index_names_every_message_that_may_contain_a_needle,
            scram_verifier_is_kept_for_its_password_only,
            alias_catch_all_subaddress_and_case_resolve,
            alias_to_alias_is_followed_one_level_and_loops_end,
            alias_forwards_to_remote_addresses,
            non_local_domains_never_resolve,
            postmaster_and_abuse_reach_someone_without_being_set_up,
            recipient_lookup_tells_foreign_unknown_and_quota_room,
            removing_account_releases_blobs_and_alias_targets,
            concurrent_deliveries_get_distinct_contiguous_uids,
            uids_are_not_reused_after_expunge,
            expunge_deleted_takes_only_what_is_deleted_now,
            modseq_strictly_increases_across_changes,
            tombstones_show_in_changes_since,
            messages_in_range_reads_only_that_slice_in_uid_order,
            unchanged_since_conflict_is_reported_and_untouched,
            flag_changes_that_change_nothing_keep_modseq,
            invalid_keywords_are_refused,
            blob_is_stored_once_and_removed_with_its_last_reference,
            quota_refusal_writes_nothing,
            copy_keeps_flags_and_checks_quota,
            move_leaves_tombstones_in_the_source,
            deleting_mailbox_releases_its_blobs,
            failing_write_leaves_concurrent_writes_intact,
            delivery_to_a_foreign_mailbox_is_refused,
            summary_is_kept_with_the_blob,
            queue_round_trip_holds_a_blob_reference,
            mta_sts_policies_and_tls_counts_are_kept_until_replaced_or_reported,
            queue_lease_is_given_for_queued_messages_only,
            operator_actions_reschedule_hold_release_and_expire,
            change_bus_announces_committed_deliveries,
            everything_survives_close_and_reopen,
            content_delivery_reads_back_small_and_large,
            read_blob_also_reads_put_blobs,
            same_content_is_one_blob_however_it_arrives,
            refused_content_delivery_stores_nothing,
            content_queue_entry_holds_its_content_until_dequeued,
            content_released_while_delivered_again_is_never_lost,
            content_survives_close_and_reopen,
            account_state_moves_with_every_change,
            moved_message_keeps_its_id_and_copy_gets_a_new_one,
            changes_report_flags_expunges_and_mailboxes,
            deleting_a_mailbox_destroys_its_emails,
            replies_join_the_thread_of_what_they_answer,
            vacation_is_kept_and_answers_each_sender_once_per_period,
            identities_are_per_account_and_editable,
            newest_first_lists_by_arrival_then_id,
            delivery_history_is_found_by_queue_address_and_domain,
            a_lease_has_one_holder_until_released_or_expired,
            a_free_lease_taken_at_once_by_many_goes_to_one,
            sending_is_counted_per_account_and_window,
            only_the_last_outcomes_are_tallied,
            account_hold_is_listed_until_released,
            queued_message_keeps_its_submitting_account,
        );
    };
    (@each $backend:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let backend = $backend;
                if $crate::conformance::Backend::available(&backend) {
                    $crate::conformance::$check(&backend).await;
                }
            }
        )*
    };
}

// ---- Helpers shared by the checks ----

/// A store with the local domain `example.com` and the account `alice@example.com`.
async fn with_alice(backend: &dyn Backend) -> (Arc<dyn Store>, AccountId) {
    let store = backend.open().await;
    store.add_domain("example.com").await.unwrap();
    let alice = store.create_account("alice@example.com", "hash-a").await.unwrap();
    (store, alice)
}

/// Stores `content` as a blob (off the async threads, as real callers must).
async fn put(store: &Arc<dyn Store>, content: &[u8]) -> BlobId {
    let blobs = store.blobs().clone();
    let content = content.to_vec();
    tokio::task::spawn_blocking(move || blobs.put(&content)).await.unwrap().unwrap()
}

/// A small distinct message.
fn message(n: usize) -> Vec<u8> {
    format!("From: a@example.net\r\nSubject: message {n}\r\n\r\nbody {n}\r\n").into_bytes()
}

/// Delivers `content` into the INBOX of each account, returning where it landed.
async fn deliver_to(store: &Arc<dyn Store>, content: &[u8], accounts: &[AccountId]) -> Vec<Delivered> {
    let blob = put(store, content).await;
    let targets = accounts.iter().map(|&account| DeliveryTarget::inbox(account)).collect();
    store
        .deliver(Delivery {
            text: None,
            blob,
            summary: b"summary".to_vec(),
            internal_date: 1_700_000_000,
            targets,
            thread: ThreadKeys::default(),
        })
        .await
        .unwrap()
}

async fn inbox(store: &Arc<dyn Store>, account: AccountId) -> crate::Mailbox {
    store.mailbox_by_name(account, "INBOX").await.unwrap().expect("every account has an INBOX")
}
