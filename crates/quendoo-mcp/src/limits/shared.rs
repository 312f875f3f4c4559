//! The bounds counted in Redis, for every replica at once: the same GCRA
//! as in the process, on Redis's clock, and the places in flight as a
//! sorted set of ids scored by when they are forgotten (a replica that dies
//! mid-call cannot hold a place longer than a call can last). One script,
//! one round trip per admission.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redis::{Script, aio::ConnectionManager};

use super::{Bounds, Exceeded, IN_FLIGHT_RETRY, Refusal};

/// KEYS: the rate's key, the in-flight set. ARGV: interval and tolerance
/// (µs, 0 for no rate), the most in flight (0 for no bound), the holder's
/// id, how long it may hold its place (µs). Answers {0} admitted, {1} too many
/// in flight, {2, µs to wait} too fast.
const ADMIT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2])
local max, hold = tonumber(ARGV[3]), tonumber(ARGV[5])
if max > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  if redis.call('ZCARD', KEYS[2]) >= max then return {1} end
end
if interval > 0 then
  local start = tonumber(redis.call('GET', KEYS[1]) or now)
  if start < now then start = now end
  if start - now > tolerance then return {2, start - now - tolerance} end
  local next = start + interval
  redis.call('SET', KEYS[1], next, 'PX', math.ceil((next - now) / 1000) + 1000)
end
if max > 0 then
  redis.call('ZADD', KEYS[2], now + hold, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], math.ceil(hold / 1000))
end
return {0}
";

/// Longest wait for Redis before counting in the process instead.
const REDIS_PATIENCE: Duration = Duration::from_millis(250);
/// At most one warning this often while Redis fails.
const WARN_EVERY: Duration = Duration::from_secs(30);

/// Redis could not answer: count in the process instead.
pub(super) struct Unavailable;

#[derive(Clone)]
pub(super) struct RedisLimits {
    connection: ConnectionManager,
    admit: Arc<Script>,
    bounds: Bounds,
    last_warning: Arc<AtomicU64>,
}

/// A place in the shared in-flight set, removed on drop.
pub(super) struct Slot {
    connection: ConnectionManager,
    key: String,
    call: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (mut connection, key, call) = (
            self.connection.clone(),
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.call),
        );
        // Should this fail, the place is forgotten when its hold runs out.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let removed: Result<i64, _> = redis::cmd("ZREM")
                    .arg(&key)
                    .arg(&call)
                    .query_async(&mut connection)
                    .await;
                if let Err(error) = removed {
                    tracing::debug!(%error, "could not release a place in flight in Redis");
                }
            });
        }
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

impl RedisLimits {
    pub(super) fn new(connection: ConnectionManager, bounds: Bounds) -> Self {
        RedisLimits {
            connection,
            admit: Arc::new(Script::new(ADMIT)),
            bounds,
            last_warning: Arc::default(),
        }
    }

    pub(super) async fn admit(
        &self,
        key: &str,
    ) -> Result<Result<Option<Slot>, Refusal>, Unavailable> {
        let interval = self.bounds.emission_interval();
        let tolerance = interval.map_or(0, |i| micros(self.bounds.burst_tolerance(i)));
        let max = self.bounds.in_flight.unwrap_or(0);
        let call = uuid::Uuid::new_v4().to_string();
        let name = self.bounds.name;
        let in_flight_key = format!("quendoo:limit:{name}:{key}:in-flight");
        let mut invocation = self.admit.prepare_invoke();
        invocation
            .key(format!("quendoo:limit:{name}:{key}:rate"))
            .key(&in_flight_key)
            .arg(interval.map_or(0, micros))
            .arg(tolerance)
            .arg(max)
            .arg(&call)
            .arg(micros(self.bounds.longest_hold + Duration::from_secs(5)));
        let mut connection = self.connection.clone();
        let answer: Vec<u64> =
            match tokio::time::timeout(REDIS_PATIENCE, invocation.invoke_async(&mut connection))
                .await
            {
                Ok(Ok(answer)) => answer,
                Ok(Err(error)) => return Err(self.unavailable(&error)),
                Err(_) => return Err(self.unavailable(&"no answer in time")),
            };
        Ok(match answer.as_slice() {
            [0] => Ok((max > 0).then(|| Slot {
                connection,
                key: in_flight_key,
                call,
            })),
            [1] => Err(Refusal::new(
                &self.bounds,
                Exceeded::InFlight { max },
                IN_FLIGHT_RETRY,
            )),
            [2, wait] => Err(Refusal::new(
                &self.bounds,
                Exceeded::Rate {
                    per_minute: self.bounds.per_minute.unwrap_or(0),
                },
                Duration::from_micros(*wait),
            )),
            _ => return Err(self.unavailable(&"an answer the script never gives")),
        })
    }

    fn unavailable(&self, error: &dyn std::fmt::Display) -> Unavailable {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let last = self.last_warning.load(Ordering::Relaxed);
        if now >= last + WARN_EVERY.as_secs()
            && self
                .last_warning
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(%error, limiter = self.bounds.name, "Redis did not answer a limit's count; this replica counts for itself meanwhile");
        }
        Unavailable
    }
}
