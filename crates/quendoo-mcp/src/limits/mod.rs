//! Bounds on how often, and how many at once: per hotel, tool calls a
//! minute (with a burst of as many) and calls in flight, so that one hotel,
//! or one hotel's hanging PMS, cannot take the server from the others; per
//! address, the new hotel keys checked with Quendoo. Counted in the process,
//! or in Redis when replicas share one (`REDIS_URL`), so that a bound holds
//! across replicas.

mod local;
mod shared;

use std::{sync::Arc, time::Duration};

use redis::aio::ConnectionManager;

use crate::metrics::Metrics;
use local::LocalLimits;
use shared::RedisLimits;

/// The server's limiters, counted where `ServeArgs` says.
#[derive(Clone)]
pub struct Limits {
    /// Each hotel's tool calls (TENANT_CALLS_PER_MINUTE, TENANT_CALLS_IN_FLIGHT).
    pub tenant_calls: Limiter,
    /// New hotel keys checked with Quendoo per client address
    /// (LEGACY_AUTO_TENANT).
    pub legacy_new_keys: Limiter,
}

/// Keys no hotel holds that one address may have checked with Quendoo a minute.
const NEW_KEYS_PER_MINUTE: u32 = 10;

impl Limits {
    /// Counted in Redis when `redis_url` is set (connecting to it first),
    /// else in this process.
    pub async fn start(
        tenant_calls: Bounds,
        redis_url: Option<&str>,
        metrics: &Metrics,
    ) -> Result<Limits, redis::RedisError> {
        let redis = match redis_url {
            Some(url) => Some(redis::Client::open(url)?.get_connection_manager().await?),
            None => None,
        };
        let new_keys = Bounds {
            name: "legacy_new_keys",
            per_minute: Some(NEW_KEYS_PER_MINUTE),
            in_flight: None,
            longest_hold: Duration::ZERO,
        };
        Ok(Limits {
            tenant_calls: Limiter::new(tenant_calls, redis.clone(), metrics.clone()),
            legacy_new_keys: Limiter::new(new_keys, redis, metrics.clone()),
        })
    }
}

/// A limiter's bounds, as the operator set them; `None` is no bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Names the limiter in refusals, metrics and Redis keys.
    pub name: &'static str,
    pub per_minute: Option<u32>,
    pub in_flight: Option<u32>,
    /// Longest a holder can keep its place (a call's deadline): a shared
    /// count forgets a place after this, should its replica die first.
    pub longest_hold: Duration,
}

impl Bounds {
    /// The pause between admissions at the sustained rate.
    fn emission_interval(&self) -> Option<Duration> {
        self.per_minute
            .map(|n| Duration::from_secs(60) / n.max(1))
            .filter(|interval| !interval.is_zero())
    }

    /// How far ahead of the sustained rate a burst may run.
    fn burst_tolerance(&self, interval: Duration) -> Duration {
        interval * self.per_minute.unwrap_or(1).saturating_sub(1)
    }

    fn is_unbounded(&self) -> bool {
        self.per_minute.is_none() && self.in_flight.is_none()
    }
}

/// Which bound a refusal met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    Rate { per_minute: u32 },
    InFlight { max: u32 },
}

/// Why something was not admitted, and when it may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub limiter: &'static str,
    pub exceeded: Exceeded,
    pub retry_after: Duration,
}

impl Refusal {
    fn new(bounds: &Bounds, exceeded: Exceeded, retry_after: Duration) -> Self {
        Refusal {
            limiter: bounds.name,
            exceeded,
            retry_after,
        }
    }

    /// `rate` or `in_flight`, for metrics.
    pub fn kind(self) -> &'static str {
        match self.exceeded {
            Exceeded::Rate { .. } => "rate",
            Exceeded::InFlight { .. } => "in_flight",
        }
    }
}

/// When a holder refused for the number in flight should try again: calls
/// against a healthy PMS end within a second or two.
const IN_FLIGHT_RETRY: Duration = Duration::from_secs(2);

/// An admission; dropping it gives its place in flight back.
pub struct Permit {
    _local: Option<local::Slot>,
    _shared: Option<shared::Slot>,
}

impl Permit {
    const NONE: Permit = Permit {
        _local: None,
        _shared: None,
    };
}

#[derive(Clone)]
pub struct Limiter {
    bounds: Bounds,
    local: Arc<LocalLimits>,
    shared: Option<RedisLimits>,
    /// Counts the refusals.
    metrics: Metrics,
}

impl Limiter {
    /// Counts in Redis over `redis`, or in this process without it; should
    /// Redis fail, each replica counts for itself until it is back.
    pub fn new(bounds: Bounds, redis: Option<ConnectionManager>, metrics: Metrics) -> Self {
        Limiter {
            bounds,
            local: Arc::new(LocalLimits::new(bounds)),
            shared: redis.map(|connection| RedisLimits::new(connection, bounds)),
            metrics,
        }
    }

    pub fn bounds(&self) -> Bounds {
        self.bounds
    }

    /// Admits one more for `key` (a hotel, an address), or says why not.
    pub async fn admit(&self, key: &str) -> Result<Permit, Refusal> {
        if self.bounds.is_unbounded() {
            return Ok(Permit::NONE);
        }
        let admitted = self.try_admit(key).await;
        if let Err(refusal) = &admitted {
            self.metrics.limit_hit(refusal.limiter, refusal.kind());
        }
        admitted
    }

    async fn try_admit(&self, key: &str) -> Result<Permit, Refusal> {
        if let Some(shared) = &self.shared
            && let Ok(admitted) = shared.admit(key).await
        {
            return Ok(Permit {
                _shared: admitted?,
                ..Permit::NONE
            });
        }
        Ok(Permit {
            _local: self.local.admit(key).await?,
            ..Permit::NONE
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(per_minute: Option<u32>, in_flight: Option<u32>) -> Bounds {
        Bounds {
            name: "test",
            per_minute,
            in_flight,
            longest_hold: Duration::from_secs(25),
        }
    }

    #[tokio::test]
    async fn a_burst_gets_the_minute_s_calls_then_waits_for_the_rate() {
        let limits = Limiter::new(bounds(Some(6), None), None, Metrics::new());
        let hotel = "hotel-a";
        for _ in 0..6 {
            limits.admit(hotel).await.expect("within the burst");
        }
        let refusal = limits.admit(hotel).await.err().expect("past the burst");
        assert_eq!(refusal.kind(), "rate");
        // One call every 10 s at 6 a minute.
        assert!(refusal.retry_after > Duration::from_secs(9), "{refusal:?}");
        assert!(
            refusal.retry_after <= Duration::from_secs(10),
            "{refusal:?}"
        );
        limits
            .admit("hotel-b")
            .await
            .expect("another hotel has its own rate");
    }

    #[tokio::test]
    async fn places_in_flight_come_back_when_calls_end() {
        let limits = Limiter::new(bounds(None, Some(2)), None, Metrics::new());
        let hotel = "hotel-a";
        let first = limits.admit(hotel).await.unwrap();
        let _second = limits.admit(hotel).await.unwrap();
        let refusal = limits.admit(hotel).await.err().unwrap();
        assert_eq!(refusal.exceeded, Exceeded::InFlight { max: 2 });
        assert_eq!(refusal.retry_after, IN_FLIGHT_RETRY);
        drop(first);
        limits.admit(hotel).await.expect("a place came back");
    }

    #[tokio::test]
    async fn a_call_refused_for_the_rate_holds_no_place_in_flight() {
        let limits = Limiter::new(bounds(Some(1), Some(1)), None, Metrics::new());
        let hotel = "hotel-a";
        drop(limits.admit(hotel).await.unwrap());
        assert_eq!(limits.admit(hotel).await.err().unwrap().kind(), "rate");
        assert_eq!(limits.local.in_flight(hotel).await, 0);
    }
}
