//! `execute_tool` spans.
//!
//! Source: semantic conventions v1.41, *gen-ai-spans.md › Execute tool span*:
//! `execute_tool {gen_ai.tool.name}`, kind INTERNAL, `gen_ai.tool.name` required,
//! `gen_ai.tool.call.id`, `gen_ai.tool.type`, `gen_ai.tool.description` recommended,
//! `gen_ai.tool.call.arguments` and `gen_ai.tool.call.result` opt-in content.

use std::sync::Arc;

use serde_json::Value;
use telemetry_core::{Attribute, Context, SpanKind, StringValue};

use crate::agent_state::AgentState;
use crate::attributes as a;
use crate::compat;
use crate::genai::GenAi;
use crate::operation::{OpCore, OperationName, span_name};
use crate::span::{OperationSpan, sealed::Hooks};
use crate::tool_slot::ToolSpanSlot;

impl GenAi {
    /// An `execute_tool` span builder (`execute_tool {name}`, INTERNAL).
    pub fn execute_tool(&self, tool_name: impl Into<StringValue>) -> ToolBuilder {
        ToolBuilder::new(self, tool_name.into())
    }
}

/// Describes a tool execution; from [`GenAi::execute_tool`] or
/// [`AgentSpan::execute_tool`](crate::AgentSpan::execute_tool).
#[derive(Debug)]
#[must_use = "call start() to open the span"]
pub struct ToolBuilder {
    genai: GenAi,
    name: StringValue,
    call_id: Option<StringValue>,
    tool_type: &'static str,
    description: Option<StringValue>,
    arguments: Option<Value>,
    parent: Option<Context>,
    agent: Option<Arc<AgentState>>,
}

impl ToolBuilder {
    pub(crate) fn new(genai: &GenAi, name: StringValue) -> Self {
        Self {
            genai: genai.clone(),
            name,
            call_id: None,
            tool_type: "function",
            description: None,
            arguments: None,
            parent: None,
            agent: None,
        }
    }

    pub(crate) fn under_agent(mut self, parent: Context, agent: Arc<AgentState>) -> Self {
        self.parent = Some(parent);
        self.agent = Some(agent);
        self
    }

    /// `gen_ai.tool.call.id`: the id of the model's tool call, which links this span to the
    /// inference span that requested it.
    pub fn call_id(mut self, id: impl Into<StringValue>) -> Self {
        self.call_id = Some(id.into());
        self
    }
    /// `gen_ai.tool.type`: `function` (default), `extension` or `datastore`.
    pub fn tool_type(mut self, t: &'static str) -> Self {
        self.tool_type = t;
        self
    }
    /// `gen_ai.tool.description`.
    pub fn description(mut self, d: impl Into<StringValue>) -> Self {
        self.description = Some(d.into());
        self
    }
    /// `gen_ai.tool.call.arguments` (content). In compatibility mode also the
    /// `agent_telemetry.gen_ai.tool.input` record (a string argument as is, anything else as JSON).
    pub fn arguments(mut self, arguments: Value) -> Self {
        self.arguments = Some(arguments);
        self
    }
    /// Opens the span as a child of `parent` instead of the current scope.
    pub fn child_of(mut self, parent: &Context) -> Self {
        self.parent = Some(parent.clone());
        self
    }

    /// Opens the span.
    pub fn start(self) -> ToolSpan {
        let g = &self.genai;
        // Shared once here, the tool name is then copied into the span, metric and event
        // attribute lists (and by the OpenTelemetry SDK) without allocating.
        let tool_name = self.name.into_shared();
        let name = span_name(OperationName::ExecuteTool, Some(&tool_name));
        let mut common = vec![
            Attribute::new(a::GEN_AI_OPERATION_NAME, "execute_tool"),
            Attribute::new(a::GEN_AI_TOOL_NAME, tool_name),
            Attribute::new(a::GEN_AI_TOOL_TYPE, self.tool_type),
        ];
        let metric_attrs = common[..2].to_vec();
        let mut open = common.clone();
        // Shared too: the span and, in compatibility mode, the tool records carry it.
        let call_id = self.call_id.map(StringValue::into_shared);
        if let Some(id) = &call_id {
            open.push(Attribute::new(a::GEN_AI_TOOL_CALL_ID, id.clone()));
        }
        if let Some(d) = self.description {
            open.push(Attribute::new(a::GEN_AI_TOOL_DESCRIPTION, d));
        }
        let mut core = OpCore::open(
            g,
            OperationName::ExecuteTool,
            name,
            SpanKind::Internal,
            &open,
            self.parent.as_ref(),
            metric_attrs,
        );
        // Where a layer below the tool (an MCP client) leaves its attributes for this span.
        if let Some(x) = core.scope.context().extensions() {
            let _ = x.insert(ToolSpanSlot::default());
        }
        let agent = self
            .agent
            .or_else(|| AgentState::running(core.scope.context()));
        if let Some(agent) = &agent {
            agent.tool_started();
        }
        // Compatibility records always carry the call id (empty without function calling):
        // dashboards built on them group by it.
        common.push(Attribute::new(
            a::GEN_AI_TOOL_CALL_ID,
            call_id.unwrap_or_default(),
        ));
        if let Some(args) = &self.arguments {
            if g.config().capture.on_span() {
                core.set_content(a::GEN_AI_TOOL_CALL_ARGUMENTS, args);
            }
            if g.config().compat_events && core.events_enabled() {
                compat::tool_io(&core, &common, false, args);
            }
        }
        OperationSpan::new(core, ExecuteTool { common })
    }
}

/// The `execute_tool` operation: the attributes its compatibility records carry.
pub struct ExecuteTool {
    common: Vec<Attribute>,
}

impl Hooks for ExecuteTool {
    const TYPE_NAME: &'static str = "ToolSpan";

    fn finish(&mut self, core: &mut OpCore) {
        let below = core
            .scope
            .context()
            .extension::<ToolSpanSlot>()
            .map(ToolSpanSlot::take);
        if let Some((attributes, error)) = below {
            for a in attributes {
                core.set(a.key, a.value);
            }
            if let Some((error_type, message)) = error {
                if core.error_type.is_none() {
                    core.fail(&error_type, &message);
                }
            }
        }
        core.flush_truncated();
    }
}

/// An open `execute_tool` span; ends with [`end`](OperationSpan::end),
/// [`fail`](OperationSpan::fail) (e.g. `CommandTimeoutError`) or drop.
pub type ToolSpan = OperationSpan<ExecuteTool>;

impl ToolSpan {
    /// `gen_ai.tool.call.result` (content). In compatibility mode also the
    /// `agent_telemetry.gen_ai.tool.output` record.
    pub fn result(&mut self, result: &Value) -> &mut Self {
        let g = self.core.genai.clone();
        if g.config().capture.on_span() {
            self.core.set_content(a::GEN_AI_TOOL_CALL_RESULT, result);
            self.core.flush_truncated();
        }
        if g.config().compat_events && self.core.events_enabled() {
            compat::tool_io(&self.core, &self.op.common, true, result);
        }
        self
    }
}
