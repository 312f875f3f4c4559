//! The bounds counted in this process: per key, the rate as a GCRA (one
//! "theoretical arrival time" moved on by each admission) and a count in
//! flight, both atomics; keys idle for a while are forgotten.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use moka::future::Cache;

use super::{Bounds, Exceeded, IN_FLIGHT_RETRY, Refusal};

/// A key unused for this long starts afresh (its burst is whole again by
/// then at any rate of at least one a minute).
const IDLE: Duration = Duration::from_secs(10 * 60);
const MAX_KEYS: u64 = 200_000;

#[derive(Default)]
struct Counters {
    /// Nanoseconds after `LocalLimits::epoch` at which the rate is caught up.
    caught_up_at: AtomicU64,
    in_flight: AtomicU32,
}

pub(super) struct LocalLimits {
    bounds: Bounds,
    epoch: Instant,
    keys: Cache<String, Arc<Counters>>,
}

/// A place in flight, given back on drop.
pub(super) struct Slot(Arc<Counters>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl LocalLimits {
    pub(super) fn new(bounds: Bounds) -> Self {
        LocalLimits {
            bounds,
            epoch: Instant::now(),
            keys: Cache::builder()
                .max_capacity(MAX_KEYS)
                .time_to_idle(IDLE)
                .build(),
        }
    }

    pub(super) async fn admit(&self, key: &str) -> Result<Option<Slot>, Refusal> {
        let counters = self
            .keys
            .get_with_by_ref(key, async { Arc::default() })
            .await;
        let slot = match self.bounds.in_flight {
            Some(max) => {
                if counters.in_flight.fetch_add(1, Ordering::AcqRel) >= max {
                    counters.in_flight.fetch_sub(1, Ordering::AcqRel);
                    return Err(Refusal::new(
                        &self.bounds,
                        Exceeded::InFlight { max },
                        IN_FLIGHT_RETRY,
                    ));
                }
                Some(Slot(counters.clone()))
            }
            None => None,
        };
        // A refusal here drops `slot`, which gives the place back.
        self.take_turn(&counters)?;
        Ok(slot)
    }

    /// GCRA: admitted while the key is no further ahead of the sustained
    /// rate than the burst allows.
    fn take_turn(&self, counters: &Counters) -> Result<(), Refusal> {
        let (Some(per_minute), Some(interval)) =
            (self.bounds.per_minute, self.bounds.emission_interval())
        else {
            return Ok(());
        };
        let tolerance = nanos(self.bounds.burst_tolerance(interval));
        let interval = nanos(interval);
        let now = nanos(self.epoch.elapsed());
        let mut caught_up_at = counters.caught_up_at.load(Ordering::Acquire);
        loop {
            let start = caught_up_at.max(now);
            let ahead = start - now;
            if ahead > tolerance {
                return Err(Refusal::new(
                    &self.bounds,
                    Exceeded::Rate { per_minute },
                    Duration::from_nanos(ahead - tolerance),
                ));
            }
            match counters.caught_up_at.compare_exchange_weak(
                caught_up_at,
                start + interval,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(current) => caught_up_at = current,
            }
        }
    }

    #[cfg(test)]
    pub(super) async fn in_flight(&self, key: &str) -> u32 {
        match self.keys.get(key).await {
            Some(counters) => counters.in_flight.load(Ordering::Acquire),
            None => 0,
        }
    }
}
