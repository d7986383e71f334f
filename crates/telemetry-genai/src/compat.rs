//! Compatibility mode: per-message log records in the older event style (the per-message
//! events the semantic conventions had before v1.37, which replaced them with
//! `gen_ai.client.inference.operation.details`), for dashboards that still expect them.
//!
//! Emitted only when [`GenAiConfig::compat_events`](crate::GenAiConfig::compat_events) is on,
//! in addition to the v1.41 telemetry. Each is a named event at `Info` (so with
//! `telemetry-otel` it is a span event of that name and a log record with that `EventName`),
//! with the attributes `agent_telemetry.gen_ai.event.name`, `gen_ai.operation.name`,
//! `gen_ai.provider.name`, `gen_ai.request.model`, and per event `agent_telemetry.gen_ai.role`,
//! `agent_telemetry.gen_ai.index`, `agent_telemetry.gen_ai.finish_reason`, `gen_ai.tool.name`,
//! `gen_ai.tool.call.id`, `gen_ai.tool.type`, `gen_ai.agent.name`, `gen_ai.usage.*`. The
//! content is the record's body ([`Logger::log_event`](telemetry_core::Logger::log_event):
//! with `telemetry-otel` the OTel log record's `Body`, its `EventName` being the event name),
//! present only when the capture mode includes events, redacted and cut to the size limit.
//! Content stays opt-in in compatibility mode too. The agent-finish summary is not content
//! and is always the body.
//!
//! # Which names are the conventions' and which are this project's
//!
//! - Defined by the conventions, deprecated since v1.37 (semantic-conventions v1.41.0,
//!   `model/gen-ai/deprecated/events-deprecated.yaml`), kept as they are:
//!   `gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
//!   `gen_ai.tool.message`, `gen_ai.choice`.
//! - Current convention attributes: `gen_ai.operation.name`, `gen_ai.provider.name`,
//!   `gen_ai.request.model`, `gen_ai.tool.*`, `gen_ai.agent.name`, `gen_ai.usage.*`.
//! - This project's own names, never in the conventions, all under `agent_telemetry.gen_ai.`:
//!   the events `agent_telemetry.gen_ai.tool.call`, `agent_telemetry.gen_ai.thinking`,
//!   `agent_telemetry.gen_ai.tool.input`, `agent_telemetry.gen_ai.tool.output`,
//!   `agent_telemetry.gen_ai.agent.finish`, and the attributes
//!   `agent_telemetry.gen_ai.event.name`, `agent_telemetry.gen_ai.role`,
//!   `agent_telemetry.gen_ai.index` and `agent_telemetry.gen_ai.finish_reason` (the last three
//!   are body fields of the deprecated events, carried here as attributes).
//!
//! | event | span | when |
//! | --- | --- | --- |
//! | `gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`, `gen_ai.tool.message` | inference | at start, one per input message (system instructions first) |
//! | `gen_ai.choice` | inference | at end, one per output message (`agent_telemetry.gen_ai.finish_reason` = `error` when it has none) |
//! | `agent_telemetry.gen_ai.tool.call` | inference | at end, one per requested tool call; body `{"name","arguments"}` |
//! | `agent_telemetry.gen_ai.thinking` | inference | at end, one per reasoning part |
//! | `gen_ai.user.message` | invoke_agent | at start, the task (the agent's input messages) |
//! | `agent_telemetry.gen_ai.agent.finish` | invoke_agent | at end; body `{"exit_status","total_input_tokens","total_output_tokens"}` |
//! | `agent_telemetry.gen_ai.tool.input`, `agent_telemetry.gen_ai.tool.output` | execute_tool | with the arguments, with the result |

use serde_json::Value;
use telemetry_core::{Attribute, StringValue};

use crate::attributes as a;
use crate::bounded::{TRUNCATION_MARKER, prefix_within};
use crate::message::{Message, Part, Role, finish_reason};
use crate::operation::OpCore;
use crate::redact::{Redactor, redacted_value};

/// The text a compatibility record carries for a message: its text parts; else its tool
/// responses or tool calls as JSON, redacted as JSON values (so values under sensitive keys
/// are masked as in the v1.41 attributes); the text is redacted again in [`body`].
pub(crate) fn message_body(m: &Message, redactor: &dyn Redactor) -> String {
    let text = m.text();
    if !text.is_empty() {
        return text;
    }
    let mut rest: Vec<Value> = Vec::new();
    for p in &m.parts {
        match p {
            Part::ToolCallResponse { response, .. } => match response {
                Value::String(s) if m.parts.len() == 1 => return s.clone(),
                v => rest.push(redacted_value(v, redactor)),
            },
            Part::ToolCall {
                name, arguments, ..
            } => rest.push(
                serde_json::json!({"name": name, "arguments": redacted_value(arguments, redactor)}),
            ),
            _ => {}
        }
    }
    match rest.len() {
        0 => String::new(),
        1 => rest[0].to_string(),
        _ => Value::Array(rest).to_string(),
    }
}

/// Redacted, size-bounded body, or nothing when content capture excludes events.
fn body(core: &OpCore, text: &str) -> Option<String> {
    if !core.genai.config().capture.on_event() {
        return None;
    }
    let mut s = core.genai.redactor().redact(text).into_owned();
    let max = core.genai.config().max_content_bytes;
    if s.len() > max {
        let at = prefix_within(&s, max.saturating_sub(TRUNCATION_MARKER.len())).len();
        s.truncate(at);
        s.push_str(TRUNCATION_MARKER);
    }
    Some(s)
}

fn emit(
    core: &OpCore,
    name: &'static str,
    common: &[Attribute],
    extra: Vec<Attribute>,
    text: Option<&str>,
) {
    let mut attrs = Vec::with_capacity(common.len() + extra.len() + 1);
    attrs.push(Attribute::new(a::GEN_AI_EVENT_NAME, name));
    attrs.extend_from_slice(common);
    attrs.extend(extra);
    let body = text.and_then(|t| body(core, t));
    core.emit(name, body.as_deref(), &attrs);
}

fn role_event(role: &Role) -> &'static str {
    match role {
        Role::System => a::EVENT_SYSTEM_MESSAGE,
        Role::Assistant => a::EVENT_ASSISTANT_MESSAGE,
        Role::Tool => a::EVENT_TOOL_MESSAGE,
        Role::User | Role::Other(_) => a::EVENT_USER_MESSAGE,
    }
}

/// `gen_ai.{role}.message` for each input message (system instructions first).
pub(crate) fn input_messages(
    core: &OpCore,
    common: &[Attribute],
    system: Option<&[Part]>,
    messages: &[Message],
) {
    if !core.events_enabled() {
        return;
    }
    if let Some(parts) = system {
        let m = Message::new(Role::System, parts.to_vec());
        emit(
            core,
            a::EVENT_SYSTEM_MESSAGE,
            common,
            vec![Attribute::new(a::COMPAT_ROLE, "system")],
            Some(&message_body(&m, core.genai.redactor())),
        );
    }
    for m in messages {
        let role = Attribute::new(a::COMPAT_ROLE, m.role.as_str().to_owned());
        emit(
            core,
            role_event(&m.role),
            common,
            vec![role],
            Some(&message_body(m, core.genai.redactor())),
        );
    }
}

/// `gen_ai.choice` per output message, then `agent_telemetry.gen_ai.tool.call` per tool call and
/// `agent_telemetry.gen_ai.thinking` per reasoning part.
pub(crate) fn response(core: &OpCore, common: &[Attribute], output: &[Message]) {
    if !core.events_enabled() {
        return;
    }
    for (i, m) in output.iter().enumerate() {
        let extra = vec![
            Attribute::new(a::COMPAT_INDEX, i as i64),
            Attribute::new(
                a::COMPAT_FINISH_REASON,
                m.finish_reason
                    .as_deref()
                    .map_or(StringValue::Static("error"), finish_reason),
            ),
        ];
        emit(core, a::EVENT_CHOICE, common, extra, Some(&m.text()));
    }
    for m in output {
        for p in &m.parts {
            if let Part::ToolCall {
                id,
                name,
                arguments,
            } = p
            {
                let extra = vec![
                    Attribute::new(a::GEN_AI_TOOL_NAME, name.clone()),
                    Attribute::new(a::GEN_AI_TOOL_CALL_ID, id.clone().unwrap_or_default()),
                ];
                let arguments = redacted_value(arguments, core.genai.redactor());
                let b = serde_json::json!({"name": name, "arguments": arguments}).to_string();
                emit(core, a::EVENT_TOOL_CALL, common, extra, Some(&b));
            }
        }
    }
    for m in output {
        for p in &m.parts {
            if let Part::Reasoning { content } = p {
                emit(core, a::EVENT_THINKING, common, Vec::new(), Some(content));
            }
        }
    }
}

/// `gen_ai.user.message` on an invoke_agent span: the task.
pub(crate) fn agent_task(core: &OpCore, common: &[Attribute], task: &str) {
    emit(
        core,
        a::EVENT_USER_MESSAGE,
        common,
        vec![Attribute::new(a::COMPAT_ROLE, "user")],
        Some(task),
    );
}

/// `agent_telemetry.gen_ai.agent.finish` with the exit status and token totals (totals are not content: they
/// are attributes and in the body whatever the capture mode).
pub(crate) fn agent_finish(
    core: &OpCore,
    common: &[Attribute],
    exit_status: &str,
    input: u64,
    output: u64,
) {
    let extra = vec![
        Attribute::new(a::GEN_AI_USAGE_INPUT_TOKENS, input),
        Attribute::new(a::GEN_AI_USAGE_OUTPUT_TOKENS, output),
    ];
    let summary = serde_json::json!({
        "exit_status": exit_status,
        "total_input_tokens": input,
        "total_output_tokens": output,
    })
    .to_string();
    let mut attrs = vec![Attribute::new(a::GEN_AI_EVENT_NAME, a::EVENT_AGENT_FINISH)];
    attrs.extend_from_slice(common);
    attrs.extend(extra);
    core.emit(a::EVENT_AGENT_FINISH, Some(&summary), &attrs);
}

/// `agent_telemetry.gen_ai.tool.input` / `agent_telemetry.gen_ai.tool.output`: a string as is, other values as JSON, redacted
/// as JSON values first.
pub(crate) fn tool_io(core: &OpCore, common: &[Attribute], output: bool, value: &Value) {
    let name = if output {
        a::EVENT_TOOL_OUTPUT
    } else {
        a::EVENT_TOOL_INPUT
    };
    let text = match redacted_value(value, core.genai.redactor()) {
        Value::String(s) => s,
        v => v.to_string(),
    };
    emit(core, name, common, Vec::new(), Some(&text));
}
