//! [`InferenceBuilder`]: an inference request (provider, model, request parameters, content)
//! before the span opens, and [`start`](InferenceBuilder::start), which opens it.

use std::sync::Arc;

use telemetry_core::{Attribute, Context, SpanKind, StringValue};

use crate::agent_state::AgentState;
use crate::attributes as a;
use crate::compat;
use crate::genai::GenAi;
use crate::inference::span::{Inference, InferenceSpan};
use crate::message::{Message, Part, ToolDefinition};
use crate::operation::{OpCore, OperationName, server_attributes, span_name};
use crate::span::OperationSpan;
use crate::usage::Usage;

/// Describes an inference before it starts. Get one from [`GenAi::chat`],
/// [`GenAi::text_completion`], [`GenAi::generate_content`] or
/// [`AgentSpan::chat`](crate::AgentSpan::chat); [`start`](Self::start) opens the span.
///
/// Content passed here (system instructions, input messages, tool definitions) is recorded
/// only when the capture mode allows it, after redaction.
#[derive(Debug)]
#[must_use = "call start() to open the span"]
pub struct InferenceBuilder {
    genai: GenAi,
    op: OperationName,
    provider: StringValue,
    model: StringValue,
    kind: SpanKind,
    server: Option<(StringValue, Option<u16>)>,
    attrs: Vec<Attribute>,
    system: Option<Vec<Part>>,
    input: Vec<Message>,
    tools: Option<Vec<ToolDefinition>>,
    parent: Option<Context>,
    agent: Option<Arc<AgentState>>,
    stream: bool,
}

impl InferenceBuilder {
    /// The builder of every inference entry point ([`GenAi::chat`] and its siblings, and
    /// [`AgentSpan::inference`](crate::AgentSpan::inference)).
    pub(crate) fn new(
        genai: &GenAi,
        op: OperationName,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> Self {
        Self {
            genai: genai.clone(),
            op,
            provider: provider.into(),
            model: model.into(),
            kind: SpanKind::Client,
            server: None,
            attrs: Vec::new(),
            system: None,
            input: Vec::new(),
            tools: None,
            parent: None,
            agent: None,
            stream: false,
        }
    }

    pub(crate) fn under_agent(mut self, parent: Context, agent: Arc<AgentState>) -> Self {
        self.parent = Some(parent);
        self.agent = Some(agent);
        self
    }

    /// The model runs in-process: span kind INTERNAL instead of CLIENT.
    pub fn in_process(mut self) -> Self {
        self.kind = SpanKind::Internal;
        self
    }

    /// `server.address` and `server.port` of the provider endpoint.
    pub fn server(mut self, address: impl Into<StringValue>, port: Option<u16>) -> Self {
        self.server = Some((address.into(), port));
        self
    }

    /// Opens the span as a child of `parent` instead of the current scope.
    pub fn child_of(mut self, parent: &Context) -> Self {
        self.parent = Some(parent.clone());
        self
    }

    /// `gen_ai.request.temperature`.
    pub fn temperature(self, v: f64) -> Self {
        self.attr(a::GEN_AI_REQUEST_TEMPERATURE, v)
    }
    /// `gen_ai.request.top_p`.
    pub fn top_p(self, v: f64) -> Self {
        self.attr(a::GEN_AI_REQUEST_TOP_P, v)
    }
    /// `gen_ai.request.top_k`: a double in v1.41 (semantic-conventions v1.41.0,
    /// `model/gen-ai/registry.yaml`), an int in *latest*.
    pub fn top_k(self, v: u32) -> Self {
        if self.genai.config().latest() {
            self.attr(a::GEN_AI_REQUEST_TOP_K, v)
        } else {
            self.attr(a::GEN_AI_REQUEST_TOP_K, f64::from(v))
        }
    }
    /// The request is streamed: `gen_ai.request.stream = true` at span start (conditionally
    /// required "if and only if the request is streaming", semantic-conventions v1.41.0,
    /// `model/gen-ai/spans.yaml`). [`InferenceSpan::stream`] sets it too, late, when this was
    /// not called; call this so that samplers see it.
    pub fn streaming(mut self) -> Self {
        if !self.stream {
            self.stream = true;
            self.attrs
                .push(Attribute::new(a::GEN_AI_REQUEST_STREAM, true));
        }
        self
    }
    /// `gen_ai.request.max_tokens` (tokens).
    pub fn max_tokens(self, v: u64) -> Self {
        self.attr(a::GEN_AI_REQUEST_MAX_TOKENS, v)
    }
    /// `gen_ai.request.seed`.
    pub fn seed(self, v: i64) -> Self {
        self.attr(a::GEN_AI_REQUEST_SEED, v)
    }
    /// `gen_ai.request.frequency_penalty`.
    pub fn frequency_penalty(self, v: f64) -> Self {
        self.attr(a::GEN_AI_REQUEST_FREQUENCY_PENALTY, v)
    }
    /// `gen_ai.request.presence_penalty`.
    pub fn presence_penalty(self, v: f64) -> Self {
        self.attr(a::GEN_AI_REQUEST_PRESENCE_PENALTY, v)
    }
    /// `gen_ai.request.stop_sequences`.
    pub fn stop_sequences(self, v: Vec<String>) -> Self {
        self.attr(a::GEN_AI_REQUEST_STOP_SEQUENCES, v)
    }
    /// `gen_ai.request.choice.count`, set only when not 1 (as the conventions ask).
    pub fn choice_count(self, n: u32) -> Self {
        if n == 1 {
            self
        } else {
            self.attr(a::GEN_AI_REQUEST_CHOICE_COUNT, n)
        }
    }
    /// `gen_ai.output.type`: `text`, `json`, `image`, `speech`.
    pub fn output_type(self, v: impl Into<String>) -> Self {
        self.attr(a::GEN_AI_OUTPUT_TYPE, v.into())
    }
    /// `gen_ai.conversation.id` (never the trace id).
    pub fn conversation_id(mut self, id: impl Into<StringValue>) -> Self {
        // Replaces one inherited from the agent (AgentSpan::chat).
        self.attrs.retain(|x| x.key != a::GEN_AI_CONVERSATION_ID);
        self.attr(a::GEN_AI_CONVERSATION_ID, id.into())
    }

    /// Any other attribute to set at start (for example `openai.request.service_tier`).
    pub fn attr(
        mut self,
        key: &'static str,
        value: impl Into<telemetry_core::AttributeValue>,
    ) -> Self {
        self.attrs.push(Attribute::new(key, value));
        self
    }

    /// `gen_ai.system_instructions` (content): instructions given separately from the
    /// messages, every part kept.
    pub fn system_instructions(mut self, parts: Vec<Part>) -> Self {
        self.system = Some(parts);
        self
    }

    /// `gen_ai.input.messages` (content): the chat history sent, in order.
    pub fn input_messages(mut self, messages: Vec<Message>) -> Self {
        self.input = messages;
        self
    }

    /// `gen_ai.tool.definitions` (content): the tools offered.
    pub fn tool_definitions(mut self, tools: Vec<ToolDefinition>) -> Self {
        self.tools = Some(tools);
        self
    }

    /// Opens the span and, in compatibility mode, emits the input-message records (before the
    /// call, so they exist even when it fails).
    pub fn start(self) -> InferenceSpan {
        let g = &self.genai;
        // Shared once here, these names are then copied into the span, metric and event
        // attribute lists (and by the OpenTelemetry SDK) without allocating.
        let model = self.model.into_shared();
        let name = span_name(self.op, Some(&model));
        let mut common = vec![
            Attribute::new(a::GEN_AI_OPERATION_NAME, self.op.as_str()),
            Attribute::new(a::GEN_AI_PROVIDER_NAME, self.provider.into_shared()),
            Attribute::new(a::GEN_AI_REQUEST_MODEL, model),
        ];
        let mut metric_attrs = common.clone();
        if let Some((addr, port)) = self.server {
            let server = server_attributes(addr, port);
            metric_attrs.extend(server.iter().cloned());
            common.extend(server);
        }
        let mut open = common.clone();
        open.extend(self.attrs);
        let core = OpCore::open(
            g,
            self.op,
            name,
            self.kind,
            &open,
            self.parent.as_ref(),
            metric_attrs,
        );
        let agent = self
            .agent
            .or_else(|| AgentState::running(core.scope.context()));
        if let Some(agent) = &agent {
            agent.inference_started();
        }
        // Compat records carry operation, provider and request model (not server).
        let compat_common: Vec<Attribute> = common
            .iter()
            .filter(|x| !x.key.starts_with("server."))
            .cloned()
            .collect();
        if g.config().compat_events {
            compat::input_messages(&core, &compat_common, self.system.as_deref(), &self.input);
        }
        let inference = Inference {
            agent,
            compat_common,
            start_attrs: open,
            stream: self.stream,
            system: self.system,
            input: self.input,
            tools: self.tools,
            response_id: None,
            response_model: None,
            finish_reasons: None,
            usage: Usage::default(),
            output: Vec::new(),
            first_chunk: None,
            last_chunk: None,
        };
        OperationSpan::new(core, inference)
    }
}
