//! `invoke_agent` spans, with token totals over the run.
//!
//! Source: semantic conventions v1.41, *gen-ai-agent-spans.md › Invoke agent span*:
//! `invoke_agent {gen_ai.agent.name}`, CLIENT for a remote agent ([`AgentBuilder::remote`]),
//! INTERNAL for one running in-process.
//!
//! # Totals
//!
//! Every inference span opened below a running `invoke_agent` span adds its usage to the
//! agent's totals, which the agent span records as `gen_ai.usage.*` when it ends. "Below"
//! means: opened with [`AgentSpan::chat`] or [`AgentSpan::execute_tool`] (works with every
//! implementation, NoOp included), or opened anywhere the agent's scope is an ancestor of the
//! new span's: the scope current at start, or a [`child_of`](crate::InferenceBuilder::child_of)
//! parent, carried across `.await`, tasks and threads (`Context::wrap`, `wrap_fn`,
//! `telemetry_tasks::spawn`). The agent's state is kept in its scope's extensions, so that
//! look-up needs an implementation whose scopes have them, i.e. not NoOp. An agent that has
//! ended is skipped: later spans count toward the next running agent above it, if any. A
//! sub-agent adds its totals to its enclosing agent when it ends. Tool spans are counted the
//! same way.

use std::fmt;
use std::sync::Arc;

use telemetry_core::{Attribute, Context, SpanKind, StringValue};

use crate::agent_state::AgentState;
use crate::attributes as a;
use crate::compat;
use crate::genai::GenAi;
use crate::inference::InferenceBuilder;
use crate::message::{Message, Part};
use crate::operation::{OpCore, OperationName, server_attributes, span_name};
use crate::span::{OperationSpan, sealed::Hooks};
use crate::tool::ToolBuilder;
use crate::usage::Usage;

impl GenAi {
    /// An `invoke_agent` span builder (`invoke_agent {name}`; INTERNAL unless
    /// [`remote`](AgentBuilder::remote)). `provider` is `gen_ai.provider.name`, the provider of
    /// the model the agent uses: required on the span and its metrics in v1.41
    /// (semantic-conventions v1.41.0, `model/gen-ai/spans.yaml`,
    /// `span.gen_ai.invoke_agent.internal`/`.client`); *latest* leaves it off in-process
    /// agents.
    pub fn invoke_agent(
        &self,
        provider: impl Into<StringValue>,
        agent_name: impl Into<StringValue>,
    ) -> AgentBuilder {
        AgentBuilder::new(self, provider.into(), agent_name.into())
    }
}

/// Describes an agent invocation; from [`GenAi::invoke_agent`].
#[derive(Debug)]
#[must_use = "call start() to open the span"]
pub struct AgentBuilder {
    genai: GenAi,
    name: StringValue,
    provider: StringValue,
    model: Option<StringValue>,
    id: Option<StringValue>,
    description: Option<StringValue>,
    version: Option<StringValue>,
    conversation_id: Option<StringValue>,
    remote: Option<(StringValue, Option<u16>)>,
    system: Option<Vec<Part>>,
    input: Vec<Message>,
    parent: Option<Context>,
}

impl AgentBuilder {
    fn new(genai: &GenAi, provider: StringValue, name: StringValue) -> Self {
        Self {
            genai: genai.clone(),
            name,
            provider,
            model: None,
            id: None,
            description: None,
            version: None,
            conversation_id: None,
            remote: None,
            system: None,
            input: Vec::new(),
            parent: None,
        }
    }

    /// `gen_ai.request.model`: the model the agent uses.
    pub fn model(mut self, model: impl Into<StringValue>) -> Self {
        self.model = Some(model.into());
        self
    }
    /// `gen_ai.agent.id` (omitted on in-process agents in *latest*).
    pub fn id(mut self, id: impl Into<StringValue>) -> Self {
        self.id = Some(id.into());
        self
    }
    /// `gen_ai.agent.description`.
    pub fn description(mut self, description: impl Into<StringValue>) -> Self {
        self.description = Some(description.into());
        self
    }
    /// `gen_ai.agent.version` (omitted on in-process agents in *latest*).
    pub fn version(mut self, version: impl Into<StringValue>) -> Self {
        self.version = Some(version.into());
        self
    }
    /// `gen_ai.conversation.id` (never the trace id).
    pub fn conversation_id(mut self, id: impl Into<StringValue>) -> Self {
        self.conversation_id = Some(id.into());
        self
    }
    /// A remote agent at `address:port`: span kind CLIENT and `server.*` attributes.
    pub fn remote(mut self, address: impl Into<StringValue>, port: Option<u16>) -> Self {
        self.remote = Some((address.into(), port));
        self
    }
    /// `gen_ai.system_instructions` (content).
    pub fn system_instructions(mut self, parts: Vec<Part>) -> Self {
        self.system = Some(parts);
        self
    }
    /// `gen_ai.input.messages` (content): the task. In compatibility mode the text also goes
    /// into a `gen_ai.user.message` record.
    pub fn input_messages(mut self, messages: Vec<Message>) -> Self {
        self.input = messages;
        self
    }
    /// Opens the span as a child of `parent` instead of the current scope.
    pub fn child_of(mut self, parent: &Context) -> Self {
        self.parent = Some(parent.clone());
        self
    }

    /// Opens the span and keeps its totals on its scope for the spans below it.
    pub fn start(self) -> AgentSpan {
        let g = &self.genai;
        let latest = g.config().latest();
        let internal = self.remote.is_none();
        // *latest* removed these from internal invoke_agent spans.
        let trimmed = latest && internal;
        // Shared once here, these names are then copied into the span, metric and event
        // attribute lists (and by the OpenTelemetry SDK) without allocating.
        let agent_name = self.name.into_shared();
        let name = span_name(OperationName::InvokeAgent, Some(&agent_name));
        let mut common = vec![Attribute::new(a::GEN_AI_OPERATION_NAME, "invoke_agent")];
        if !trimmed {
            common.push(Attribute::new(
                a::GEN_AI_PROVIDER_NAME,
                self.provider.into_shared(),
            ));
        }
        if let Some(m) = self.model {
            common.push(Attribute::new(a::GEN_AI_REQUEST_MODEL, m.into_shared()));
        }
        common.push(Attribute::new(a::GEN_AI_AGENT_NAME, agent_name.clone()));
        let mut metric_attrs = common.clone();
        if !latest {
            // v1.41's operation.duration does not list gen_ai.agent.name.
            metric_attrs.retain(|x| x.key != a::GEN_AI_AGENT_NAME);
        }
        let mut open = common.clone();
        if !trimmed {
            if let Some(id) = self.id {
                open.push(Attribute::new(a::GEN_AI_AGENT_ID, id));
            }
            if let Some(v) = self.version {
                open.push(Attribute::new(a::GEN_AI_AGENT_VERSION, v));
            }
        }
        if let Some(d) = self.description {
            open.push(Attribute::new(a::GEN_AI_AGENT_DESCRIPTION, d));
        }
        // Shared: the agent's span and every inference span opened from it carry it.
        let conversation_id = self.conversation_id.map(StringValue::into_shared);
        if let Some(c) = &conversation_id {
            open.push(Attribute::new(a::GEN_AI_CONVERSATION_ID, c.clone()));
        }
        if let Some((addr, port)) = self.remote {
            let server = server_attributes(addr, port);
            metric_attrs.extend(server.iter().cloned());
            open.extend(server);
        }
        let kind = if internal {
            SpanKind::Internal
        } else {
            SpanKind::Client
        };
        let core = OpCore::open(
            g,
            OperationName::InvokeAgent,
            name,
            kind,
            &open,
            self.parent.as_ref(),
            metric_attrs,
        );
        let state = AgentState::start(core.scope.context(), Some(agent_name));
        if g.config().compat_events && !self.input.is_empty() && core.events_enabled() {
            let task: Vec<String> = self
                .input
                .iter()
                .map(|m| compat::message_body(m, g.redactor()))
                .collect();
            compat::agent_task(&core, &common, &task.join("\n"));
        }
        let agent = InvokeAgent {
            state,
            conversation_id,
            common,
            internal,
            system: self.system,
            input: self.input,
            output: Vec::new(),
            finish_reasons: Vec::new(),
        };
        OperationSpan::new(core, agent)
    }
}

/// The `invoke_agent` operation: the shared totals and what the span records at its end.
pub struct InvokeAgent {
    state: Arc<AgentState>,
    conversation_id: Option<StringValue>,
    common: Vec<Attribute>,
    internal: bool,
    system: Option<Vec<Part>>,
    input: Vec<Message>,
    output: Vec<Message>,
    finish_reasons: Vec<String>,
}

impl Hooks for InvokeAgent {
    const TYPE_NAME: &'static str = "AgentSpan";

    fn finish(&mut self, core: &mut OpCore) {
        let g = core.genai.clone();
        let cfg = g.config();
        let latest = cfg.latest();
        // From here on, new spans below skip this agent: nothing adds to totals recorded now.
        let totals = self.state.end();
        if !self.finish_reasons.is_empty() {
            core.set(
                a::GEN_AI_RESPONSE_FINISH_REASONS,
                self.finish_reasons.clone(),
            );
        }
        for u in totals.attributes(latest, !(latest && self.internal)) {
            core.set(u.key, u.value);
        }
        let (cost, cost_incomplete) = self.state.cost();
        for x in cost.into_iter().flat_map(|usd| g.cost_attributes(usd)) {
            core.set(x.key, x.value);
        }
        if cost_incomplete {
            core.set(a::GEN_AI_USAGE_COST_INCOMPLETE, true);
        }
        if cfg.capture.on_span() {
            if let Some(s) = self.system.take() {
                core.set_content(a::GEN_AI_SYSTEM_INSTRUCTIONS, &s);
            }
            if !self.input.is_empty() {
                let input = std::mem::take(&mut self.input);
                core.set_content(a::GEN_AI_INPUT_MESSAGES, &input);
            }
            if !self.output.is_empty() {
                let output = std::mem::take(&mut self.output);
                core.set_content(a::GEN_AI_OUTPUT_MESSAGES, &output);
            }
            core.flush_truncated();
        }
        if cfg.compat_events && core.events_enabled() {
            let status = match (&core.error_type, self.finish_reasons.first()) {
                (Some(e), _) => e.clone(),
                (None, Some(r)) => r.clone(),
                (None, None) => "completed".to_owned(),
            };
            compat::agent_finish(
                core,
                &self.common,
                &status,
                totals.input_tokens.unwrap_or(0),
                totals.output_tokens.unwrap_or(0),
            );
        }
        let (inference_calls, tool_calls) = self.state.calls();
        g.metrics()
            .agent_calls(inference_calls, tool_calls, &core.metric_attrs);
        if let Some(outer) = self.state.outer() {
            outer.add_usage(&totals);
            if cost.is_some() {
                outer.add_cost(cost);
            }
            if cost_incomplete {
                outer.add_cost(None);
            }
        }
    }

    fn debug_fields(&self, core: &OpCore, f: &mut fmt::DebugStruct<'_, '_>) {
        f.field("context", core.scope.context())
            .field("usage", &self.state.usage());
    }
}

/// An open `invoke_agent` span; ends with [`end`](OperationSpan::end),
/// [`fail`](OperationSpan::fail) or drop.
///
/// At the end it records the run's token totals (`gen_ai.usage.*`, tokens), its cost
/// (`agent_telemetry.gen_ai.usage.cost`, USD, the sum over the operations below it, and
/// `agent_telemetry.gen_ai.usage.cost_incomplete` when some of them had no price), finish reasons,
/// content (when allowed) and, in compatibility mode, `agent_telemetry.gen_ai.agent.finish`.
pub type AgentSpan = OperationSpan<InvokeAgent>;

impl AgentSpan {
    /// A `chat` span builder that is a child of this agent and adds to its totals.
    pub fn chat(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        self.inference(OperationName::Chat, provider, model)
    }

    /// An inference span builder (`chat`, `text_completion` or `generate_content`) that is a
    /// child of this agent and adds to its totals. It carries the agent's
    /// `gen_ai.conversation.id`, if it has one (conditionally required on inference spans
    /// "when available", semantic-conventions v1.41.0, `model/gen-ai/spans.yaml`); the
    /// builder's own [`conversation_id`](InferenceBuilder::conversation_id) overrides it.
    pub fn inference(
        &self,
        op: OperationName,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        let builder = InferenceBuilder::new(&self.core.genai, op, provider, model)
            .under_agent(self.context().clone(), Arc::clone(&self.op.state));
        match &self.op.conversation_id {
            Some(c) => builder.conversation_id(c.clone()),
            None => builder,
        }
    }

    /// An `execute_tool` span builder that is a child of this agent and counts toward it.
    pub fn execute_tool(&self, tool_name: impl Into<StringValue>) -> ToolBuilder {
        ToolBuilder::new(&self.core.genai, tool_name.into())
            .under_agent(self.context().clone(), Arc::clone(&self.op.state))
    }

    /// Adds usage (tokens) spent outside this crate's inference spans.
    pub fn add_usage(&self, usage: Usage) {
        self.op.state.add_usage(&usage);
    }

    /// The totals so far (tokens).
    pub fn usage(&self) -> Usage {
        self.op.state.usage()
    }

    /// Adds a cost in USD spent outside this crate's inference and embeddings spans (say, a
    /// tool's paid API); it joins the agent's `agent_telemetry.gen_ai.usage.cost`. Negative
    /// and non-finite values are ignored.
    pub fn add_cost(&self, usd: f64) {
        if usd.is_finite() && usd >= 0.0 {
            self.op.state.add_cost(Some(usd));
        }
    }

    /// The summed cost in USD so far of the operations below the agent: `None` while none
    /// had a price.
    pub fn cost(&self) -> Option<f64> {
        self.op.state.cost().0
    }

    /// `gen_ai.response.finish_reasons` of the run (e.g. `stop`, `exit_command`); the first is
    /// the compatibility record's `exit_status`.
    pub fn finish_reasons<S: Into<String>>(
        &mut self,
        reasons: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.op.finish_reasons = reasons.into_iter().map(Into::into).collect();
        self
    }

    /// `gen_ai.output.messages` (content): the agent's answer.
    pub fn output_messages(&mut self, messages: Vec<Message>) -> &mut Self {
        self.op.output = messages;
        self
    }
}
