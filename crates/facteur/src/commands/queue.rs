//! `facteur queue list|show|retry|delete|hold|release`: the operator's view of the outbound queue.
//!
//! Besides single messages, an account's outgoing mail is held as one (`--account`): by the operator, or by
//! the server itself when the account looks stolen (`[outbound]`, `facteur_delivery::SendingPolicy`). The
//! list shows held accounts first, with why, and marks their messages.
//!
//! The running server's delivery engine reads the queue from the store every second, so what these commands
//! change takes effect without a restart. Last replies are shown with a short plain-language explanation of
//! their class (`facteur_delivery::explain_reply`).

use facteur_primitives::unix_now;
use std::sync::Arc;

use facteur_admin::{header_fields, is_waiting};
use facteur_delivery::explain_reply;
use facteur_store::{
    AccountHold, QueueAction, QueueEntry, QueueId, QueueRecipient, RecipientStatus, Store, StoreError,
};

use crate::cli::{HoldTarget, QueueCommand, QueueTarget};
use crate::data_dir::{DataDir, store_failure};
use crate::failure::{Failure, Outcome, usage};

pub async fn run(data_dir: &DataDir, command: QueueCommand) -> Outcome {
    let config = data_dir.load_config()?;
    let store = data_dir.open_store(&config).await?;
    let result = execute(&store, command).await;
    let closed = store.close().await;
    result?;
    closed.map_err(store_failure)
}

async fn execute(store: &Arc<dyn Store>, command: QueueCommand) -> Outcome {
    let now = unix_now();
    match command {
        QueueCommand::List => list(store, now).await,
        QueueCommand::Show { id } => show(store, QueueId(id), now).await,
        QueueCommand::Retry(target) => act(store, &target, QueueAction::RetryNow, now, "due now").await,
        QueueCommand::Hold(HoldTarget { account: Some(address), .. }) => hold_account(store, &address, now).await,
        QueueCommand::Release(HoldTarget { account: Some(address), .. }) => release_account(store, &address, now).await,
        QueueCommand::Hold(target) => act(store, &target.messages(), QueueAction::Hold, now, "held").await,
        QueueCommand::Release(target) => {
            act(store, &target.messages(), QueueAction::Release, now, "released, due now").await
        }
        QueueCommand::Delete { id, bounce: false } => {
            store.dequeue(QueueId(id)).await.map_err(queue_failure)?;
            println!("deleted queued message {id}; no report sent to the sender");
            Ok(())
        }
        QueueCommand::Delete { id, bounce: true } => {
            let pending = store.change_queue(Some(QueueId(id)), QueueAction::ExpireNow, now).await;
            let pending = pending.map_err(queue_failure)?;
            println!(
                "queued message {id} expires now: the server reports {pending} undelivered recipient(s) to the \
                 sender and removes it"
            );
            Ok(())
        }
    }
}

async fn list(store: &Arc<dyn Store>, now: i64) -> Outcome {
    let holds = store.account_holds().await.map_err(store_failure)?;
    for hold in &holds {
        println!(
            "account {} held {}: {} (facteur queue release --account {})",
            hold.address,
            relative(hold.since, now),
            hold.reason,
            hold.address
        );
    }
    let entries = store.queue().await.map_err(store_failure)?;
    if entries.is_empty() {
        println!("the queue is empty");
        return Ok(());
    }
    for entry in &entries {
        let held = held_with(entry, &holds);
        println!("{}", summary_line(entry, held, now));
        for recipient in &entry.recipients {
            print_recipient(recipient, held.is_some(), now);
        }
    }
    println!("{} message(s) queued", entries.len());
    Ok(())
}

async fn show(store: &Arc<dyn Store>, id: QueueId, now: i64) -> Outcome {
    let entries = store.queue().await.map_err(store_failure)?;
    let entry = entries.into_iter().find(|entry| entry.id == id).ok_or_else(|| no_such_message(id))?;
    let holds = store.account_holds().await.map_err(store_failure)?;
    let held = held_with(&entry, &holds);
    println!("{}", summary_line(&entry, held, now));
    if let Some(hold) = held {
        println!("  held:     with account {}: {}", hold.address, hold.reason);
    }
    println!("  queued:   {}", relative(entry.created_at, now));
    println!("  expires:  {}", relative(entry.expires_at, now));
    if let Some(envid) = &entry.envid {
        println!("  envid:    {envid}");
    }
    let content = store.read_blob(entry.blob).await.map_err(store_failure)?;
    println!("  size:     {} bytes", content.len());
    for (name, value) in header_fields(&content) {
        println!("  {:<9} {value}", format!("{name}:"));
    }
    println!("  recipients:");
    for recipient in &entry.recipients {
        print_recipient(recipient, held.is_some(), now);
    }
    Ok(())
}

async fn act(store: &Arc<dyn Store>, target: &QueueTarget, action: QueueAction, now: i64, done: &str) -> Outcome {
    let id = if target.all { None } else { target.id.map(QueueId) };
    let changed = store.change_queue(id, action, now).await.map_err(queue_failure)?;
    match id {
        Some(id) => println!("queued message {}: {changed} recipient(s) {done}", id.0),
        None => println!("all queued messages: {changed} recipient(s) {done}"),
    }
    Ok(())
}

async fn hold_account(store: &Arc<dyn Store>, address: &str, now: i64) -> Outcome {
    let account = local_account(store, address).await?;
    if store.hold_account(account.id, "held by the operator", now).await.map_err(store_failure)? {
        tracing::warn!(account = %account.address, "outbound: the account's outgoing mail is held by the operator");
        println!("account {}: outgoing mail held until `facteur queue release --account`", account.address);
    } else {
        println!("account {}: outgoing mail was held already (see `facteur queue list`)", account.address);
    }
    Ok(())
}

async fn release_account(store: &Arc<dyn Store>, address: &str, now: i64) -> Outcome {
    let account = local_account(store, address).await?;
    if store.release_account(account.id, now).await.map_err(store_failure)? {
        tracing::info!(account = %account.address, "outbound: the account's outgoing mail is released by the operator");
        println!("account {}: outgoing mail released, its queued messages are tried again", account.address);
    } else {
        println!("account {}: its outgoing mail was not held", account.address);
    }
    Ok(())
}

async fn local_account(store: &Arc<dyn Store>, address: &str) -> Result<facteur_store::Account, Failure> {
    store
        .account_by_address(address)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| usage!("no account {address} here (see `facteur account list`)"))
}

/// The hold of the account that submitted `entry`, if that account is held.
fn held_with<'h>(entry: &QueueEntry, holds: &'h [AccountHold]) -> Option<&'h AccountHold> {
    entry.account.and_then(|account| holds.iter().find(|hold| hold.account == account))
}

fn summary_line(entry: &QueueEntry, held: Option<&AccountHold>, now: i64) -> String {
    let sender = if entry.return_path.is_empty() { "<> (a delivery report)" } else { &entry.return_path };
    let waiting = entry.recipients.iter().filter(|r| is_waiting(r.status)).count();
    let held = held.map_or_else(String::new, |hold| format!("  held with account {}", hold.address));
    format!(
        "{}  from {sender}  queued {}  {waiting} of {} recipient(s) waiting{held}",
        entry.id.0,
        relative(entry.created_at, now),
        entry.recipients.len()
    )
}

/// `account_held`: the message waits with its held account, whatever its recipients' schedule says.
fn print_recipient(recipient: &QueueRecipient, account_held: bool, now: i64) {
    let when = match recipient.status {
        RecipientStatus::Pending if account_held => "held with its account".to_owned(),
        RecipientStatus::Pending if recipient.next_attempt <= now => "next attempt now".to_owned(),
        RecipientStatus::Pending => format!("next attempt {}", relative(recipient.next_attempt, now)),
        RecipientStatus::Held => "held until released".to_owned(),
        RecipientStatus::Delivered | RecipientStatus::Failed => String::new(),
    };
    println!("    {}  {}  attempts {}  {when}", recipient.address, recipient.status, recipient.attempts);
    if let Some(reply) = &recipient.last_reply {
        println!("      last reply: {reply}  ({})", explain_reply(reply));
    }
}

/// `in 4m`, `3h 2m ago`: times relative to now, which is what an operator looking at a queue wants.
fn relative(at: i64, now: i64) -> String {
    let span = human_span(at.abs_diff(now));
    if at >= now { format!("in {span}") } else { format!("{span} ago") }
}

fn human_span(seconds: u64) -> String {
    let (days, hours, minutes) = (seconds / 86_400, seconds % 86_400 / 3600, seconds % 3600 / 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{seconds}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}

impl HoldTarget {
    /// The messages it names (its account is handled apart).
    fn messages(&self) -> QueueTarget {
        QueueTarget { id: self.id, all: self.all }
    }
}

fn queue_failure(error: StoreError) -> Failure {
    match error {
        StoreError::NoSuchQueueEntry(id) => no_such_message(id),
        other => store_failure(other),
    }
}

fn no_such_message(id: QueueId) -> Failure {
    usage!("no queued message with id {} (see `facteur queue list`)", id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_a_person_would_say_them() {
        assert_eq!(relative(1_000 + 45, 1_000), "in 45s");
        assert_eq!(relative(1_000 + 270, 1_000), "in 4m");
        assert_eq!(relative(1_000, 1_000 + 3 * 3600 + 120), "3h 2m ago");
        assert_eq!(relative(1_000 + 5 * 86_400 + 7200, 1_000), "in 5d 2h");
    }
}
