//! What a span needs to know about an MCP message before it is sent or handled: the method,
//! the target (tool or prompt) and the resource URI (semantic-conventions v1.41.0,
//! `docs/gen-ai/mcp.md`, *Client* and *Server*).

use std::borrow::Cow;
use std::sync::Arc;

use rmcp::model::{
    CallToolResult, ClientNotification, ClientRequest, ConstString, JsonObject, ProtocolVersion,
    ServerResult,
};
use telemetry_core::{Attribute, StringValue};

use crate::semconv::{
    GEN_AI_OPERATION_NAME, GEN_AI_PROMPT_NAME, GEN_AI_TOOL_NAME, MCP_METHOD_NAME, MCP_RESOURCE_URI,
};

/// The low-cardinality facts of one request or notification. The method, tool and prompt
/// go on a span and on a metric record, so they are held in forms whose clones do not
/// allocate (static, or shared once).
#[derive(Debug, Default)]
pub(crate) struct Facts {
    pub(crate) method: StringValue,
    pub(crate) tool: Option<StringValue>,
    pub(crate) prompt: Option<StringValue>,
    pub(crate) resource_uri: Option<String>,
}

impl Facts {
    pub(crate) fn of_request(request: &ClientRequest) -> Self {
        // The typed requests name their method by a constant: no copy for the common ones.
        match request {
            ClientRequest::CallToolRequest(r) => Self {
                tool: Some(name(&r.params.name)),
                ..method(r.method.as_str())
            },
            ClientRequest::GetPromptRequest(r) => Self {
                prompt: Some(shared(&r.params.name)),
                ..method(r.method.as_str())
            },
            ClientRequest::ReadResourceRequest(r) => Self {
                resource_uri: Some(r.params.uri.clone()),
                ..method(r.method.as_str())
            },
            #[allow(deprecated)]
            ClientRequest::SubscribeRequest(r) => Self {
                resource_uri: Some(r.params.uri.clone()),
                ..method(r.method.as_str())
            },
            #[allow(deprecated)]
            ClientRequest::UnsubscribeRequest(r) => Self {
                resource_uri: Some(r.params.uri.clone()),
                ..method(r.method.as_str())
            },
            ClientRequest::ListToolsRequest(r) => method(r.method.as_str()),
            other => method(other.method().to_owned()),
        }
    }

    /// Notifications carry their method as a per-type constant; the serialized form is the
    /// one place every variant (and a custom one) names it.
    pub(crate) fn of_notification(notification: &ClientNotification) -> Self {
        let method: StringValue = match notification {
            ClientNotification::CustomNotification(n) => n.method.clone().into(),
            other => serde_json::to_value(other)
                .ok()
                .and_then(|v| v.get("method")?.as_str().map(str::to_owned))
                .map_or("_OTHER".into(), Into::into),
        };
        self::method(method)
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
        out.push(Attribute::new(MCP_METHOD_NAME, self.method.clone()));
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

/// The facts of a message that names no tool, prompt or resource.
pub(crate) fn method(name: impl Into<StringValue>) -> Facts {
    Facts {
        method: name.into(),
        ..Facts::default()
    }
}

/// A tool name as an attribute value: a static name as it is, another shared once.
#[allow(clippy::ptr_arg)] // The `Cow` itself: its borrowed form is kept without a copy.
pub(crate) fn name(name: &Cow<'static, str>) -> StringValue {
    match name {
        Cow::Borrowed(s) => StringValue::Static(s),
        Cow::Owned(s) => shared(s),
    }
}

/// `s` shared, so that the span's and the metric's copies are free.
pub(crate) fn shared(s: &str) -> StringValue {
    StringValue::Shared(Arc::from(s))
}

/// `mcp.protocol.version`: a version rmcp knows as its static text, another copied.
pub(crate) fn protocol_version(v: &ProtocolVersion) -> StringValue {
    ProtocolVersion::KNOWN_VERSIONS
        .iter()
        .find(|known| *known == v)
        .map_or_else(|| shared(v.as_str()), |known| known.as_str().into())
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

#[cfg(test)]
mod tests {
    use rmcp::model::{CallToolRequest, CallToolRequestParams};

    use super::*;

    /// A tool call's method, a static tool name and a known protocol version go on the span
    /// and the metric without a copy; another tool name is copied once, then shared.
    #[test]
    fn a_tool_calls_facts_are_static_or_shared() {
        let call = |name: Cow<'static, str>| {
            Facts::of_request(&ClientRequest::CallToolRequest(CallToolRequest::new(
                CallToolRequestParams::new(name),
            )))
        };
        let f = call(Cow::Borrowed("add"));
        assert!(matches!(f.method, StringValue::Static("tools/call")));
        assert!(matches!(f.tool, Some(StringValue::Static("add"))));
        let f = call(Cow::Owned("lookup".to_owned()));
        assert!(matches!(&f.tool, Some(StringValue::Shared(s)) if &**s == "lookup"));
        assert!(matches!(
            protocol_version(&ProtocolVersion::V_2025_11_25),
            StringValue::Static("2025-11-25")
        ));
    }
}
