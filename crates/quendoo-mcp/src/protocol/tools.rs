//! `tools/list` and `tools/call`, as every MCP transport answers them.

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResult, ContentBlock, ErrorData, ListToolsResult,
};
use serde_json::{Value, json};

use super::{LIST_TTL, Protocol, millis};
use crate::{
    auth::{Scope, Scopes},
    executor::Caller,
    tools::{ToolError, whole_seconds},
};

impl Protocol {
    /// The tools `scopes` may call: the whole catalogue for a dashboard
    /// token, the same for every caller with the same scopes.
    pub fn list_tools(&self, scopes: Scopes) -> ListToolsResult {
        let tools = self
            .executor
            .catalogue()
            .iter()
            .filter(|tool| scopes.contains(tool.scope()))
            .map(|tool| tool.to_mcp())
            .collect();
        // A narrowed list must not be served from a shared cache to a
        // caller who may do more.
        let scope = if scopes == Scopes::ALL {
            CacheScope::Public
        } else {
            CacheScope::Private
        };
        ListToolsResult::with_all_items(tools)
            .with_ttl_ms(millis(LIST_TTL))
            .with_cache_scope(scope)
    }

    /// The scope `caller` lacks to call `name`, if any (an unknown tool
    /// needs none: it is refused as unknown).
    pub fn missing_scope(&self, caller: &Caller, name: &str) -> Option<Scope> {
        let tool = self.executor.catalogue().get(name)?;
        (!caller.scopes.contains(tool.scope())).then(|| tool.scope())
    }

    /// Runs a `tools/call` for `caller`: an unknown tool is protocol misuse
    /// (-32602); any other failure is a result with `isError` whose text
    /// tells the model what to change.
    pub async fn call_tool(
        &self,
        caller: &Caller,
        request: CallToolRequestParams,
    ) -> Result<CallToolResult, ErrorData> {
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
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        match self
            .executor
            .execute(caller, &request.name, arguments)
            .await
        {
            Ok(structured) => Ok(CallToolResult::structured(structured)),
            Err(ToolError::UnknownTool(name)) => Err(ErrorData::invalid_params(
                format!("unknown tool `{name}`: call tools/list for the tools this server offers"),
                None,
            )),
            Err(error) => Ok(error_result(&error)),
        }
    }
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
