//! The audit trail's writer. Tool calls finish concurrently but SQLite has
//! one writer: an insert per call made every call wait its turn for the
//! lock (hundreds of milliseconds at the tail under load). One task commits
//! the entries that are waiting as one group instead; each caller still
//! waits until its own entry is stored, so nothing is lost silently.
//!
//! On SQLite a commit only appends to the write-ahead log. Copying the log
//! into the file (a checkpoint, which waits on the disk) is left to a task
//! beside the writer, and only starting the log afresh, which copies the
//! last moments' pages, is the writer's, between two groups.

use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::MissedTickBehavior;

use crate::storage::{AuditEntry, Backend, StorageError, Store};

/// Entries waiting beyond this make callers wait to enqueue (back-pressure).
const QUEUE: usize = 4096;
/// Entries committed in one transaction at most.
const MAX_GROUP: usize = 256;
/// How often SQLite's log is copied into its file: at a thousand calls a
/// second the log held 12 MiB at most.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

struct Pending {
    entry: AuditEntry,
    stored: oneshot::Sender<Result<(), String>>,
}

/// The checkpoint task's request to the writer to start the log afresh,
/// and where the outcome goes.
type Restart = oneshot::Sender<Result<(), StorageError>>;

#[derive(Clone)]
pub struct AuditTrail {
    queue: mpsc::Sender<Pending>,
}

impl AuditTrail {
    /// Starts the writer task; it ends when the last `AuditTrail` is dropped.
    pub fn start(store: Store) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let (restart, restarts) = mpsc::channel(1);
        if store.backend() == Backend::Sqlite {
            tokio::spawn(checkpoint_beside(store.clone(), restart));
        }
        tokio::spawn(write_groups(store, waiting, restarts));
        Self { queue }
    }

    /// Entries waiting to be written.
    pub fn queue_depth(&self) -> usize {
        self.queue.max_capacity() - self.queue.capacity()
    }

    /// Stores `entry`; the error is the database's reason, for the log.
    pub async fn record(&self, entry: AuditEntry) -> Result<(), String> {
        let (stored, outcome) = oneshot::channel();
        self.queue
            .send(Pending { entry, stored })
            .await
            .map_err(|_| "the audit writer has stopped".to_owned())?;
        outcome
            .await
            .unwrap_or_else(|_| Err("the audit writer has stopped".to_owned()))
    }
}

async fn write_groups(
    store: Store,
    mut waiting: mpsc::Receiver<Pending>,
    mut restarts: mpsc::Receiver<Restart>,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    loop {
        tokio::select! {
            // On PostgreSQL nobody asks: the branch is off.
            Some(restart) = restarts.recv() => {
                // The task that asked may have gone meanwhile.
                let _ = restart.send(store.restart_log().await);
            }
            received = waiting.recv_many(&mut group, MAX_GROUP) => {
                if received == 0 {
                    return;
                }
                let entries: Vec<AuditEntry> = group.iter().map(|p| p.entry.clone()).collect();
                let outcome = store
                    .record_audit(&entries)
                    .await
                    .map_err(|error| error.to_string());
                for pending in group.drain(..) {
                    // A caller that gave up waiting no longer needs the answer.
                    let _ = pending.stored.send(outcome.clone());
                }
            }
        }
    }
}

/// Checkpoints on a connection of the pool, which SQLite lets run beside
/// the writer's commits, and has the writer start the log afresh when it
/// is long, until the writer ends. A failure is logged once, not every
/// second, and so is the recovery.
async fn checkpoint_beside(store: Store, restart: mpsc::Sender<Restart>) {
    let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            () = restart.closed() => return,
            _ = ticks.tick() => {}
        }
        let outcome = match store.checkpoint_log().await {
            Ok(true) => restart_log(&restart).await,
            Ok(false) => Ok(()),
            Err(error) => Err(error),
        };
        match outcome {
            Err(error) if !failing => {
                tracing::warn!(%error, "copying SQLite's log into its file failed");
                failing = true;
            }
            Err(_) => {}
            Ok(()) if failing => {
                tracing::info!("copying SQLite's log into its file works again");
                failing = false;
            }
            Ok(()) => {}
        }
    }
}

/// Asks the writer to start the log afresh; `Ok` also when it has ended.
async fn restart_log(restart: &mpsc::Sender<Restart>) -> Result<(), StorageError> {
    let (done, outcome) = oneshot::channel();
    if restart.send(done).await.is_err() {
        return Ok(());
    }
    outcome.await.unwrap_or(Ok(()))
}
