//! The attribute and metric names this crate records, as the MCP conventions name them
//! (semantic-conventions v1.41.0: `docs/gen-ai/mcp.md`, `model/mcp/registry.yaml`,
//! `model/mcp/common.yaml`, `model/mcp/metrics.yaml`; the `gen_ai.*`, `jsonrpc.*`, `rpc.*`,
//! `network.*`, `server.*` and `error.*` registries of the same tag).

/// `mcp.method.name`: the request or notification method, e.g. `tools/call`.
pub const MCP_METHOD_NAME: &str = "mcp.method.name";
/// `mcp.session.id`: the Streamable HTTP session (`Mcp-Session-Id`).
pub const MCP_SESSION_ID: &str = "mcp.session.id";
/// `mcp.protocol.version`: the negotiated protocol version, e.g. `2025-06-18`.
pub const MCP_PROTOCOL_VERSION: &str = "mcp.protocol.version";
/// `mcp.resource.uri`: the resource of `resources/read`, `resources/subscribe`,
/// `resources/unsubscribe` and `notifications/resources/updated`.
pub const MCP_RESOURCE_URI: &str = "mcp.resource.uri";
/// `jsonrpc.request.id`: the request id as a string; absent for notifications.
pub const JSONRPC_REQUEST_ID: &str = "jsonrpc.request.id";
/// `jsonrpc.protocol.version`: recommended only when not `2.0`, so never set here (rmcp
/// speaks 2.0 only).
pub const JSONRPC_PROTOCOL_VERSION: &str = "jsonrpc.protocol.version";
/// `rpc.response.status_code`: the JSON-RPC error code of an error response, e.g. `-32602`.
pub const RPC_RESPONSE_STATUS_CODE: &str = "rpc.response.status_code";
/// `gen_ai.tool.name`: the tool of `tools/call`.
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.prompt.name`: the prompt of `prompts/get`.
pub const GEN_AI_PROMPT_NAME: &str = "gen_ai.prompt.name";
/// `gen_ai.operation.name`: `execute_tool` on `tools/call` spans, absent otherwise.
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.tool.call.arguments` (opt-in content): the tool's arguments as a JSON string.
pub const GEN_AI_TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// `gen_ai.tool.call.result` (opt-in content): the tool's result as a JSON string.
pub const GEN_AI_TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";
/// `network.transport`: `pipe` (stdio, in-process byte streams), `tcp` (Streamable HTTP).
pub const NETWORK_TRANSPORT: &str = "network.transport";
/// `network.protocol.name`: `http` for Streamable HTTP.
pub const NETWORK_PROTOCOL_NAME: &str = "network.protocol.name";
/// `network.protocol.version`: the HTTP version, e.g. `1.1`.
pub const NETWORK_PROTOCOL_VERSION: &str = "network.protocol.version";
/// `server.address`: the server's host (client side).
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`: the server's port, an integer (client side).
pub const SERVER_PORT: &str = "server.port";
/// `client.address`: the client's address (server side), when the transport knows it.
pub const CLIENT_ADDRESS: &str = "client.address";
/// `client.port`: the client's port, an integer (server side).
pub const CLIENT_PORT: &str = "client.port";
/// `error.type`: the JSON-RPC error code, `tool_error`, or one of this crate's
/// [`error_type`](crate::error_type) values.
pub const ERROR_TYPE: &str = "error.type";
/// Project attribute: the content attributes cut to the size limit (as telemetry-genai names
/// it).
pub const CONTENT_TRUNCATED: &str = "agent_telemetry.gen_ai.content_truncated";

/// Histogram `mcp.client.operation.duration`, unit `s`.
pub const METRIC_CLIENT_OPERATION_DURATION: &str = "mcp.client.operation.duration";
/// Histogram `mcp.server.operation.duration`, unit `s`.
pub const METRIC_SERVER_OPERATION_DURATION: &str = "mcp.server.operation.duration";
/// Histogram `mcp.client.session.duration`, unit `s`.
pub const METRIC_CLIENT_SESSION_DURATION: &str = "mcp.client.session.duration";
/// Histogram `mcp.server.session.duration`, unit `s`.
pub const METRIC_SERVER_SESSION_DURATION: &str = "mcp.server.session.duration";

/// The advisory bucket boundaries of all four MCP histograms, in seconds
/// (`docs/gen-ai/mcp.md`, *Metrics*: `[ 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60,
/// 120, 300 ]`).
pub const MCP_DURATION_BUCKETS: &[f64] = &[
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
