//! Messages in the parts schema and tool definitions: what opt-in content is made of.
//!
//! Source: semantic conventions v1.41 `gen-ai-input-messages.json`,
//! `gen-ai-output-messages.json`, `gen-ai-system-instructions.json` and
//! `gen-ai-tool-definitions.json`. They are recorded only when
//! [`CaptureMode`](crate::CaptureMode) allows it, after the [`Redactor`](crate::Redactor), as
//! [`bounded_json`](crate::bounded_json).

use serde::Serialize;
use serde_json::Value;
use telemetry_core::StringValue;

/// One part of a message.
///
/// Serialises as `{"type":"text","content":…}`, `{"type":"tool_call","id":…,"name":…,
/// "arguments":…}`, `{"type":"tool_call_response","id":…,"response":…}` or
/// `{"type":"reasoning","content":…}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Text.
    Text {
        /// The text.
        content: String,
    },
    /// A tool call the model requested.
    ToolCall {
        /// The tool call id, which the `execute_tool` span repeats as `gen_ai.tool.call.id`.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The tool name.
        name: String,
        /// The arguments, usually an object.
        #[serde(skip_serializing_if = "Value::is_null")]
        arguments: Value,
    },
    /// A tool's result, sent back to the model.
    ToolCallResponse {
        /// The id of the tool call this answers.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// The result.
        response: Value,
    },
    /// Reasoning ("thinking") content.
    Reasoning {
        /// The reasoning text.
        content: String,
    },
}

impl Part {
    /// A text part.
    pub fn text(content: impl Into<String>) -> Self {
        Self::Text {
            content: content.into(),
        }
    }
    /// A tool-call part.
    pub fn tool_call(id: impl Into<String>, name: impl Into<String>, arguments: Value) -> Self {
        Self::ToolCall {
            id: Some(id.into()),
            name: name.into(),
            arguments,
        }
    }
    /// A tool-call-response part.
    pub fn tool_call_response(id: impl Into<String>, response: Value) -> Self {
        Self::ToolCallResponse {
            id: Some(id.into()),
            response,
        }
    }
    /// A reasoning part.
    pub fn reasoning(content: impl Into<String>) -> Self {
        Self::Reasoning {
            content: content.into(),
        }
    }
}

/// A message role: `system`, `user`, `assistant`, `tool` or another string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// `system`.
    System,
    /// `user`.
    User,
    /// `assistant`.
    Assistant,
    /// `tool`.
    Tool,
    /// Any other role, as the provider names it.
    Other(String),
}

impl Role {
    /// The role's string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::Tool => "tool",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A chat message: a role and parts, plus the finish reason for output messages.
///
/// ```
/// use telemetry_genai::{Message, Part};
/// let m = Message::user("What is 2+2?");
/// assert_eq!(serde_json::to_string(&m)?, r#"{"role":"user","parts":[{"type":"text","content":"What is 2+2?"}]}"#);
/// let call = Message::assistant_parts(vec![Part::tool_call("call_1", "calc", serde_json::json!({"expr": "2+2"}))])
///     .with_finish_reason("tool_calls");
/// assert!(serde_json::to_string(&call)?.ends_with(r#""finish_reason":"tool_calls"}"#));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Message {
    /// The role.
    pub role: Role,
    /// The parts, in order.
    pub parts: Vec<Part>,
    /// The participant's name, if the provider has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why generation stopped (output messages only; omitted in *latest*, which moved it to
    /// `gen_ai.response.finish_reasons`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

impl Message {
    /// A message of `role` with `parts`.
    pub fn new(role: Role, parts: Vec<Part>) -> Self {
        Self {
            role,
            parts,
            name: None,
            finish_reason: None,
        }
    }
    /// A system message with one text part.
    pub fn system(text: impl Into<String>) -> Self {
        Self::new(Role::System, vec![Part::text(text)])
    }
    /// A user message with one text part.
    pub fn user(text: impl Into<String>) -> Self {
        Self::new(Role::User, vec![Part::text(text)])
    }
    /// An assistant message with one text part.
    pub fn assistant(text: impl Into<String>) -> Self {
        Self::new(Role::Assistant, vec![Part::text(text)])
    }
    /// An assistant message with the given parts (text, tool calls, reasoning).
    pub fn assistant_parts(parts: Vec<Part>) -> Self {
        Self::new(Role::Assistant, parts)
    }
    /// A tool message answering tool call `id`.
    pub fn tool_result(id: impl Into<String>, response: Value) -> Self {
        Self::new(Role::Tool, vec![Part::tool_call_response(id, response)])
    }
    /// Sets the finish reason (output messages).
    pub fn with_finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }
    /// Sets the participant name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
    /// The text of every text part, joined by newlines.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            if let Part::Text { content } = p {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(content);
            }
        }
        out
    }
}

/// A tool offered to the model (`gen_ai.tool.definitions`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToolDefinition {
    /// `function` for function tools.
    #[serde(rename = "type")]
    pub kind: String,
    /// The tool name.
    pub name: String,
    /// What it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON schema of its arguments.
    #[serde(skip_serializing_if = "Value::is_null")]
    pub parameters: Value,
}

impl ToolDefinition {
    /// A function tool.
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Self {
        Self {
            kind: "function".to_owned(),
            name: name.into(),
            description: Some(description.into()),
            parameters,
        }
    }
}

/// The finish reason of a choice that has none (a failed or cancelled stream, a provider that
/// sends none): `error`, the schema's value for it.
pub(crate) const ERROR_REASON: StringValue = StringValue::Static("error");

/// A provider's finish reason as the conventions spell it, for `gen_ai.response.finish_reasons`
/// and the output messages' `finish_reason`. Provider spellings of a tool call (`tool_calls`,
/// `function_call`, `tool_use`) become the well-known `tool_call` (semantic-conventions
/// v1.41.0 docs/gen-ai/gen-ai-output-messages.json, `FinishReason`); the usual others
/// (OpenAI's and Anthropic's) are literals, so recording them copies no text; anything else
/// passes through unchanged. The spans of this crate apply it already; use it where the value
/// goes elsewhere (a log line) so both say the same.
///
/// ```
/// assert_eq!(telemetry_genai::finish_reason("tool_calls").as_str(), "tool_call");
/// assert_eq!(telemetry_genai::finish_reason("stop").as_str(), "stop");
/// ```
pub fn finish_reason(reason: &str) -> StringValue {
    const KNOWN: &[&str] = &[
        "stop",
        "length",
        "content_filter",
        "tool_call",
        "error",
        "end_turn",
        "max_tokens",
        "stop_sequence",
    ];
    if matches!(reason, "tool_calls" | "function_call" | "tool_use") {
        return StringValue::Static("tool_call");
    }
    match KNOWN.iter().find(|k| **k == reason) {
        Some(known) => StringValue::Static(known),
        None => StringValue::from(reason.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parts_serialise_to_the_v1_41_schema() {
        let m = Message::assistant_parts(vec![
            Part::reasoning("think"),
            Part::text("hi"),
            Part::tool_call("c1", "calc", json!({"x": 1})),
        ])
        .with_finish_reason("tool_calls");
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"role": "assistant", "parts": [
                {"type": "reasoning", "content": "think"},
                {"type": "text", "content": "hi"},
                {"type": "tool_call", "id": "c1", "name": "calc", "arguments": {"x": 1}}
            ], "finish_reason": "tool_calls"})
        );
        assert_eq!(
            serde_json::to_value(Message::tool_result("c1", json!("4"))).unwrap(),
            json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": "c1", "response": "4"}]})
        );
    }
}
