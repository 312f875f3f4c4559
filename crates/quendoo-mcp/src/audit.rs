//! The audit trail's writer. Tool calls finish concurrently but SQLite has
//! one writer: an insert per call made every call wait its turn for the
//! lock (hundreds of milliseconds at the tail under load). One task commits
//! the entries that are waiting as one group instead; each caller still
//! waits until its own entry is stored, so nothing is lost silently.

use tokio::sync::{mpsc, oneshot};

use crate::storage::{AuditEntry, Store};

/// Entries waiting beyond this make callers wait to enqueue (back-pressure).
const QUEUE: usize = 4096;
/// Entries committed in one transaction at most.
const MAX_GROUP: usize = 256;

struct Pending {
    entry: AuditEntry,
    stored: oneshot::Sender<Result<(), String>>,
}

#[derive(Clone)]
pub struct AuditTrail {
    queue: mpsc::Sender<Pending>,
}

impl AuditTrail {
    /// Starts the writer task; it ends when the last `AuditTrail` is dropped.
    pub fn start(store: Store) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(write_groups(store, waiting));
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

async fn write_groups(store: Store, mut waiting: mpsc::Receiver<Pending>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while waiting.recv_many(&mut group, MAX_GROUP).await > 0 {
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
