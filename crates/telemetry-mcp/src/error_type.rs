//! The `error.type` values this crate records. The conventions ask for the JSON-RPC error
//! code when there is one and `tool_error` for a `CallToolResult` with `isError`
//! (semantic-conventions v1.41.0, `docs/gen-ai/mcp.md`, note on `error.type`); the rest are
//! this crate's own low-cardinality names for failures that have no code.
//!
//! | `error.type` | when |
//! | --- | --- |
//! | the JSON-RPC code, e.g. `-32602`, `-32601` (also `rpc.response.status_code`) | the peer answered with a JSON-RPC error |
//! | `tool_error` | a `CallToolResult` with `isError: true` |
//! | `timeout` | no answer within the client's timeout; also a malformed answer over stdio or another byte stream, where rmcp skips a line it cannot decode (so give clients a timeout: [`McpClient::with_timeout`](crate::McpClient::with_timeout)) |
//! | `transport_closed` | the connection closed before the answer (the peer exited, or sent something that could not be read as JSON-RPC) |
//! | `transport_send` | the transport failed to send the request, or (Streamable HTTP) to read the answer: a body that is not JSON-RPC |
//! | `unexpected_response` | an answer of the wrong type for the request |
//! | `cancelled` | rmcp reported the request cancelled |
//! | `initialize_failed` | the handshake failed without a JSON-RPC error |
//! | `_OTHER` | any other rmcp error |

use std::borrow::Cow;

use rmcp::ErrorData;
use rmcp::ServiceError;

/// A `CallToolResult` with `isError: true`.
pub const TOOL_ERROR: &str = "tool_error";
/// No answer within the client's timeout.
pub const TIMEOUT: &str = "timeout";

/// A failed operation: what its span and metric record.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) error_type: Cow<'static, str>,
    /// The JSON-RPC error code, also `rpc.response.status_code`.
    pub(crate) code: Option<i32>,
    /// The status description (redacted before it is recorded).
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(error_type: &'static str, message: impl Into<String>) -> Self {
        Self {
            error_type: Cow::Borrowed(error_type),
            code: None,
            message: message.into(),
        }
    }

    /// A JSON-RPC error: `error.type` is its code.
    pub(crate) fn json_rpc(e: &ErrorData) -> Self {
        Self {
            error_type: Cow::Owned(e.code.0.to_string()),
            code: Some(e.code.0),
            message: e.message.to_string(),
        }
    }

    /// An rmcp error.
    pub(crate) fn of_service(e: &ServiceError) -> Self {
        let ty = match e {
            ServiceError::McpError(d) => return Self::json_rpc(d),
            ServiceError::Timeout { .. } => TIMEOUT,
            ServiceError::TransportClosed => "transport_closed",
            ServiceError::TransportSend(_) => "transport_send",
            ServiceError::UnexpectedResponse => "unexpected_response",
            ServiceError::Cancelled { .. } => "cancelled",
            _ => "_OTHER",
        };
        Self::new(ty, e.to_string())
    }
}

/// The `error.type` this crate records for `e`, for callers that report the same failure
/// elsewhere (an agent's `execute_tool` span, its tool-call metric): the JSON-RPC code for
/// an error response, else one of the values in the table above.
pub fn of_service_error(e: &ServiceError) -> Cow<'static, str> {
    Failure::of_service(e).error_type
}
