//! Open `/sse` streams and the POSTs answered on them. A session id names
//! the replica that holds its stream (`<replica>.<random>`), so a POST on any
//! replica knows where its answer must go; the relay (PostgreSQL or Redis)
//! records who owns each stream and carries answers between replicas.
//! Without a relay (SQLite: one process) everything stays in this map.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::relay::{Relay, RelayError, RelayTarget, Start};
use crate::{domain::TenantId, storage::SseClaim};

/// Responses queued for one slow stream before further answers go in the
/// POST's body instead.
const QUEUE: usize = 32;

#[derive(Clone)]
pub struct Sessions {
    replica: Arc<str>,
    local: LocalStreams,
    relay: Option<Relay>,
}

/// A stream opened here: its id, its messages, and its registration, which
/// ends the session when dropped.
pub(super) struct Opened {
    pub id: String,
    pub messages: mpsc::Receiver<String>,
    pub registration: Registration,
}

/// Whether an answer went to the stream.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Delivery {
    /// On the stream (here, or handed to the relay for another replica).
    Sent,
    /// The stream is gone or too far behind: answer in the POST's body.
    InBody,
}

impl Sessions {
    /// Streams open on this replica.
    pub fn open_streams(&self) -> usize {
        self.local.len()
    }

    /// This replica's sessions, shared through `relay` when there is one;
    /// the relay's heartbeat runs every `heartbeat` until `shutdown`.
    pub async fn start(
        relay: Option<RelayTarget>,
        heartbeat: Duration,
        shutdown: CancellationToken,
    ) -> Result<Sessions, RelayError> {
        let replica = Uuid::new_v4().simple().to_string()[..16].to_owned();
        let local = LocalStreams::default();
        let relay = match relay {
            None => None,
            Some(target) => {
                let start = Start {
                    replica: &replica,
                    local: local.clone(),
                    heartbeat,
                    shutdown,
                };
                Some(Relay::start(target, start).await?)
            }
        };
        Ok(Sessions {
            replica: replica.into(),
            local,
            relay,
        })
    }

    /// Opens a session for a new stream, owned by `owner` when the stream
    /// was opened with a credential.
    pub(super) async fn open(&self, owner: Option<TenantId>) -> Result<Opened, RelayError> {
        let id = format!("{}.{}", self.replica, Uuid::new_v4().simple());
        if let Some(relay) = &self.relay {
            relay.open(&id, &self.replica, owner.as_ref()).await?;
        }
        let (sender, messages) = mpsc::channel(QUEUE);
        self.local.insert(id.clone(), sender, owner);
        Ok(Opened {
            registration: Registration {
                id: id.clone(),
                sessions: self.clone(),
            },
            id,
            messages,
        })
    }

    /// May `tenant` use the stream of `session`?
    pub(super) async fn claim(
        &self,
        session: &str,
        tenant: &TenantId,
    ) -> Result<SseClaim, RelayError> {
        let Some(holder) = holder(session) else {
            // Not an id we issue (e.g. the scheduled tasks' `task_...`).
            return Ok(SseClaim::Absent);
        };
        match &self.relay {
            Some(relay) => relay.claim(session, holder, tenant).await,
            None => Ok(self.local.claim(session, tenant)),
        }
    }

    /// Sends `message` on the stream of a session claimed before.
    pub(super) async fn deliver(&self, session: &str, message: String) -> Delivery {
        let Some(holder) = holder(session) else {
            return Delivery::InBody;
        };
        if holder == &*self.replica {
            return self.local.send(session, message);
        }
        let Some(relay) = &self.relay else {
            return Delivery::InBody;
        };
        match relay.send(holder, session, &message).await {
            Ok(()) => Delivery::Sent,
            Err(error) => {
                tracing::warn!(%error, "could not relay an answer to its /sse stream");
                Delivery::InBody
            }
        }
    }
}

/// The replica part of a session id we issued.
fn holder(session: &str) -> Option<&str> {
    let (replica, random) = session.split_once('.')?;
    let hex = |part: &str, len| part.len() == len && part.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(replica, 16) && hex(random, 32)).then_some(replica)
}

/// The streams this replica holds.
#[derive(Clone, Default)]
pub(super) struct LocalStreams(Arc<Mutex<HashMap<String, LocalStream>>>);

struct LocalStream {
    sender: mpsc::Sender<String>,
    /// Used only without a relay; with one, the relay's record decides.
    owner: Option<TenantId>,
}

impl LocalStreams {
    fn len(&self) -> usize {
        self.with(|streams| streams.len())
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, LocalStream>) -> T) -> T {
        // The map stays consistent whatever a panicking holder was doing.
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn insert(&self, id: String, sender: mpsc::Sender<String>, owner: Option<TenantId>) {
        self.with(|streams| streams.insert(id, LocalStream { sender, owner }));
    }

    fn remove(&self, id: &str) {
        self.with(|streams| streams.remove(id));
    }

    fn claim(&self, id: &str, tenant: &TenantId) -> SseClaim {
        self.with(|streams| match streams.get_mut(id) {
            None => SseClaim::Absent,
            Some(stream) => match &stream.owner {
                Some(owner) if owner != tenant => SseClaim::Foreign,
                Some(_) => SseClaim::Owned,
                None => {
                    stream.owner = Some(tenant.clone());
                    SseClaim::Owned
                }
            },
        })
    }

    /// Queues `message` on the stream `id` if this replica holds it.
    pub(super) fn send(&self, id: &str, message: String) -> Delivery {
        self.with(|streams| {
            let Some(stream) = streams.get(id) else {
                return Delivery::InBody;
            };
            match stream.sender.try_send(message) {
                Ok(()) => Delivery::Sent,
                Err(_) => Delivery::InBody,
            }
        })
    }
}

/// Held by the response stream: dropping it (the client left, or the server
/// is shutting down) ends the session here and in the relay.
pub(super) struct Registration {
    id: String,
    sessions: Sessions,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.sessions.local.remove(&self.id);
        let (Some(relay), Ok(runtime)) = (
            self.sessions.relay.clone(),
            tokio::runtime::Handle::try_current(),
        ) else {
            return;
        };
        let id = std::mem::take(&mut self.id);
        let replica = self.sessions.replica.clone();
        runtime.spawn(async move {
            if let Err(error) = relay.close(&id, &replica).await {
                tracing::warn!(%error, "could not remove a closed /sse stream's record");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn in_process() -> Sessions {
        Sessions::start(None, Duration::from_secs(1), CancellationToken::new())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn only_ids_we_issue_name_a_holder() {
        let sessions = in_process().await;
        let id = format!("{}.{}", sessions.replica, Uuid::new_v4().simple());
        assert_eq!(holder(&id), Some(&*sessions.replica));
        for other in [
            "task_nightly_report_42",
            "x",
            "",
            ".",
            "0123456789abcdef.",
            "0123456789abcdef.0123456789abcdef0123456789abcdeg",
        ] {
            assert_eq!(holder(other), None, "{other}");
        }
    }

    #[tokio::test]
    async fn an_anonymous_stream_belongs_to_its_first_hotel() {
        let sessions = in_process().await;
        let opened = sessions.open(None).await.unwrap();
        let (first, second) = (TenantId::generate(), TenantId::generate());
        assert_eq!(
            sessions.claim(&opened.id, &first).await.unwrap(),
            SseClaim::Owned
        );
        assert_eq!(
            sessions.claim(&opened.id, &first).await.unwrap(),
            SseClaim::Owned
        );
        assert_eq!(
            sessions.claim(&opened.id, &second).await.unwrap(),
            SseClaim::Foreign
        );
        let id = opened.id.clone();
        drop(opened);
        assert_eq!(sessions.claim(&id, &first).await.unwrap(), SseClaim::Absent);
    }

    #[tokio::test]
    async fn a_closed_or_full_stream_is_answered_in_the_body() {
        let sessions = in_process().await;
        let Opened {
            id,
            messages,
            registration,
        } = sessions.open(None).await.unwrap();
        for _ in 0..QUEUE {
            assert_eq!(sessions.deliver(&id, "m".into()).await, Delivery::Sent);
        }
        assert_eq!(sessions.deliver(&id, "m".into()).await, Delivery::InBody);
        drop(messages);
        drop(registration);
        assert_eq!(sessions.deliver(&id, "m".into()).await, Delivery::InBody);
    }
}
