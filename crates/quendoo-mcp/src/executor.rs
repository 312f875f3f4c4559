//! The one place a tool call runs, whichever transport it came by: look the
//! tool up, check the arguments against its schema, fetch the caller's
//! credential for it, run it, and leave a trace in the log and the audit
//! trail (never the arguments themselves: they hold guests' data).

use std::{
    cell::Cell,
    sync::Arc,
    time::{Duration, Instant},
};

use quendoo_api::{Exchange, Observer, QuendooClient};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{
    audit::AuditTrail,
    auth::Scopes,
    domain::{TenantId, UserId},
    limits::Limiter,
    metrics::Metrics,
    secrets::SecretStore,
    storage::{AuditEntry, Reservation, Store},
    tools::{Catalogue, PmsCaches, ResultBudget, ToolContext, ToolDef, ToolError},
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
    /// Which way the call came, as the transport sets it (for the audit trail).
    pub origin: Origin,
}

/// A transport that runs tool calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Mcp,
    LegacySse,
    Rest,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Mcp => "mcp",
            Transport::LegacySse => "sse",
            Transport::Rest => "rest",
        }
    }
}

/// The transport and the client's own name (MCP `clientInfo`, else its
/// `User-Agent`): what the client says, so shortened and kept plain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub transport: Option<Transport>,
    pub client: Option<String>,
}

const MAX_CLIENT_NAME: usize = 64;

impl Origin {
    pub fn new(transport: Transport, client: Option<&str>) -> Self {
        Origin {
            transport: Some(transport),
            client: client.and_then(plain_name),
        }
    }

    /// The client's name from a `User-Agent`: its first product.
    pub fn from_user_agent(transport: Transport, headers: &axum::http::HeaderMap) -> Self {
        let agent = headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .and_then(|agent| agent.split_whitespace().next());
        Origin::new(transport, agent)
    }
}

fn plain_name(raw: &str) -> Option<String> {
    let name: String = raw
        .chars()
        .filter(|c| c.is_alphanumeric() || " ._-/()@:+".contains(*c))
        .take(MAX_CLIENT_NAME)
        .collect();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

tokio::task_local! {
    /// The status of the last upstream exchange of the call running in
    /// this task, noted by [`UpstreamObserver`] for the call's audit entry.
    static UPSTREAM_STATUS: Cell<Option<u16>>;
}

/// Told of every upstream exchange: counts it, and notes its status for
/// the tool call it belongs to (if it belongs to one).
pub struct UpstreamObserver(pub Metrics);

impl Observer for UpstreamObserver {
    fn observe(&self, exchange: &Exchange) {
        self.0.upstream(exchange);
        // Outside a tool call (a key checked at sign-up) there is no entry.
        let _ = UPSTREAM_STATUS.try_with(|status| status.set(exchange.status));
    }
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
    metrics: Metrics,
    /// The most one tool result may hold.
    result_budget: ResultBudget,
}

impl Executor {
    // One argument per setting, each from its own flag: a struct for them
    // would only be unpacked here again.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client: QuendooClient,
        secrets: SecretStore,
        store: Store,
        people_hourly_limit: u32,
        deadline: Duration,
        limits: Limiter,
        metrics: Metrics,
        result_budget: ResultBudget,
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
                metrics,
                result_budget,
            }),
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    /// Audit entries waiting to be written.
    pub fn audit_queue_depth(&self) -> usize {
        self.inner.audit.queue_depth()
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
        let (outcome, upstream_status) = match self.inner.limits.admit(caller.tenant.as_str()).await
        {
            // Held until the call ends, whichever way.
            Ok(_permit) => {
                let within_deadline = async {
                    let outcome = tokio::time::timeout(
                        self.inner.deadline,
                        self.run(caller, tool, arguments),
                    )
                    .await
                    .unwrap_or(Err(ToolError::DeadlineExceeded {
                        after: self.inner.deadline,
                        changes_things: !tool.hints.read_only,
                    }));
                    (outcome, UPSTREAM_STATUS.with(Cell::get))
                };
                UPSTREAM_STATUS
                    .scope(Cell::new(None), within_deadline)
                    .await
            }
            Err(refusal) => (Err(ToolError::Busy(refusal)), None),
        };
        let duration = started.elapsed();
        let result = match &outcome {
            Ok(_) => "ok",
            Err(error) => error.kind(),
        };
        self.inner.metrics.tool_call(tool.name, result, duration);
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
            transport: caller.origin.transport.map(Transport::name),
            client: caller.origin.client.clone(),
            upstream_status,
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
            self.inner.result_budget,
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
            Reservation::Full { retry_after } => {
                self.inner.metrics.limit_hit("comms_hourly", "count");
                Err(ToolError::LimitReached {
                    tool: tool.name,
                    limit,
                    retry_after,
                })
            }
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
