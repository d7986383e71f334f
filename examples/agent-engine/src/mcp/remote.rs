//! [`RemoteTool`]: a tool the agent reaches through an MCP client.

use rmcp::ServiceError;
use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use serde_json::Value;
use telemetry_mcp::McpClient;

use super::server::ERROR_TYPE_KEY;
use crate::tools::{Tool, ToolError};

/// A tool served by an MCP server, called through a traced [`McpClient`]. Inside the agent's
/// `execute_tool` span the call describes that span (telemetry-mcp's default), and the
/// server's span is its child.
///
/// Outcomes the model sees as the tool's error, with the `error.type` the span records:
/// a result with `isError` (the server's text; `tool_error`, or the tool's own type when the
/// engine's [`ToolServer`](super::ToolServer) names it), a JSON-RPC error (its code),
/// no answer within the client's timeout (`timeout`), a closed or broken connection
/// (`transport_closed`), an answer of the wrong type (`unexpected_response`).
pub struct RemoteTool {
    client: McpClient,
    name: &'static str,
    description: &'static str,
    parameters: Value,
}

impl RemoteTool {
    /// The tool `name` of `client`'s server. The registry names tools by `&'static str`, so
    /// the name and description of a tool discovered at start-up are leaked once: a few
    /// bytes per tool for the life of the process.
    pub fn new(client: McpClient, tool: &rmcp::model::Tool) -> Self {
        Self {
            client,
            name: Box::leak(tool.name.to_string().into_boxed_str()),
            description: Box::leak(
                tool.description
                    .as_deref()
                    .unwrap_or_default()
                    .to_owned()
                    .into_boxed_str(),
            ),
            parameters: Value::Object((*tool.input_schema).clone()),
        }
    }
}

impl std::fmt::Debug for RemoteTool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteTool")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The value of a successful result: its structured content, else its text read as JSON
/// (what [`ToolServer`](super::ToolServer) sends), else the text itself.
fn value_of(result: &CallToolResult) -> Value {
    if let Some(v) = &result.structured_content {
        return v.clone();
    }
    let text: String = text_of(result);
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(ContentBlock::as_text)
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[async_trait::async_trait]
impl Tool for RemoteTool {
    fn name(&self) -> &'static str {
        self.name
    }

    fn description(&self) -> &'static str {
        self.description
    }

    fn parameters(&self) -> Value {
        self.parameters.clone()
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let Value::Object(arguments) = arguments else {
            return Err(ToolError::invalid_arguments(format!(
                "invalid arguments {arguments}: expected a JSON object"
            )));
        };
        let params = CallToolRequestParams::new(self.name).with_arguments(arguments);
        match self.client.call_tool(params).await {
            Ok(r) if r.is_error == Some(true) => {
                // The engine's own server names the tool's error type; others say `tool_error`.
                let error_type = r
                    .structured_content
                    .as_ref()
                    .and_then(|v| v.get(ERROR_TYPE_KEY)?.as_str())
                    .unwrap_or(telemetry_mcp::error_type::TOOL_ERROR);
                Err(ToolError::new(error_type, text_of(&r)))
            }
            Ok(r) => Ok(value_of(&r)),
            Err(e) => Err(tool_error(self.name, &e)),
        }
    }
}

fn tool_error(name: &str, e: &ServiceError) -> ToolError {
    let message = match e {
        ServiceError::McpError(d) => format!(
            "MCP server error for tool {name:?}: {} (code {})",
            d.message, d.code.0
        ),
        other => format!("MCP call to tool {name:?} failed: {other}"),
    };
    ToolError::new(telemetry_mcp::error_type::of_service_error(e), message)
}
