//! `tools/list` and `tools/call`, as every MCP transport answers them.

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResult, ContentBlock, ErrorData, ListToolsResult,
};
use serde_json::Value;

use super::{LIST_TTL, Protocol, millis};
use crate::{executor::Caller, tools::ToolError};

impl Protocol {
    /// The whole catalogue, the same for every caller.
    pub fn list_tools(&self) -> ListToolsResult {
        let tools = self
            .executor
            .catalogue()
            .iter()
            .map(|tool| tool.to_mcp())
            .collect();
        ListToolsResult::with_all_items(tools)
            .with_ttl_ms(millis(LIST_TTL))
            .with_cache_scope(CacheScope::Public)
    }

    /// Runs a `tools/call` for `caller`: an unknown tool is protocol misuse
    /// (-32602); any other failure is a result with `isError` whose text
    /// tells the model what to change.
    pub async fn call_tool(
        &self,
        caller: &Caller,
        request: CallToolRequestParams,
    ) -> Result<CallToolResult, ErrorData> {
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
            Err(error) => Ok(CallToolResult::error(vec![ContentBlock::text(
                error.to_string(),
            )])),
        }
    }
}
