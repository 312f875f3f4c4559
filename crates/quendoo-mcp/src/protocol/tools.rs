//! `tools/list` and `tools/call`, as every MCP transport answers them.

use std::collections::BTreeMap;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
    ElicitRequest, ElicitRequestParams, ElicitResult, ElicitationAction, ElicitationSchema,
    ErrorData, InputRequest, InputRequests, InputRequiredResult, ListToolsResult,
};
use serde_json::{Value, json};

use super::{LIST_TTL, Protocol, millis};
use crate::{
    auth::{Scope, Scopes},
    executor::{Answer, Approval, Caller},
    policy::{HotelPolicy, Narrowing, Toolsets},
    tools::{Structured, ToolDef, ToolError, whole_seconds},
};

/// What a `tools/call` came to, before a transport makes its answer.
pub enum ToolOutcome {
    /// The tool ran, or a write was previewed or declined.
    Done(Structured),
    /// A failure, as the result (`isError`) that tells the model why.
    Failed(CallToolResult),
    /// A write asks the person first (only when the client can answer).
    Asks(InputRequiredResult),
}

/// The key of the one question a write asks by elicitation.
const CONFIRM_INPUT: &str = "confirm";

/// What a caller may call now: the catalogue, less what the hotel's policy,
/// the connection's narrowing and the credential's scopes leave out. Read
/// once for a list of tools or of the resources they read.
pub(super) struct Callable<'a> {
    caller: &'a Caller,
    policy: HotelPolicy,
}

impl Callable<'_> {
    pub(super) fn allows(&self, tool: &ToolDef) -> bool {
        self.caller.scopes.contains(tool.scope())
            && self
                .policy
                .denies(self.caller.narrowing, tool.traits())
                .is_none()
    }

    /// A list narrowed in any way must not be served from a shared cache to
    /// a caller who may do more.
    pub(super) fn cache_scope(&self) -> CacheScope {
        let whole = self.caller.scopes == Scopes::ALL
            && self.caller.narrowing == Narrowing::NONE
            && self.policy.toolsets == Toolsets::ALL
            && !self.policy.read_only;
        if whole {
            CacheScope::Public
        } else {
            CacheScope::Private
        }
    }
}

impl Protocol {
    pub(super) async fn callable<'a>(&self, caller: &'a Caller) -> Result<Callable<'a>, ErrorData> {
        let policy = self
            .executor
            .hotel(caller)
            .await
            .map_err(|error| ErrorData::internal_error(error.to_string(), None))?
            .policy;
        Ok(Callable { caller, policy })
    }

    /// The tools `caller` may call now.
    pub async fn list_tools(&self, caller: &Caller) -> Result<ListToolsResult, ErrorData> {
        let callable = self.callable(caller).await?;
        let tools = self
            .executor
            .catalogue()
            .iter()
            .filter(|tool| callable.allows(tool))
            .map(|tool| tool.to_mcp())
            .collect();
        Ok(ListToolsResult::with_all_items(tools)
            .with_ttl_ms(millis(LIST_TTL))
            .with_cache_scope(callable.cache_scope()))
    }

    /// The scope `caller` lacks to call `name`, if any (an unknown tool
    /// needs none: it is refused as unknown).
    pub fn missing_scope(&self, caller: &Caller, name: &str) -> Option<Scope> {
        let tool = self.executor.catalogue().get(name)?;
        (!caller.scopes.contains(tool.scope())).then(|| tool.scope())
    }

    /// Runs a `tools/call` for `caller`: an unknown tool is protocol misuse
    /// (-32602); any other failure is a result with `isError` whose text
    /// tells the model what to change. A write that needs a person's yes
    /// asks for it by elicitation when the client can answer one
    /// (`elicits`: form elicitation on revision 2026-07-28, whose
    /// `requestState` is the confirmation code), and otherwise answers the
    /// preview with the code to call again with.
    pub async fn call_tool(
        &self,
        caller: &Caller,
        request: CallToolRequestParams,
        elicits: bool,
    ) -> Result<CallToolResponse, ErrorData> {
        Ok(match self.run_tool(caller, request, elicits).await? {
            ToolOutcome::Done(structured) => done(structured).into(),
            ToolOutcome::Failed(result) => result.into(),
            ToolOutcome::Asks(question) => question.into(),
        })
    }

    /// [`Protocol::call_tool`], before its result is made: for a transport
    /// that writes the structured result's JSON as it is.
    pub async fn run_tool(
        &self,
        caller: &Caller,
        request: CallToolRequestParams,
        elicits: bool,
    ) -> Result<ToolOutcome, ErrorData> {
        if let Some(scope) = self.missing_scope(caller, &request.name) {
            return Err(ErrorData::invalid_request(
                format!(
                    "this token may not call `{}`: it needs the scope {}",
                    request.name,
                    scope.name()
                ),
                None,
            ));
        }
        let approval = match request.request_state {
            None => Approval::Unasked,
            Some(code) => Approval::Answered {
                code,
                accepted: accepted(request.input_responses.as_ref())?,
            },
        };
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let name = request.name;
        match self
            .executor
            .execute(caller, &name, arguments, approval)
            .await
        {
            Ok(Answer::Pending { preview, code, .. }) if elicits => {
                let question = ElicitRequestParams::FormElicitationParams {
                    meta: None,
                    message: format!("{}\n\nGo ahead?", preview.summary),
                    requested_schema: ElicitationSchema::new(BTreeMap::new()),
                };
                let requests = InputRequests::from([(
                    CONFIRM_INPUT.to_owned(),
                    InputRequest::Elicitation(ElicitRequest::new(question)),
                )]);
                let question = InputRequiredResult::new(Some(requests), Some(code));
                Ok(ToolOutcome::Asks(question))
            }
            Ok(answer) => Ok(ToolOutcome::Done(answer.into_structured(&name))),
            Err(ToolError::UnknownTool(name)) => Err(ErrorData::invalid_params(
                format!("unknown tool `{name}`: call tools/list for the tools this server offers"),
                None,
            )),
            Err(error) => Ok(ToolOutcome::Failed(error_result(&error))),
        }
    }
}

/// Whether the person accepted, from the client's answer to our question;
/// a decline and a cancel are both a no.
fn accepted(responses: Option<&BTreeMap<String, Value>>) -> Result<bool, ErrorData> {
    let answer = responses
        .and_then(|responses| responses.get(CONFIRM_INPUT))
        .and_then(|answer| serde_json::from_value::<ElicitResult>(answer.clone()).ok())
        .ok_or_else(|| {
            ErrorData::invalid_params(
                format!(
                    "requestState comes back with inputResponses.{CONFIRM_INPUT}, the person's \
                     answer to the question asked"
                ),
                None,
            )
        })?;
    Ok(answer.action == ElicitationAction::Accept)
}

/// A call's result: the structured value, and its JSON as the text block
/// (made once, by the guard).
fn done(structured: Structured) -> CallToolResult {
    let (value, json) = match structured.into_parts() {
        Ok(parts) => parts,
        Err(error) => return error_result(&error),
    };
    let mut result = CallToolResult::success(vec![ContentBlock::text(json)]);
    result.structured_content = Some(value);
    result
}

/// A failed call as a result the model reads; a refusal that can pass
/// later also says when, for a client to act on (`retry_after_s`).
fn error_result(error: &ToolError) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(error.to_string())]);
    if let Some(wait) = error.retry_after() {
        result.structured_content = Some(json!({
            "error": error.kind(),
            "retry_after_s": whole_seconds(wait),
        }));
    }
    result
}
