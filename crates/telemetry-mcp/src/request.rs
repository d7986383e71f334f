//! What a span needs to know about an MCP message before it is sent or handled: the method,
//! the target (tool or prompt) and the resource URI (semantic-conventions v1.41.0,
//! `docs/gen-ai/mcp.md`, *Client* and *Server*).

use std::borrow::Cow;

use rmcp::model::{CallToolResult, ClientNotification, ClientRequest, JsonObject, ServerResult};
use telemetry_core::Attribute;

use crate::semconv::{
    GEN_AI_OPERATION_NAME, GEN_AI_PROMPT_NAME, GEN_AI_TOOL_NAME, MCP_METHOD_NAME, MCP_RESOURCE_URI,
};

/// The low-cardinality facts of one request or notification.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub(crate) method: Cow<'static, str>,
    pub(crate) tool: Option<String>,
    pub(crate) prompt: Option<String>,
    pub(crate) resource_uri: Option<String>,
}

impl Facts {
    pub(crate) fn of_request(request: &ClientRequest) -> Self {
        let mut f = Self {
            method: Cow::Owned(request.method().to_owned()),
            ..Self::default()
        };
        match request {
            ClientRequest::CallToolRequest(r) => f.tool = Some(r.params.name.to_string()),
            ClientRequest::GetPromptRequest(r) => f.prompt = Some(r.params.name.clone()),
            ClientRequest::ReadResourceRequest(r) => f.resource_uri = Some(r.params.uri.clone()),
            #[allow(deprecated)]
            ClientRequest::SubscribeRequest(r) => f.resource_uri = Some(r.params.uri.clone()),
            #[allow(deprecated)]
            ClientRequest::UnsubscribeRequest(r) => f.resource_uri = Some(r.params.uri.clone()),
            _ => {}
        }
        f
    }

    /// Notifications carry their method as a per-type constant; the serialized form is the
    /// one place every variant (and a custom one) names it.
    pub(crate) fn of_notification(notification: &ClientNotification) -> Self {
        let method = match notification {
            ClientNotification::CustomNotification(n) => n.method.clone(),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.get("method")?.as_str().map(str::to_owned))
                .unwrap_or_else(|| "_OTHER".to_owned()),
        };
        Self {
            method: Cow::Owned(method),
            ..Self::default()
        }
    }

    /// `{mcp.method.name} {target}`, target the tool or prompt name; the method alone when
    /// there is none (the resource URI is never a target: high cardinality).
    pub(crate) fn span_name(&self) -> String {
        match self.tool.as_deref().or(self.prompt.as_deref()) {
            Some(t) if !t.trim().is_empty() => format!("{} {t}", self.method),
            _ => self.method.to_string(),
        }
    }

    pub(crate) fn is_tool_call(&self) -> bool {
        self.method == "tools/call"
    }

    /// The attributes both the span and the operation metric carry: method, tool or prompt,
    /// `gen_ai.operation.name` = `execute_tool` on tool calls. The resource URI is opt-in on
    /// metrics, so it goes on spans only ([`push_span_only`](Self::push_span_only)).
    pub(crate) fn push_common(&self, out: &mut Vec<Attribute>) {
        out.push(Attribute::new(MCP_METHOD_NAME, self.method.to_string()));
        if let Some(t) = &self.tool {
            out.push(Attribute::new(GEN_AI_TOOL_NAME, t.clone()));
        }
        if let Some(p) = &self.prompt {
            out.push(Attribute::new(GEN_AI_PROMPT_NAME, p.clone()));
        }
        if self.is_tool_call() {
            out.push(Attribute::new(GEN_AI_OPERATION_NAME, "execute_tool"));
        }
    }

    pub(crate) fn push_span_only(&self, out: &mut Vec<Attribute>) {
        if let Some(u) = &self.resource_uri {
            out.push(Attribute::new(MCP_RESOURCE_URI, u.clone()));
        }
    }
}

/// The arguments of a `tools/call`, for opt-in content capture.
pub(crate) fn tool_arguments(request: &ClientRequest) -> Option<&JsonObject> {
    match request {
        ClientRequest::CallToolRequest(r) => r.params.arguments.as_ref(),
        _ => None,
    }
}

/// A result that failed inside a successful JSON-RPC response: a `CallToolResult` with
/// `isError` (`error.type` = `tool_error`), with its text for the status description.
pub(crate) fn result_error(result: &ServerResult) -> Option<String> {
    match result {
        ServerResult::CallToolResult(r) => tool_error(r),
        _ => None,
    }
}

/// The text of a `CallToolResult` with `isError: true`.
pub(crate) fn tool_error(r: &CallToolResult) -> Option<String> {
    (r.is_error == Some(true)).then(|| {
        r.content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    })
}
