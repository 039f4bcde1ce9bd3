//! Group commit: one thread owns the write connection and commits many operations with one fsync.
//!
//! Each write is a closure sent over a channel. The writer takes everything queued (up to [`MAX_BATCH`]), runs
//! each operation inside its own SAVEPOINT of ONE `BEGIN IMMEDIATE` transaction (a failing operation rolls
//! back its savepoint only), commits once, removes the files of blobs nothing references any more, and only
//! then answers the callers and publishes the changes. Under load, concurrent SMTP deliveries share one fsync instead of paying one each.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::JoinHandle;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::blob::{BlobId, BlobStore};
use crate::change::Change;
use crate::error::{Result, StoreError};
use crate::ids::{AccountId, MailboxId, ModSeq};
use crate::sqlite::blobrefs;

/// Most operations committed together.
const MAX_BATCH: usize = 256;

/// Operations waiting for the writer before callers wait to submit (back-pressure).
const QUEUE_DEPTH: usize = 1024;

/// What an operation did besides its database rows, acted on only if its batch commits.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    /// Highest MODSEQ reached per touched mailbox.
    touched: BTreeMap<MailboxId, (AccountId, ModSeq)>,
    /// Blobs whose last reference went away: their files can be removed after the commit.
    released: Vec<BlobId>,
}

impl Effects {
    pub fn touched(&mut self, account: AccountId, mailbox: MailboxId, modseq: ModSeq) {
        let entry = self.touched.entry(mailbox).or_insert((account, modseq));
        entry.1 = entry.1.max(modseq);
    }

    pub fn released(&mut self, blob: BlobId) {
        self.released.push(blob);
    }

    fn absorb(&mut self, other: Effects) {
        for (mailbox, (account, modseq)) in other.touched {
            self.touched(account, mailbox, modseq);
        }
        self.released.extend(other.released);
    }
}

/// An operation submitted to the writer.
trait Job: Send {
    /// Runs the operation; returns whether it succeeded and what to do once the batch's fate is known.
    fn run(self: Box<Self>, conn: &Connection, effects: &mut Effects) -> (bool, Box<dyn Reply>);
    /// The batch could not even start: answer with the error.
    fn abort(self: Box<Self>, error: &StoreError);
}

/// The answer to a caller, held back until the commit.
trait Reply: Send {
    fn send(self: Box<Self>, commit: std::result::Result<(), &StoreError>);
}

struct Op<F, T> {
    op: F,
    reply: oneshot::Sender<Result<T>>,
}

impl<F, T> Job for Op<F, T>
where
    F: FnOnce(&Connection, &mut Effects) -> Result<T> + Send,
    T: Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection, effects: &mut Effects) -> (bool, Box<dyn Reply>) {
        let Op { op, reply } = *self;
        let result = op(conn, effects);
        (result.is_ok(), Box::new(PendingReply { result, reply }))
    }

    fn abort(self: Box<Self>, error: &StoreError) {
        let _ = self.reply.send(Err(StoreError::CommitFailed(error.to_string())));
    }
}

struct PendingReply<T> {
    result: Result<T>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T: Send> Reply for PendingReply<T> {
    fn send(self: Box<Self>, commit: std::result::Result<(), &StoreError>) {
        let answer = match commit {
            Ok(()) => self.result,
            Err(error) if self.result.is_ok() => Err(StoreError::CommitFailed(error.to_string())),
            // The operation's own error explains more than the batch's.
            Err(_) => self.result,
        };
        let _ = self.reply.send(answer);
    }
}

enum Message {
    Job(Box<dyn Job>),
    Stop(oneshot::Sender<()>),
}

/// The handle callers use to submit writes.
pub(crate) struct Writer {
    sender: mpsc::Sender<Message>,
    thread: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub fn start(conn: Connection, blobs: BlobStore, bus: broadcast::Sender<Change>) -> Result<Writer> {
        let (sender, receiver) = mpsc::channel(QUEUE_DEPTH);
        let thread = std::thread::Builder::new()
            .name("facteur-store-writer".into())
            .spawn(move || WriterLoop { conn, blobs, bus }.run(receiver))
            .map_err(|e| StoreError::CommitFailed(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { sender, thread: std::sync::Mutex::new(Some(thread)) })
    }

    /// Runs `op` in the next batch and returns its result once the batch is durable.
    pub async fn write<T, F>(&self, op: F) -> Result<T>
    where
        F: FnOnce(&Connection, &mut Effects) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Op { op, reply });
        self.sender.send(Message::Job(job)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Lets the writer commit what it was given, then stops it.
    pub async fn stop(&self) -> Result<()> {
        let (ack, stopped) = oneshot::channel();
        if self.sender.send(Message::Stop(ack)).await.is_ok() {
            let _ = stopped.await;
        }
        let thread = self.thread.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
        Ok(())
    }
}

struct WriterLoop {
    conn: Connection,
    blobs: BlobStore,
    bus: broadcast::Sender<Change>,
}

impl WriterLoop {
    fn run(mut self, mut receiver: mpsc::Receiver<Message>) {
        while let Some(first) = receiver.blocking_recv() {
            let mut batch = Vec::new();
            let mut stop = None;
            let mut next = Some(first);
            while let Some(message) = next.take() {
                match message {
                    Message::Job(job) => batch.push(job),
                    Message::Stop(ack) => stop = Some(ack),
                }
                if stop.is_none() && batch.len() < MAX_BATCH {
                    next = receiver.try_recv().ok();
                }
            }
            if !batch.is_empty() {
                self.commit_batch(batch);
            }
            if let Some(ack) = stop {
                receiver.close();
                let _ = ack.send(());
                return;
            }
        }
    }

    fn commit_batch(&mut self, batch: Vec<Box<dyn Job>>) {
        let size = batch.len();
        let mut effects = Effects::default();
        let outcome = Self::run_batch(&mut self.conn, batch, &mut effects);
        let (replies, commit) = match outcome {
            Ok((replies, commit)) => (replies, commit),
            Err((jobs, error)) => {
                tracing::error!(%error, "store batch could not start");
                jobs.into_iter().for_each(|job| job.abort(&error));
                return;
            }
        };
        match &commit {
            Ok(()) => {
                tracing::trace!(size, "store batch committed");
                // Before answering, so that a caller who released a blob finds its file gone.
                blobrefs::remove_released(&mut self.conn, &self.blobs, &effects.released);
            }
            Err(error) => tracing::error!(%error, size, "store batch commit failed"),
        }
        // Announced before the callers hear back: whoever subscribes after a write returns never gets that
        // write's notifications, and whoever is told "done" knows the bus has been rung.
        if commit.is_ok() {
            self.publish(&effects);
        }
        for reply in replies {
            reply.send(commit.as_ref().map(|_| ()));
        }
    }

    /// Returns the replies and the commit's result; or, if the transaction could not begin, the jobs untouched.
    #[allow(clippy::type_complexity)]
    fn run_batch(
        conn: &mut Connection,
        jobs: Vec<Box<dyn Job>>,
        effects: &mut Effects,
    ) -> std::result::Result<(Vec<Box<dyn Reply>>, Result<()>), (Vec<Box<dyn Job>>, StoreError)> {
        let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(tx) => tx,
            Err(error) => return Err((jobs, error.into())),
        };
        let mut replies = Vec::with_capacity(jobs.len());
        let mut failure = None;
        for job in jobs {
            let (reply, error) = Self::run_in_savepoint(&mut tx, job, effects);
            replies.extend(reply);
            failure = failure.or(error);
        }
        let commit = match failure {
            Some(error) => Err(error),
            None => tx.commit().map_err(StoreError::from),
        };
        Ok((replies, commit))
    }

    /// Runs one job in its own savepoint, keeping its effects only if it succeeded. The error returned, if
    /// any, is the savepoint's own (the transaction is then unsafe to commit).
    fn run_in_savepoint(
        tx: &mut Transaction<'_>,
        job: Box<dyn Job>,
        effects: &mut Effects,
    ) -> (Option<Box<dyn Reply>>, Option<StoreError>) {
        let savepoint = match tx.savepoint() {
            Ok(savepoint) => savepoint,
            Err(error) => {
                let error = StoreError::from(error);
                job.abort(&error);
                return (None, Some(error));
            }
        };
        let mut job_effects = Effects::default();
        let Ok((succeeded, reply)) = catch_unwind(AssertUnwindSafe(|| job.run(&savepoint, &mut job_effects))) else {
            // The savepoint rolls back as it drops; the caller's reply channel was dropped with the job, so
            // the caller sees `Closed`.
            tracing::error!("store operation panicked; rolled back");
            return (None, None);
        };
        // Dropping an uncommitted savepoint rolls it back (rusqlite's default drop behaviour).
        let ended = if succeeded { savepoint.commit() } else { savepoint.finish() };
        match ended {
            Ok(()) if succeeded => effects.absorb(job_effects),
            Ok(()) => {}
            Err(error) => return (Some(reply), Some(error.into())),
        }
        (Some(reply), None)
    }

    fn publish(&self, effects: &Effects) {
        for (&mailbox, &(account, modseq)) in &effects.touched {
            // No receiver is not an error: nobody is listening yet.
            let _ = self.bus.send(Change { account, mailbox, modseq });
        }
    }
}
