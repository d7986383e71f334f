//! The server's chat types in the GenAI content schema (`telemetry_genai::Message`, `Part`,
//! `ToolDefinition`), for the opt-in `gen_ai.input.messages`, `gen_ai.output.messages` and
//! `gen_ai.tool.definitions` attributes (semantic conventions v1.41 message JSON schemas).
//!
//! Converting is cheap next to a model call, but it still clones every message: the agent
//! converts only when [`CaptureMode`](telemetry_genai::CaptureMode) records content.

use serde_json::Value;
use telemetry_genai::{Message, Part};

use super::{ChatMessage, ChatResponse, ToolDefinition};

/// `System` → `system`, `User` → `user`, `Assistant` → `assistant` with a text part (if any)
/// then one `tool_call` part per call, `Tool` → `tool` with one `tool_call_response` part
/// whose response is the result text the model saw.
impl From<&ChatMessage> for Message {
    fn from(message: &ChatMessage) -> Self {
        match message {
            ChatMessage::System(text) => Message::system(text.clone()),
            ChatMessage::User(text) => Message::user(text.clone()),
            ChatMessage::Assistant {
                content,
                tool_calls,
            } => {
                let mut parts = Vec::with_capacity(tool_calls.len() + 1);
                if let Some(text) = content {
                    parts.push(Part::text(text.clone()));
                }
                parts.extend(
                    tool_calls.iter().map(|c| {
                        Part::tool_call(c.id.clone(), c.name.clone(), c.arguments.clone())
                    }),
                );
                Message::assistant_parts(parts)
            }
            ChatMessage::Tool {
                call_id, content, ..
            } => Message::tool_result(call_id.clone(), Value::String(content.clone())),
        }
    }
}

/// A function tool with its name, description and JSON Schema.
impl From<&ToolDefinition> for telemetry_genai::ToolDefinition {
    fn from(tool: &ToolDefinition) -> Self {
        Self::function(
            tool.name.clone(),
            tool.description.clone(),
            tool.parameters.clone(),
        )
    }
}

/// The response as one output message: reasoning (if the model exposed it), text, then tool
/// calls, with the response's finish reason.
impl From<&ChatResponse> for Message {
    fn from(response: &ChatResponse) -> Self {
        let mut parts = Vec::with_capacity(response.tool_calls.len() + 2);
        if let Some(reasoning) = &response.reasoning {
            parts.push(Part::reasoning(reasoning.clone()));
        }
        if let Some(text) = &response.content {
            parts.push(Part::text(text.clone()));
        }
        parts.extend(
            response
                .tool_calls
                .iter()
                .map(|c| Part::tool_call(c.id.clone(), c.name.clone(), c.arguments.clone())),
        );
        Message::assistant_parts(parts).with_finish_reason(response.finish_reason.clone())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{ToolCallRequest, Usage};

    fn json_of(m: &Message) -> Value {
        serde_json::to_value(m).unwrap()
    }

    #[test]
    fn every_chat_message_maps_to_the_parts_schema() {
        let call = ToolCallRequest {
            id: "call_1".into(),
            name: "calculator".into(),
            arguments: json!({"expression": "6 * 7"}),
        };
        let cases = [
            (
                ChatMessage::System("be brief".into()),
                json!({"role": "system", "parts": [{"type": "text", "content": "be brief"}]}),
            ),
            (
                ChatMessage::User("6 * 7?".into()),
                json!({"role": "user", "parts": [{"type": "text", "content": "6 * 7?"}]}),
            ),
            (
                ChatMessage::Assistant {
                    content: Some("calling".into()),
                    tool_calls: vec![call.clone()],
                },
                json!({"role": "assistant", "parts": [
                    {"type": "text", "content": "calling"},
                    {"type": "tool_call", "id": "call_1", "name": "calculator",
                     "arguments": {"expression": "6 * 7"}},
                ]}),
            ),
            (
                ChatMessage::Tool {
                    call_id: "call_1".into(),
                    name: "calculator".into(),
                    content: "42".into(),
                },
                json!({"role": "tool", "parts": [
                    {"type": "tool_call_response", "id": "call_1", "response": "42"},
                ]}),
            ),
        ];
        for (message, expected) in cases {
            assert_eq!(json_of(&Message::from(&message)), expected, "{message:?}");
        }
    }

    #[test]
    fn a_response_keeps_reasoning_text_tool_calls_and_finish_reason() {
        let response = ChatResponse {
            content: None,
            tool_calls: vec![ToolCallRequest {
                id: "call_9".into(),
                name: "clock".into(),
                arguments: json!({}),
            }],
            usage: Usage::default(),
            finish_reason: "tool_calls".into(),
            response_model: "m".into(),
            response_id: None,
            reasoning: Some("needs the time".into()),
        };
        assert_eq!(
            json_of(&Message::from(&response)),
            json!({"role": "assistant", "parts": [
                {"type": "reasoning", "content": "needs the time"},
                {"type": "tool_call", "id": "call_9", "name": "clock", "arguments": {}},
            ], "finish_reason": "tool_calls"})
        );
    }
}
