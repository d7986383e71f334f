//! Agent spans: `invoke_agent` (with token totals over the run) and `create_agent`.
//!
//! Source: semantic conventions v1.41, *gen-ai-agent-spans.md*. `invoke_agent {agent name}`,
//! CLIENT for a remote agent ([`AgentBuilder::remote`]), INTERNAL for one running in-process;
//! `create_agent {agent name}`, CLIENT.
//!
//! # Totals
//!
//! Every inference span opened below a running `invoke_agent` span adds its usage to the
//! agent's totals, which the agent span records as `gen_ai.usage.*` when it ends (the seed
//! guide's "aggregate tokens on invoke_agent"). "Below" means: opened with
//! [`AgentSpan::chat`] (works with every implementation, NoOp included), or opened anywhere while
//! a scope at or under the agent's span is current (found through the scope's ancestors, so it
//! works across `.await`, tasks carrying a `Context`, and nested scopes; it needs an
//! implementation whose scopes carry ids, i.e. not NoOp). A sub-agent adds its totals to its
//! enclosing agent when it ends. Tool spans are counted the same way.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use telemetry_core::{Attribute, Context, SpanKind, StringValue};

use crate::attributes as a;
use crate::compat;
use crate::content::{Message, Part};
use crate::genai::GenAi;
use crate::inference::InferenceBuilder;
use crate::operation::{OpCore, OperationName, scope_accessors, server_attributes, span_name};
use crate::tool::ToolBuilder;
use crate::usage::{Usage, UsageTotals};

/// Shared by an agent span and the spans that report to it.
#[derive(Debug, Default)]
pub(crate) struct AgentState {
    totals: UsageTotals,
    inference_calls: AtomicU64,
    tool_calls: AtomicU64,
}

impl AgentState {
    pub(crate) fn add_usage(&self, usage: &Usage) {
        self.totals.add(usage);
    }
    pub(crate) fn inference_started(&self) {
        self.inference_calls.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn tool_started(&self) {
        self.tool_calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// Describes an agent invocation; from [`GenAi::invoke_agent`].
#[derive(Debug)]
#[must_use = "call start() to open the span"]
pub struct AgentBuilder {
    genai: GenAi,
    name: StringValue,
    provider: Option<StringValue>,
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
    pub(crate) fn new(genai: &GenAi, name: StringValue) -> Self {
        Self {
            genai: genai.clone(),
            name,
            provider: None,
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

    /// `gen_ai.provider.name`: the provider of the model the agent uses (required in v1.41;
    /// omitted on in-process agents in *latest*).
    pub fn provider(mut self, provider: impl Into<StringValue>) -> Self {
        self.provider = Some(provider.into());
        self
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

    /// Opens the span and registers it for totals.
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
        if let (Some(p), false) = (self.provider, trimmed) {
            common.push(Attribute::new(a::GEN_AI_PROVIDER_NAME, p.into_shared()));
        }
        if let Some(m) = self.model {
            common.push(Attribute::new(a::GEN_AI_REQUEST_MODEL, m.into_shared()));
        }
        common.push(Attribute::new(a::GEN_AI_AGENT_NAME, agent_name));
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
        if let Some(c) = self.conversation_id {
            open.push(Attribute::new(a::GEN_AI_CONVERSATION_ID, c));
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
        let state = Arc::new(AgentState::default());
        let outer = g.enclosing_agent(&core.scope.context().parent());
        if let Some(id) = core.scope.context().span_id() {
            g.register_agent(id, &state);
        }
        if g.config().compat_events && !self.input.is_empty() && core.events_enabled() {
            let task: Vec<String> = self.input.iter().map(compat::message_body).collect();
            compat::agent_task(&core, &common, &task.join("\n"));
        }
        AgentSpan {
            core,
            state,
            outer,
            common,
            internal,
            system: self.system,
            input: self.input,
            output: Vec::new(),
            finish_reasons: Vec::new(),
        }
    }
}

/// An open `invoke_agent` span; ends with [`end`](Self::end), [`fail`](Self::fail) or drop.
///
/// At the end it records the run's token totals (`gen_ai.usage.*`), finish reasons, content
/// (when allowed) and, in compatibility mode, `gen_ai.agent.finish`.
#[must_use = "the span ends when dropped"]
pub struct AgentSpan {
    core: OpCore,
    state: Arc<AgentState>,
    outer: Option<Arc<AgentState>>,
    common: Vec<Attribute>,
    internal: bool,
    system: Option<Vec<Part>>,
    input: Vec<Message>,
    output: Vec<Message>,
    finish_reasons: Vec<String>,
}

impl std::fmt::Debug for AgentSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentSpan")
            .field("context", self.core.scope.context())
            .field("usage", &self.usage())
            .finish_non_exhaustive()
    }
}

impl AgentSpan {
    scope_accessors!();

    /// A `chat` span builder that is a child of this agent and adds to its totals.
    pub fn chat(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        self.inference(OperationName::Chat, provider, model)
    }

    /// An inference span builder (`chat`, `text_completion` or `generate_content`) that is a
    /// child of this agent and adds to its totals.
    pub fn inference(
        &self,
        op: OperationName,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(&self.core.genai, op, provider.into(), Some(model.into()))
            .under_agent(self.core.scope.context().clone(), self.state.clone())
    }

    /// An `execute_tool` span builder that is a child of this agent and counts toward it.
    pub fn execute_tool(&self, tool_name: impl Into<StringValue>) -> ToolBuilder {
        ToolBuilder::new(&self.core.genai, tool_name.into())
            .under_agent(self.core.scope.context().clone(), self.state.clone())
    }

    /// Adds usage spent outside this crate's inference spans.
    pub fn add_usage(&self, usage: Usage) {
        self.state.add_usage(&usage);
    }

    /// The totals so far.
    pub fn usage(&self) -> Usage {
        self.state.totals.snapshot()
    }

    /// `gen_ai.response.finish_reasons` of the run (the seed guide uses e.g. `exit_command`);
    /// the first is the compatibility record's `exit_status`.
    pub fn finish_reasons<S: Into<String>>(
        &mut self,
        reasons: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.finish_reasons = reasons.into_iter().map(Into::into).collect();
        self
    }

    /// `gen_ai.output.messages` (content): the agent's answer.
    pub fn output_messages(&mut self, messages: Vec<Message>) -> &mut Self {
        self.output = messages;
        self
    }

    /// Ends the span successfully.
    pub fn end(mut self) {
        self.finish();
    }

    /// Ends the span as failed (`error.type`, ERROR status, `error.type` on the metric).
    pub fn fail(mut self, error_type: &str, message: &str) {
        self.core.fail(error_type, message);
        self.finish();
    }

    fn finish(&mut self) {
        if self.core.finished {
            return;
        }
        self.core.finished = true;
        let g = self.core.genai.clone();
        let cfg = g.config();
        let latest = cfg.latest();
        let totals = self.state.totals.snapshot();
        if !self.finish_reasons.is_empty() {
            self.core.set(
                a::GEN_AI_RESPONSE_FINISH_REASONS,
                self.finish_reasons.clone(),
            );
        }
        for u in totals.attributes(latest, !(latest && self.internal)) {
            self.core.set(u.key, u.value);
        }
        if cfg.capture.on_span() {
            if let Some(s) = self.system.take() {
                self.core.set_content(a::GEN_AI_SYSTEM_INSTRUCTIONS, &s);
            }
            if !self.input.is_empty() {
                let input = std::mem::take(&mut self.input);
                self.core.set_content(a::GEN_AI_INPUT_MESSAGES, &input);
            }
            if !self.output.is_empty() {
                let output = std::mem::take(&mut self.output);
                self.core.set_content(a::GEN_AI_OUTPUT_MESSAGES, &output);
            }
            self.core.flush_truncated();
        }
        if cfg.compat_events && self.core.events_enabled() {
            let status = match (&self.core.error_type, self.finish_reasons.first()) {
                (Some(e), _) => e.clone(),
                (None, Some(r)) => r.clone(),
                (None, None) => "completed".to_owned(),
            };
            compat::agent_finish(
                &self.core,
                &self.common,
                &status,
                totals.input_tokens.unwrap_or(0),
                totals.output_tokens.unwrap_or(0),
            );
        }
        g.metrics().agent_calls(
            self.state.inference_calls.load(Ordering::Relaxed),
            self.state.tool_calls.load(Ordering::Relaxed),
            &self.core.metric_attrs,
        );
        self.core.with_duration_attrs(|core, attrs| {
            g.metrics().duration(
                OperationName::InvokeAgent.duration_kind(),
                core.elapsed(),
                attrs,
            );
        });
        if let Some(outer) = &self.outer {
            outer.add_usage(&totals);
        }
        if let Some(id) = self.core.scope.context().span_id() {
            g.unregister_agent(id);
        }
    }
}

impl Drop for AgentSpan {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Describes an agent creation; from [`GenAi::create_agent`].
#[derive(Debug)]
#[must_use = "call start() to open the span"]
pub struct CreateAgentBuilder {
    genai: GenAi,
    provider: StringValue,
    name: StringValue,
    attrs: Vec<Attribute>,
    server: Vec<Attribute>,
}

impl CreateAgentBuilder {
    pub(crate) fn new(genai: &GenAi, provider: StringValue, name: StringValue) -> Self {
        Self {
            genai: genai.clone(),
            provider,
            name,
            attrs: Vec::new(),
            server: Vec::new(),
        }
    }
    /// `gen_ai.agent.description`.
    pub fn description(mut self, d: impl Into<StringValue>) -> Self {
        self.attrs
            .push(Attribute::new(a::GEN_AI_AGENT_DESCRIPTION, d.into()));
        self
    }
    /// `gen_ai.request.model`: the model the new agent will use.
    pub fn model(mut self, m: impl Into<StringValue>) -> Self {
        self.attrs.push(Attribute::new(
            a::GEN_AI_REQUEST_MODEL,
            m.into().into_shared(),
        ));
        self
    }
    /// `server.address` and `server.port` of the agent service.
    pub fn server(mut self, address: impl Into<StringValue>, port: Option<u16>) -> Self {
        self.server = server_attributes(address.into(), port);
        self
    }
    /// Opens the span.
    pub fn start(self) -> CreateAgentSpan {
        let mut metric_attrs = vec![
            Attribute::new(a::GEN_AI_OPERATION_NAME, "create_agent"),
            Attribute::new(a::GEN_AI_PROVIDER_NAME, self.provider.into_shared()),
        ];
        metric_attrs.extend(
            self.attrs
                .iter()
                .filter(|x| x.key == a::GEN_AI_REQUEST_MODEL)
                .cloned(),
        );
        metric_attrs.extend(self.server.iter().cloned());
        let mut open = metric_attrs.clone();
        open.push(Attribute::new(a::GEN_AI_AGENT_NAME, self.name.clone()));
        open.extend(
            self.attrs
                .into_iter()
                .filter(|x| x.key != a::GEN_AI_REQUEST_MODEL),
        );
        let name = span_name(OperationName::CreateAgent, Some(&self.name));
        CreateAgentSpan {
            core: OpCore::open(
                &self.genai,
                OperationName::CreateAgent,
                name,
                SpanKind::Client,
                &open,
                None,
                metric_attrs,
            ),
        }
    }
}

/// An open `create_agent` span.
#[must_use = "the span ends when dropped"]
pub struct CreateAgentSpan {
    core: OpCore,
}

impl std::fmt::Debug for CreateAgentSpan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateAgentSpan")
            .field("context", self.core.scope.context())
            .finish_non_exhaustive()
    }
}

impl CreateAgentSpan {
    scope_accessors!();

    /// `gen_ai.agent.id` the provider assigned.
    pub fn agent_id(&self, id: impl Into<String>) -> &Self {
        self.core.set(a::GEN_AI_AGENT_ID, id.into());
        self
    }
    /// Ends the span successfully.
    pub fn end(self) {}
    /// Ends the span as failed.
    pub fn fail(mut self, error_type: &str, message: &str) {
        self.core.fail(error_type, message);
    }
}

impl Drop for CreateAgentSpan {
    fn drop(&mut self) {
        if !self.core.finished {
            self.core.finished = true;
            self.core.record_duration();
        }
    }
}
