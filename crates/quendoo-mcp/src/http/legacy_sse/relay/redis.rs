//! The relay on Redis: each replica keeps the owners of its streams in one
//! hash (`quendoo:sse:<replica>`, session id to tenant id, empty while
//! anonymous) that expires unless its heartbeat renews it, and receives the
//! answers for its streams on its own channel.

use std::time::Duration;

use futures::StreamExt;
use redis::{AsyncCommands, Client, Script, aio::ConnectionManager};
use tokio_util::sync::CancellationToken;

use super::{RelayError, Start, pause_before_retry};
use crate::{domain::TenantId, http::legacy_sse::sessions::LocalStreams, storage::SseClaim};

/// Claims in one step, so two hotels racing for an anonymous stream cannot
/// both win: 0 absent, 1 owned (now or before), 2 another hotel's.
const CLAIM: &str = r"
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if not owner then return 0 end
if owner == '' then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) return 1 end
if owner == ARGV[2] then return 1 end
return 2
";

#[derive(Clone)]
pub struct RedisRelay {
    connection: ConnectionManager,
    claim: std::sync::Arc<Script>,
    alive: Duration,
}

fn streams_key(replica: &str) -> String {
    format!("quendoo:sse:{replica}")
}

fn channel(replica: &str) -> String {
    format!("quendoo:sse:{replica}:answers")
}

fn failed(what: &'static str) -> impl Fn(redis::RedisError) -> RelayError {
    move |error| RelayError::new(what, error)
}

impl RedisRelay {
    pub async fn start(url: &str, start: &Start<'_>) -> Result<Self, RelayError> {
        let client = Client::open(url).map_err(failed("REDIS_URL"))?;
        let connection = client
            .get_connection_manager()
            .await
            .map_err(failed("connecting to Redis"))?;
        let pubsub = subscribe(&client, start.replica).await?;
        tokio::spawn(receive(
            client,
            pubsub,
            start.replica.to_owned(),
            start.local.clone(),
            start.shutdown.clone(),
        ));
        Ok(RedisRelay {
            connection,
            claim: std::sync::Arc::new(Script::new(CLAIM)),
            alive: start.alive(),
        })
    }

    fn alive_ms(&self) -> i64 {
        i64::try_from(self.alive.as_millis()).unwrap_or(i64::MAX)
    }

    pub async fn open(
        &self,
        session: &str,
        replica: &str,
        owner: Option<&TenantId>,
    ) -> Result<(), RelayError> {
        let key = streams_key(replica);
        redis::pipe()
            .hset(&key, session, owner.map_or("", TenantId::as_str))
            .pexpire(&key, self.alive_ms())
            .exec_async(&mut self.connection.clone())
            .await
            .map_err(failed("recording an /sse stream in Redis"))
    }

    pub async fn close(&self, session: &str, replica: &str) -> Result<(), RelayError> {
        self.connection
            .clone()
            .hdel::<_, _, ()>(streams_key(replica), session)
            .await
            .map_err(failed("removing an /sse stream from Redis"))
    }

    pub async fn claim(
        &self,
        session: &str,
        holder: &str,
        tenant: &TenantId,
    ) -> Result<SseClaim, RelayError> {
        let outcome: i64 = self
            .claim
            .key(streams_key(holder))
            .arg(session)
            .arg(tenant.as_str())
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(failed("claiming an /sse stream in Redis"))?;
        Ok(match outcome {
            1 => SseClaim::Owned,
            2 => SseClaim::Foreign,
            _ => SseClaim::Absent,
        })
    }

    pub async fn send(&self, holder: &str, session: &str, message: &str) -> Result<(), RelayError> {
        self.connection
            .clone()
            .publish::<_, _, ()>(channel(holder), format!("{session}\n{message}"))
            .await
            .map_err(failed("relaying an /sse answer over Redis"))
    }

    pub async fn heartbeat(&self, replica: &str) -> Result<(), RelayError> {
        self.connection
            .clone()
            .pexpire::<_, ()>(streams_key(replica), self.alive_ms())
            .await
            .map_err(failed("refreshing /sse streams in Redis"))
    }
}

async fn subscribe(client: &Client, replica: &str) -> Result<redis::aio::PubSub, RelayError> {
    let mut pubsub = client
        .get_async_pubsub()
        .await
        .map_err(failed("subscribing on Redis"))?;
    pubsub
        .subscribe(channel(replica))
        .await
        .map_err(failed("subscribing on Redis"))?;
    Ok(pubsub)
}

/// Queues each answer published for this replica on its stream, and
/// subscribes again whenever the connection drops.
async fn receive(
    client: Client,
    mut pubsub: redis::aio::PubSub,
    replica: String,
    local: LocalStreams,
    shutdown: CancellationToken,
) {
    loop {
        let mut messages = pubsub.into_on_message();
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => return,
                message = messages.next() => message,
            };
            let Some(message) = message else { break };
            let Ok(payload) = message.get_payload::<String>() else {
                continue;
            };
            if let Some((session, answer)) = payload.split_once('\n') {
                local.send(session, answer.to_owned());
            }
        }
        tracing::warn!("the Redis subscription for /sse answers dropped; subscribing again");
        pubsub = loop {
            if !pause_before_retry(&shutdown).await {
                return;
            }
            match subscribe(&client, &replica).await {
                Ok(pubsub) => break pubsub,
                Err(error) => tracing::warn!(%error, "relay"),
            }
        };
    }
}
