//! The one place a tool call runs, whichever transport it came by: look the
//! tool up, check the arguments against its schema, fetch the caller's
//! credential for it, run it, and leave a trace in the log and the audit
//! trail (never the arguments themselves: they hold guests' data).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use quendoo_api::QuendooClient;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{
    audit::AuditTrail,
    auth::Scopes,
    domain::{TenantId, UserId},
    limits::Limiter,
    secrets::SecretStore,
    storage::{AuditEntry, Reservation, Store},
    tools::{Catalogue, PmsCaches, ToolContext, ToolDef, ToolError},
};

/// Who a call is made for, as verified by the transport (a token, a
/// connection, a hotel key): never something a model can say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub tenant: TenantId,
    pub user: Option<UserId>,
    /// What the credential allows: all, for the dashboard's tokens and hotel
    /// keys; what was granted, for an OAuth access token.
    pub scopes: Scopes,
}

#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

struct Inner {
    catalogue: Catalogue,
    client: QuendooClient,
    secrets: SecretStore,
    store: Store,
    audit: AuditTrail,
    caches: PmsCaches,
    /// Uses per hour and hotel of each tool that reaches people.
    people_hourly_limit: u32,
    /// The most one call may take, retries included.
    deadline: Duration,
    /// Each hotel's rate and calls in flight.
    limits: Limiter,
}

impl Executor {
    pub fn new(
        client: QuendooClient,
        secrets: SecretStore,
        store: Store,
        people_hourly_limit: u32,
        deadline: Duration,
        limits: Limiter,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                catalogue: Catalogue::new(),
                client,
                secrets,
                audit: AuditTrail::start(store.clone()),
                store,
                caches: PmsCaches::new(),
                people_hourly_limit,
                deadline,
                limits,
            }),
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    /// The PMS client, for checks outside a tool call (verifying a new key).
    pub fn client(&self) -> &QuendooClient {
        &self.inner.client
    }

    /// Runs `name` for `caller`; `arguments` is the JSON object the client sent.
    pub async fn execute(
        &self,
        caller: &Caller,
        name: &str,
        arguments: Value,
    ) -> Result<Value, ToolError> {
        let Some(tool) = self.catalogue().get(name) else {
            return Err(ToolError::UnknownTool(name.chars().take(64).collect()));
        };
        let started = Instant::now();
        let args_digest = digest(&arguments);
        let outcome = match self.inner.limits.admit(caller.tenant.as_str()).await {
            // Held until the call ends, whichever way.
            Ok(_permit) => {
                tokio::time::timeout(self.inner.deadline, self.run(caller, tool, arguments))
                    .await
                    .unwrap_or(Err(ToolError::DeadlineExceeded {
                        after: self.inner.deadline,
                        changes_things: !tool.hints.read_only,
                    }))
            }
            Err(refusal) => Err(ToolError::Busy(refusal)),
        };
        let duration = started.elapsed();
        let result = match &outcome {
            Ok(_) => "ok",
            Err(error) => error.kind(),
        };
        tracing::info!(
            tenant = %caller.tenant,
            tool = tool.name,
            outcome = result,
            duration_ms = duration.as_millis() as u64,
            "tool call"
        );
        if let Err(ToolError::Internal(error)) = &outcome {
            tracing::error!(tenant = %caller.tenant, tool = tool.name, error = %format!("{error:#}"), "tool call failed inside the server");
        }
        let entry = AuditEntry {
            tenant_id: caller.tenant.clone(),
            user_id: caller.user.clone(),
            tool: tool.name.to_owned(),
            outcome: result.to_owned(),
            duration_ms: duration.as_millis() as i64,
            args_digest,
        };
        // The call has had its effect by now: a lost audit row is logged, not
        // turned into a failed call.
        if let Err(error) = self.inner.audit.record(entry).await {
            tracing::warn!(tenant = %caller.tenant, tool = tool.name, %error, "could not record the audit entry");
        }
        outcome
    }

    async fn run(
        &self,
        caller: &Caller,
        tool: &ToolDef,
        mut arguments: Value,
    ) -> Result<Value, ToolError> {
        tool.validate(&mut arguments)?;
        let reservation = if tool.hints.open_world {
            Some(self.reserve_people_call(caller, tool).await?)
        } else {
            None
        };
        let credential = self
            .inner
            .secrets
            .get(&caller.tenant, tool.credential)
            .await
            .map_err(|error| match error {
                crate::secrets::SecretError::Unreadable { .. } => {
                    ToolError::UnreadableCredential(tool.credential)
                }
                other => ToolError::Internal(other.into()),
            })?
            .ok_or(ToolError::MissingCredential(tool.credential));
        let credential = match credential {
            Ok(credential) => credential,
            Err(error) => {
                // Nothing was sent: the reservation goes back.
                if let Some(id) = reservation
                    && let Err(release) = self.inner.store.release_people_call(id).await
                {
                    tracing::warn!(error = %release, "could not release a reservation");
                }
                return Err(error);
            }
        };
        let context = ToolContext::new(
            self.inner.client.clone(),
            credential,
            self.inner.caches.clone(),
            &caller.tenant,
        );
        tool.run(context, arguments).await
    }

    /// E-mails and calls reach real people: a hotel gets at most so many an
    /// hour. Each use is reserved before the send, atomically on the shared
    /// database, so a burst (on any replicas) sends no more than the cap.
    async fn reserve_people_call(&self, caller: &Caller, tool: &ToolDef) -> Result<i64, ToolError> {
        let limit = self.inner.people_hourly_limit;
        let reservation = self
            .inner
            .store
            .reserve_people_call(&caller.tenant, tool.name, limit, Duration::from_secs(3600))
            .await
            .map_err(|error| ToolError::Internal(error.into()))?;
        match reservation {
            Reservation::Made(id) => Ok(id),
            Reservation::Full { retry_after } => Err(ToolError::LimitReached {
                tool: tool.name,
                limit,
                retry_after,
            }),
        }
    }
}

/// SHA-256 of the arguments' canonical JSON (object keys sorted): lets an
/// auditor match a call to a complaint without storing guests' data.
fn digest(arguments: &Value) -> String {
    let bytes = serde_json::to_vec(arguments).unwrap_or_default();
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
