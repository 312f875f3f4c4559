//! The lookup each request makes (who is calling, and its tenant's stamp)
//! answered from memory, never staler than the database. Every change that
//! could alter an answer bumps the one-row `cache_epoch` in its own
//! transaction (database triggers, migration `cache_epoch`); an answer is
//! used only if it was read at the epoch returned by an epoch read that
//! began after the request arrived. That read is shared: requests arriving
//! while one is under way wait for the next, and all of them use it, so a
//! lone request costs one small round trip and a busy replica a fraction
//! of one per request.

use std::{
    future::Future,
    hash::Hash,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use moka::future::Cache;
use tokio::sync::Mutex;

use super::StorageError;

/// Answers of one kind kept at most this many.
const CAPACITY: u64 = 100_000;
/// An answer no request has used for this long is dropped.
const IDLE: Duration = Duration::from_secs(3600);

/// The database's change counter as the requests of this replica see it.
#[derive(Debug)]
pub(super) struct Epoch {
    /// Epoch reads begun so far; the number of a read is its place here.
    begun: AtomicU64,
    /// The last finished read: its number and what it found. A failure is
    /// shared like an epoch: those waiting behind a database that does not
    /// answer fail with the read made for them, instead of each waiting
    /// out a read of its own, one after another.
    last: Mutex<(u64, Result<i64, StorageError>)>,
}

impl Default for Epoch {
    fn default() -> Self {
        Epoch {
            begun: AtomicU64::new(0),
            // Read number 0 never began after anyone arrived: never used.
            last: Mutex::new((0, Ok(0))),
        }
    }
}

impl Epoch {
    /// The epoch from a read (`read`, or another request's) that began
    /// after this call did. Reads run one at a time: a request that finds
    /// one under way waits for it and, unless it began late enough, makes
    /// the next, which those that wait behind it use in turn.
    pub async fn current<F>(&self, read: F) -> Result<i64, StorageError>
    where
        F: Future<Output = Result<i64, StorageError>>,
    {
        let arrived = self.begun.load(Ordering::SeqCst);
        let mut last = self.last.lock().await;
        if last.0 > arrived {
            return last.1.clone();
        }
        let number = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        let outcome = read.await;
        *last = (number, outcome.clone());
        outcome
    }
}

/// Answers to one kind of lookup, each with the epoch it was read at.
/// Only found rows are kept: what is absent is read again each time (the
/// triggers do not fire on inserts).
pub(super) struct Answers<K, V> {
    entries: Cache<K, (i64, V)>,
}

impl<K, V> Default for Answers<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Answers {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(IDLE)
                .build(),
        }
    }
}

impl<K, V> Answers<K, V>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// The answer for `key` at `epoch` (which must have been read before
    /// `read` runs): kept, if it was read at that epoch and `usable` takes
    /// it, else read and kept.
    pub async fn get<F>(
        &self,
        epoch: i64,
        key: K,
        usable: impl Fn(&V) -> bool,
        read: F,
    ) -> Result<Option<V>, StorageError>
    where
        F: Future<Output = Result<Option<V>, StorageError>>,
    {
        if let Some((at, value)) = self.entries.get(&key).await
            && at == epoch
            && usable(&value)
        {
            return Ok(Some(value));
        }
        let value = read.await?;
        match &value {
            // Labelled with the epoch read before: if a change committed in
            // between, the next request's epoch differs and reads again.
            Some(value) => self.entries.insert(key, (epoch, value.clone())).await,
            None => self.entries.invalidate(&key).await,
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, atomic::AtomicUsize};

    use tokio::sync::{Notify, Semaphore};

    use super::*;

    /// Reads that wait for a permit, counting how many began.
    struct Gate {
        reads: AtomicUsize,
        permits: Semaphore,
        started: Notify,
    }

    impl Gate {
        fn new() -> Arc<Gate> {
            Arc::new(Gate {
                reads: AtomicUsize::new(0),
                permits: Semaphore::new(0),
                started: Notify::new(),
            })
        }

        async fn read(&self, outcome: Result<i64, StorageError>) -> Result<i64, StorageError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.started.notify_one();
            self.permits.acquire().await.unwrap().forget();
            outcome
        }
    }

    /// A first read under way, then five requests arriving during it, each
    /// offering `outcome` as its own read: what the five get.
    async fn five_during_a_read(
        epoch: &Arc<Epoch>,
        gate: &Arc<Gate>,
        outcome: Result<i64, StorageError>,
    ) -> Vec<Result<i64, StorageError>> {
        let first = tokio::spawn({
            let (epoch, gate) = (epoch.clone(), gate.clone());
            async move { epoch.current(gate.read(Ok(1))).await }
        });
        gate.started.notified().await;
        let later: Vec<_> = (0..5)
            .map(|_| {
                let (epoch, gate, outcome) = (epoch.clone(), gate.clone(), outcome.clone());
                tokio::spawn(async move { epoch.current(gate.read(outcome)).await })
            })
            .collect();
        tokio::task::yield_now().await;
        gate.permits.add_permits(1);
        assert_eq!(first.await.unwrap().unwrap(), 1);
        gate.started.notified().await;
        gate.permits.add_permits(1);
        let mut answers = Vec::new();
        for request in later {
            answers.push(request.await.unwrap());
        }
        answers
    }

    #[tokio::test]
    async fn requests_during_a_read_share_the_next_one_never_the_one_under_way() {
        let (epoch, gate) = (Arc::new(Epoch::default()), Gate::new());
        // The database's epoch moves on during the first read: the five
        // must not take the first answer.
        let answers = five_during_a_read(&epoch, &gate, Ok(2)).await;
        assert!(
            answers.iter().all(|answer| matches!(answer, Ok(2))),
            "{answers:?}"
        );
        assert_eq!(gate.reads.load(Ordering::SeqCst), 2);
        // A request after that reads again.
        gate.permits.add_permits(1);
        assert_eq!(epoch.current(gate.read(Ok(3))).await.unwrap(), 3);
        assert_eq!(gate.reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_read_fails_those_it_began_after_and_no_one_later() {
        let (epoch, gate) = (Arc::new(Epoch::default()), Gate::new());
        let down = StorageError::Conflict("the database does not answer".into());
        let answers = five_during_a_read(&epoch, &gate, Err(down)).await;
        assert!(answers.iter().all(Result::is_err), "{answers:?}");
        assert_eq!(
            gate.reads.load(Ordering::SeqCst),
            2,
            "one failed read for all five"
        );
        assert_eq!(epoch.current(async { Ok(7) }).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn an_answer_is_kept_only_at_its_epoch_and_while_usable() {
        let answers = Answers::<&str, i64>::default();
        let read = |value| async move { Ok(Some(value)) };
        assert_eq!(
            answers.get(1, "a", |_| true, read(10)).await.unwrap(),
            Some(10)
        );
        assert_eq!(
            answers.get(1, "a", |_| true, read(11)).await.unwrap(),
            Some(10)
        );
        assert_eq!(
            answers.get(2, "a", |_| true, read(12)).await.unwrap(),
            Some(12)
        );
        assert_eq!(
            answers.get(2, "a", |v| *v > 12, read(13)).await.unwrap(),
            Some(13)
        );
        // Gone from the database: not kept, read again next time.
        assert_eq!(
            answers
                .get(3, "a", |_| true, async { Ok(None) })
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            answers.get(3, "a", |_| true, read(14)).await.unwrap(),
            Some(14)
        );
    }
}
