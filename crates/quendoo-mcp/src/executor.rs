//! The one place a tool call runs, whichever transport it came by: look the
//! tool up, hold it against the hotel's policy and the connection's
//! narrowing, check the arguments against its schema, fetch the caller's
//! credential for it, preview a write that needs a person's yes (or check
//! the yes it carries), run it, and leave a trace in the log and the audit
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
    confirmation::Confirmations,
    crypto::token_hash,
    domain::{ConnectionId, TenantId, UserId},
    hotels::{Credential, Hotel, Hotels},
    limits::Limiter,
    metrics::Metrics,
    policy::{HotelPolicy, Narrowing},
    secrets::SecretStore,
    storage::{AuditEntry, Reservation, Store, TenantStamp},
    tools::{
        CONFIRMATION_ARGUMENT, Catalogue, PmsCaches, Preview, ResultBudget, Structured,
        ToolContext, ToolDef, ToolError, WriteAnswer,
    },
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
    /// What the connection asked to be narrowed to (its headers).
    pub narrowing: Narrowing,
    /// Which way the call came, as the transport sets it (for the audit trail).
    pub origin: Origin,
    /// The tenant's stamp as the request read it when authenticating; `None`
    /// where nothing was read (it is read when the call needs it).
    pub stamp: Option<TenantStamp>,
}

impl Caller {
    /// A caller for the whole hotel: every scope, no narrowing yet.
    pub fn hotel(tenant: TenantId, user: Option<UserId>, stamp: Option<TenantStamp>) -> Self {
        Caller {
            tenant,
            user,
            scopes: Scopes::ALL,
            narrowing: Narrowing::NONE,
            origin: Origin::default(),
            stamp,
        }
    }
}

/// What a tool call came to.
#[derive(Debug)]
pub enum Answer {
    /// The tool ran: its structured result.
    Done(Structured),
    /// A write waits for a person's yes; nothing was done.
    Pending {
        preview: Preview,
        /// The confirmation code.
        code: String,
        expires_in: Duration,
    },
    /// The person said no; nothing was done.
    Declined,
}

impl Answer {
    /// The structured result every transport sends for `tool`.
    pub fn into_structured(self, tool: &str) -> Structured {
        let answer = match self {
            Answer::Done(result) => return result,
            Answer::Pending {
                preview,
                code,
                expires_in,
            } => WriteAnswer::awaiting(tool, preview, code, expires_in),
            Answer::Declined => WriteAnswer::declined(tool),
        };
        Structured::new(serde_json::to_value(answer).unwrap_or_default())
    }

    fn outcome(&self) -> &'static str {
        match self {
            Answer::Done(_) => "ok",
            Answer::Pending { .. } => "confirmation_required",
            Answer::Declined => "declined",
        }
    }
}

/// Whether a person has been asked about a write, by elicitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    /// Not by this call: a write that needs a yes is previewed, unless its
    /// arguments carry a `confirmation` code.
    Unasked,
    /// The person answered the question about the preview whose code is `code`.
    Answered { code: String, accepted: bool },
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
    /// The REST connection the call came on: its use is recorded with the
    /// call's audit entry.
    pub connection: Option<ConnectionId>,
}

const MAX_CLIENT_NAME: usize = 64;

impl Origin {
    pub fn new(transport: Transport, client: Option<&str>) -> Self {
        Origin {
            transport: Some(transport),
            client: client.and_then(plain_name),
            connection: None,
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

/// How calls are bounded and confirmed, from the server's settings.
pub struct CallSettings {
    /// Uses per hour and hotel of each tool that reaches people.
    pub people_hourly_limit: u32,
    /// The most one call may take, retries included.
    pub deadline: Duration,
    pub confirmations: Confirmations,
    /// The most one tool result may hold.
    pub result_budget: ResultBudget,
    /// The most hotels whose policy and credentials are kept in memory.
    pub hotel_cache_capacity: u64,
}

#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

struct Inner {
    catalogue: Catalogue,
    client: QuendooClient,
    hotels: Hotels,
    store: Store,
    audit: AuditTrail,
    caches: PmsCaches,
    /// Uses per hour and hotel of each tool that reaches people.
    people_hourly_limit: u32,
    /// The most one call may take, retries included.
    deadline: Duration,
    confirmations: Confirmations,
    /// Each hotel's rate and calls in flight.
    limits: Limiter,
    metrics: Metrics,
    /// The most one tool result may hold.
    result_budget: ResultBudget,
}

impl Executor {
    pub fn new(
        client: QuendooClient,
        secrets: SecretStore,
        store: Store,
        settings: CallSettings,
        limits: Limiter,
        metrics: Metrics,
    ) -> Self {
        let CallSettings {
            people_hourly_limit,
            deadline,
            confirmations,
            result_budget,
            hotel_cache_capacity,
        } = settings;
        Self {
            inner: Arc::new(Inner {
                catalogue: Catalogue::new(),
                client,
                hotels: Hotels::new(store.clone(), secrets, hotel_cache_capacity),
                audit: AuditTrail::start(store.for_background()),
                store,
                caches: PmsCaches::new(),
                people_hourly_limit,
                deadline,
                confirmations,
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

    /// The caller's hotel: its policy, as its operator set it, and its
    /// credentials, both current as of the caller's stamp.
    pub async fn hotel(&self, caller: &Caller) -> Result<Arc<Hotel>, ToolError> {
        self.inner
            .hotels
            .get(&caller.tenant, caller.stamp)
            .await
            .map_err(|error| {
                tracing::error!(tenant = %caller.tenant, %error, "could not read the hotel's policy and credentials");
                ToolError::Internal(error.into())
            })
    }

    /// Whether the hotel's policy and the caller's narrowing let `caller`
    /// call `name` (an unknown tool is refused as unknown).
    pub async fn check_allowed(&self, caller: &Caller, name: &str) -> Result<(), ToolError> {
        let Some(tool) = self.catalogue().get(name) else {
            return Err(ToolError::UnknownTool(name.chars().take(64).collect()));
        };
        allowed(&self.hotel(caller).await?.policy, caller, tool)
    }

    /// Runs `name` for `caller`; `arguments` is the JSON object the client
    /// sent (for a write, it may carry a `confirmation` code).
    pub async fn execute(
        &self,
        caller: &Caller,
        name: &str,
        arguments: Value,
        approval: Approval,
    ) -> Result<Answer, ToolError> {
        let Some(tool) = self.catalogue().get(name) else {
            return Err(ToolError::UnknownTool(name.chars().take(64).collect()));
        };
        let started = Instant::now();
        let (mut arguments, approval) = take_confirmation(tool, arguments, approval);
        // Checked before anything is counted: a call that cannot run costs
        // the hotel nothing. The digest is of the checked arguments, so a
        // `null` sent for an optional one does not change it.
        let checked = self.hotel(caller).await.and_then(|hotel| {
            allowed(&hotel.policy, caller, tool)?;
            tool.validate(&mut arguments).map(|()| hotel)
        });
        let args_digest = digest(&arguments);
        let (outcome, upstream_status) = match checked {
            Err(error) => (Err(error), None),
            Ok(hotel) => match self.inner.limits.admit(caller.tenant.as_str()).await {
                // Held until the call ends, whichever way.
                Ok(_permit) => {
                    let call = Call {
                        caller,
                        tool,
                        arguments,
                        args_digest: &args_digest,
                        confirm: hotel.policy.confirms(tool.traits()),
                        hotel: &hotel,
                        approval,
                    };
                    let within_deadline = async {
                        let outcome = tokio::time::timeout(self.inner.deadline, self.run(call))
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
            },
        };
        let duration = started.elapsed();
        let result = match &outcome {
            Ok(answer) => answer.outcome(),
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
            connection: caller.origin.connection,
        };
        // The call has had its effect by now: a lost audit row is logged, not
        // turned into a failed call.
        if let Err(error) = self.inner.audit.record(entry).await {
            tracing::warn!(tenant = %caller.tenant, tool = tool.name, %error, "could not record the audit entry");
        }
        outcome
    }

    /// Runs a read-only tool: its structured result.
    pub async fn read(
        &self,
        caller: &Caller,
        name: &str,
        arguments: Value,
    ) -> Result<Structured, ToolError> {
        self.execute(caller, name, arguments, Approval::Unasked)
            .await
            .map(|answer| answer.into_structured(name))
    }

    async fn run(&self, call: Call<'_>) -> Result<Answer, ToolError> {
        let Call {
            caller,
            tool,
            arguments,
            args_digest,
            confirm,
            hotel,
            approval,
        } = call;
        let context = self.context(caller, tool, hotel)?;
        if confirm {
            let confirmations = &self.inner.confirmations;
            let holds =
                |code: &str| confirmations.holds(code, &caller.tenant, tool.name, args_digest);
            match approval {
                Approval::Unasked => {
                    let Some(preview) = tool.preview(context, arguments).await else {
                        return Err(ToolError::Internal(anyhow::anyhow!(
                            "{} needs a confirmation but has no preview",
                            tool.name
                        )));
                    };
                    return Ok(Answer::Pending {
                        preview: preview?,
                        code: confirmations.issue(&caller.tenant, tool.name, args_digest),
                        expires_in: confirmations.ttl(),
                    });
                }
                Approval::Answered { code, .. } if !holds(&code) => {
                    return Err(ToolError::BadConfirmation);
                }
                Approval::Answered {
                    accepted: false, ..
                } => return Ok(Answer::Declined),
                Approval::Answered {
                    code,
                    accepted: true,
                } => self.spend(&code).await?,
            }
        }
        if tool.hints.open_world {
            self.reserve_people_call(caller, tool).await?;
        }
        tool.run(context, arguments).await.map(Answer::Done)
    }

    /// What the tool works with: the hotel's credential for it, and the
    /// shared client and caches.
    fn context(
        &self,
        caller: &Caller,
        tool: &ToolDef,
        hotel: &Hotel,
    ) -> Result<ToolContext, ToolError> {
        let credential = match hotel.credential(tool.credential) {
            Credential::Ready(secret) => secret.clone(),
            Credential::Missing => return Err(ToolError::MissingCredential(tool.credential)),
            Credential::Unreadable => return Err(ToolError::UnreadableCredential(tool.credential)),
        };
        Ok(ToolContext::new(
            self.inner.client.clone(),
            credential,
            self.inner.caches.clone(),
            &caller.tenant,
            self.inner.result_budget,
        ))
    }

    /// A confirmed write runs once: the first use of its code, on any
    /// replica, is recorded before the write; a code used before is refused.
    async fn spend(&self, code: &str) -> Result<(), ToolError> {
        let first = self
            .inner
            .store
            .spend_confirmation(&token_hash(code), self.inner.confirmations.ttl())
            .await
            .map_err(|error| ToolError::Internal(error.into()))?;
        if first {
            Ok(())
        } else {
            Err(ToolError::ConfirmationUsed)
        }
    }

    /// E-mails and calls reach real people: a hotel gets at most so many an
    /// hour. Each use is reserved before the send, atomically on the shared
    /// database, so a burst (on any replicas) sends no more than the cap.
    async fn reserve_people_call(&self, caller: &Caller, tool: &ToolDef) -> Result<(), ToolError> {
        let limit = self.inner.people_hourly_limit;
        let reservation = self
            .inner
            .store
            .reserve_people_call(&caller.tenant, tool.name, limit, Duration::from_secs(3600))
            .await
            .map_err(|error| ToolError::Internal(error.into()))?;
        match reservation {
            Reservation::Made(_) => Ok(()),
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

/// Refuses `tool` when `policy` or the caller's narrowing leave it out.
fn allowed(policy: &HotelPolicy, caller: &Caller, tool: &ToolDef) -> Result<(), ToolError> {
    match policy.denies(caller.narrowing, tool.traits()) {
        Some(denied) => Err(ToolError::NotAllowed {
            tool: tool.name,
            denied,
        }),
        None => Ok(()),
    }
}

/// One admitted call, as `Executor::run` takes it.
struct Call<'a> {
    caller: &'a Caller,
    tool: &'a ToolDef,
    arguments: Value,
    args_digest: &'a str,
    /// The hotel's policy wants a person's yes first.
    confirm: bool,
    hotel: &'a Hotel,
    approval: Approval,
}

/// A write's `confirmation` argument, taken out of its arguments: a code in
/// the arguments stands for a yes (the person was asked by the client, on
/// the preview that code came with); a code that is not a string holds for
/// nothing, and a `null` is "not given", as for every optional argument.
/// Another tool's arguments stay as they are, where an unknown
/// `confirmation` is refused like any unknown field.
fn take_confirmation(tool: &ToolDef, arguments: Value, approval: Approval) -> (Value, Approval) {
    let Value::Object(mut fields) = arguments else {
        return (arguments, approval);
    };
    if !tool.is_confirmable() {
        return (Value::Object(fields), approval);
    }
    let approval = match (approval, fields.remove(CONFIRMATION_ARGUMENT)) {
        (Approval::Unasked, Some(code)) if !code.is_null() => Approval::Answered {
            code: code.as_str().unwrap_or_default().to_owned(),
            accepted: true,
        },
        (approval, _) => approval,
    };
    (Value::Object(fields), approval)
}

/// SHA-256 of the arguments' canonical JSON (object keys sorted): lets an
/// auditor match a call to a complaint without storing guests' data.
fn digest(arguments: &Value) -> String {
    let bytes = serde_json::to_vec(arguments).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}
