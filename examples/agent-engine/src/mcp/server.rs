//! [`ToolServer`]: the engine's tools served over MCP by an rmcp `ServerHandler`.

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool as McpTool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;

use crate::tools::ToolRegistry;

/// The member of an `isError` result's structured content that names the tool's error type.
pub(crate) const ERROR_TYPE_KEY: &str = "error_type";

/// Serves the tools of a [`ToolRegistry`] over MCP: `tools/list` from their definitions,
/// `tools/call` runs one. A tool's result travels as JSON text (a string result as a JSON
/// string too), so the client gets back the same value; a tool's failure is a
/// `CallToolResult` with `isError`, the tool's message as its text (what the model then
/// sees) and `{"error_type": …}` as its structured content; an unknown tool is a JSON-RPC
/// `invalid params` error.
#[derive(Clone, Debug)]
pub struct ToolServer {
    tools: ToolRegistry,
}

impl ToolServer {
    /// A server for `tools`.
    pub fn new(tools: ToolRegistry) -> Self {
        Self { tools }
    }
}

impl ServerHandler for ToolServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build()).with_server_info(
            Implementation::new("agent-engine-tools", env!("CARGO_PKG_VERSION")),
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tools = self
            .tools
            .definitions()
            .into_iter()
            .map(|d| {
                let schema = match d.parameters {
                    Value::Object(o) => o,
                    _ => serde_json::Map::new(),
                };
                McpTool::new(d.name, d.description, schema)
            })
            .collect();
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(tool) = self.tools.get(&request.name) else {
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown tool {:?}: expected one of the names tools/list returns",
                    request.name
                ),
                None,
            ));
        };
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let result = match tool.call(arguments).await {
            Ok(value) => CallToolResult::success(vec![ContentBlock::text(value.to_string())]),
            Err(e) => {
                let mut r = CallToolResult::error(vec![ContentBlock::text(e.message)]);
                // The tool's own low-cardinality error type, for the agent's span and metric
                // (the MCP span records the conventions' `tool_error`).
                r.structured_content = Some(Value::Object(serde_json::Map::from_iter([(
                    ERROR_TYPE_KEY.to_owned(),
                    Value::from(e.error_type),
                )])));
                r
            }
        };
        Ok(CallToolResponse::Complete(result))
    }
}
