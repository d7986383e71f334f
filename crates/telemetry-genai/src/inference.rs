//! Inference spans: `chat`, `text_completion`, `generate_content`.
//!
//! Source: semantic conventions v1.41, *gen-ai-spans.md › Inference*. Name
//! `{gen_ai.operation.name} {gen_ai.request.model}`, kind CLIENT (INTERNAL for an in-process
//! model via [`InferenceBuilder::in_process`]). Operation, provider, request model, request
//! parameters, server address and port and conversation id are set at start, so samplers see
//! them. At the end the span gets, in this order: response id, response model, finish reasons,
//! tool call ids, usage, `error.type`, then content (so a size or count limit never drops
//! usage).

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use telemetry_core::{Attribute, AttributeValue, Context, SpanKind, StringValue};

use crate::agent_state::AgentState;
use crate::attributes as a;
use crate::compat;
use crate::genai::GenAi;
use crate::message::{Message, Part, ToolDefinition};
use crate::operation::{OpCore, OperationName, server_attributes, span_name};
use crate::span::{OperationSpan, sealed::Hooks};
use crate::usage::Usage;

impl GenAi {
    /// A `chat` inference span builder (`chat {model}`, CLIENT).
    pub fn chat(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(
            self,
            OperationName::Chat,
            provider.into(),
            Some(model.into()),
        )
    }

    /// A `text_completion` inference span builder.
    pub fn text_completion(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(
            self,
            OperationName::TextCompletion,
            provider.into(),
            Some(model.into()),
        )
    }

    /// A `generate_content` inference span builder.
    pub fn generate_content(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(
            self,
            OperationName::GenerateContent,
            provider.into(),
            Some(model.into()),
        )
    }
}

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
    model: Option<StringValue>,
    kind: SpanKind,
    server: Option<(StringValue, Option<u16>)>,
    attrs: Vec<Attribute>,
    system: Option<Vec<Part>>,
    input: Vec<Message>,
    tools: Option<Vec<ToolDefinition>>,
    parent: Option<Context>,
    agent: Option<Arc<AgentState>>,
}

impl InferenceBuilder {
    pub(crate) fn new(
        genai: &GenAi,
        op: OperationName,
        provider: StringValue,
        model: Option<StringValue>,
    ) -> Self {
        Self {
            genai: genai.clone(),
            op,
            provider,
            model,
            kind: SpanKind::Client,
            server: None,
            attrs: Vec::new(),
            system: None,
            input: Vec::new(),
            tools: None,
            parent: None,
            agent: None,
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
    /// `gen_ai.request.top_k`.
    pub fn top_k(self, v: u32) -> Self {
        self.attr(a::GEN_AI_REQUEST_TOP_K, v)
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
    pub fn conversation_id(self, id: impl Into<StringValue>) -> Self {
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
    /// messages. In *latest* only text parts are recorded.
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
        let latest = g.config().latest();
        // Shared once here, these names are then copied into the span, metric and event
        // attribute lists (and by the OpenTelemetry SDK) without allocating.
        let model = self.model.map(StringValue::into_shared);
        let name = span_name(self.op, model.as_deref());
        let mut common = vec![
            Attribute::new(a::GEN_AI_OPERATION_NAME, self.op.as_str()),
            Attribute::new(a::GEN_AI_PROVIDER_NAME, self.provider.into_shared()),
        ];
        if let Some(m) = model {
            common.push(Attribute::new(a::GEN_AI_REQUEST_MODEL, m));
        }
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
        let system = self.system.map(|parts| {
            if latest {
                parts
                    .into_iter()
                    .filter(|p| matches!(p, Part::Text { .. }))
                    .collect()
            } else {
                parts
            }
        });
        let inference = Inference {
            agent,
            compat_common,
            system,
            input: self.input,
            tools: self.tools,
            response_id: None,
            response_model: None,
            finish_reasons: None,
            usage: Usage::default(),
            output: Vec::new(),
            first_chunk: None,
        };
        OperationSpan::new(core, inference)
    }
}

/// An inference operation's request and result, recorded when the span ends.
pub struct Inference {
    agent: Option<Arc<AgentState>>,
    compat_common: Vec<Attribute>,
    system: Option<Vec<Part>>,
    input: Vec<Message>,
    tools: Option<Vec<ToolDefinition>>,
    response_id: Option<StringValue>,
    response_model: Option<StringValue>,
    finish_reasons: Option<Vec<String>>,
    pub(crate) usage: Usage,
    pub(crate) output: Vec<Message>,
    pub(crate) first_chunk: Option<Instant>,
}

/// An open inference span. Record the result with [`response_id`](Self::response_id),
/// [`response_model`](Self::response_model), [`usage`](Self::usage),
/// [`output_messages`](Self::output_messages) (and optionally
/// [`finish_reasons`](Self::finish_reasons)), then [`end`](OperationSpan::end); or
/// [`fail`](OperationSpan::fail). Dropping it ends it like `end`. For streams, turn it into a
/// [`StreamRecorder`](crate::StreamRecorder) with [`stream`](Self::stream).
///
/// Each retry attempt is its own `InferenceSpan` (start one per attempt): failed attempts carry
/// `error.type` and ERROR status, the successful one does not.
pub type InferenceSpan = OperationSpan<Inference>;

impl InferenceSpan {
    /// `gen_ai.response.id`.
    pub fn response_id(&mut self, id: impl Into<StringValue>) -> &mut Self {
        self.op.response_id = Some(id.into());
        self
    }

    /// `gen_ai.response.model`. Text equal to the request model's reuses that shared string
    /// (no copy); other text is shared once for the span, event and metric attributes.
    pub fn response_model(&mut self, model: impl Into<StringValue>) -> &mut Self {
        self.op.response_model = Some(model.into());
        self
    }

    /// `gen_ai.response.finish_reasons`; by default taken from the output messages.
    pub fn finish_reasons<S: Into<String>>(
        &mut self,
        reasons: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.op.finish_reasons = Some(reasons.into_iter().map(Into::into).collect());
        self
    }

    /// Token usage; later calls merge field by field (see [`Usage::merge`]).
    pub fn usage(&mut self, usage: Usage) -> &mut Self {
        self.op.usage.merge(usage);
        self
    }

    /// The response's messages (one per choice). Always pass them: tool call ids, finish
    /// reasons and compatibility records come from them; their content is recorded only when
    /// the capture mode allows it.
    pub fn output_messages(&mut self, messages: Vec<Message>) -> &mut Self {
        self.op.output = messages;
        self
    }

    /// The usage recorded so far.
    pub fn recorded_usage(&self) -> Usage {
        self.op.usage
    }
}

impl Hooks for Inference {
    const TYPE_NAME: &'static str = "InferenceSpan";

    fn finish(&mut self, core: &mut OpCore) {
        let g = core.genai.clone();
        let cfg = g.config();
        let latest = cfg.latest();
        let failed = core.error_type.is_some();

        // 1. Response attributes.
        let reasons: Vec<StringValue> = match &self.finish_reasons {
            Some(r) => r.iter().map(|r| finish_reason(r)).collect(),
            None => self
                .output
                .iter()
                .filter_map(|m| m.finish_reason.as_deref())
                .map(finish_reason)
                .collect(),
        };
        // Shared once here: the span, the event and the metric attributes all carry these.
        self.response_id = self.response_id.take().map(StringValue::into_shared);
        self.response_model = self.response_model.take().map(|m| share_model(core, m));
        if let Some(id) = &self.response_id {
            core.set(a::GEN_AI_RESPONSE_ID, id.clone());
        }
        if let Some(m) = &self.response_model {
            core.set(a::GEN_AI_RESPONSE_MODEL, m.clone());
        }
        if !reasons.is_empty() {
            core.set(a::GEN_AI_RESPONSE_FINISH_REASONS, reasons.clone());
        }
        let call_ids: Vec<&str> = self
            .output
            .iter()
            .flat_map(|m| m.parts.iter())
            .filter_map(|p| match p {
                Part::ToolCall { id: Some(id), .. } => Some(id.as_str()),
                _ => None,
            })
            .collect();
        match call_ids.as_slice() {
            [] => {}
            [one] => core.set(a::GEN_AI_TOOL_CALL_ID, (*one).to_owned()),
            many => core.set(
                a::GEN_AI_TOOL_CALL_ID,
                serde_json::to_string(many).unwrap_or_default(),
            ),
        }
        // 2. Usage, before any content.
        let usage_attrs = self.usage.attributes(latest, true);
        for u in &usage_attrs {
            core.set(u.key.clone(), u.value.clone());
        }
        // 3. Content on the span.
        let mut content: Vec<(&'static str, String)> = Vec::new();
        if cfg.capture.on_span() || cfg.capture.on_event() {
            let output: Vec<Message> = if latest {
                // *latest* (#363): finish_reason lives only in gen_ai.response.finish_reasons.
                self.output
                    .iter()
                    .cloned()
                    .map(|mut m| {
                        m.finish_reason = None;
                        m
                    })
                    .collect()
            } else {
                self.output.clone()
            };
            if let Some(s) = &self.system {
                content.push((
                    a::GEN_AI_SYSTEM_INSTRUCTIONS,
                    core.content_json(a::GEN_AI_SYSTEM_INSTRUCTIONS, s),
                ));
            }
            if !self.input.is_empty() {
                content.push((
                    a::GEN_AI_INPUT_MESSAGES,
                    core.content_json(a::GEN_AI_INPUT_MESSAGES, &self.input),
                ));
            }
            if !output.is_empty() {
                content.push((
                    a::GEN_AI_OUTPUT_MESSAGES,
                    core.content_json(a::GEN_AI_OUTPUT_MESSAGES, &output),
                ));
            }
            if let Some(t) = &self.tools {
                content.push((
                    a::GEN_AI_TOOL_DEFINITIONS,
                    core.content_json(a::GEN_AI_TOOL_DEFINITIONS, t),
                ));
            }
        }
        if cfg.capture.on_span() {
            for (k, v) in &content {
                core.set(*k, v.clone());
            }
            core.flush_truncated();
        }
        // 4. Events, with the span current.
        if cfg.capture.on_event() && core.events_enabled() {
            let mut attrs = self.compat_common.clone();
            if let Some(id) = &self.response_id {
                attrs.push(Attribute::new(a::GEN_AI_RESPONSE_ID, id.clone()));
            }
            if let Some(m) = &self.response_model {
                attrs.push(Attribute::new(a::GEN_AI_RESPONSE_MODEL, m.clone()));
            }
            if !reasons.is_empty() {
                attrs.push(Attribute::new(
                    a::GEN_AI_RESPONSE_FINISH_REASONS,
                    reasons.clone(),
                ));
            }
            attrs.extend(usage_attrs.iter().cloned());
            if let Some(e) = &core.error_type {
                attrs.push(Attribute::new(a::ERROR_TYPE, e.clone()));
            }
            for (k, v) in content {
                attrs.push(Attribute::new(k, v));
            }
            if !core.truncated.is_empty() {
                attrs.push(Attribute::new(a::CONTENT_TRUNCATED, core.truncated.clone()));
            }
            core.emit(a::EVENT_INFERENCE_OPERATION_DETAILS, None, &attrs);
        }
        if cfg.compat_events && !failed {
            compat::response(core, &self.compat_common, &self.output);
        }
        // 5. Metrics: response model joins the attributes; no ids.
        if let Some(m) = &self.response_model {
            core.metric_attrs
                .push(Attribute::new(a::GEN_AI_RESPONSE_MODEL, m.clone()));
        }
        if let Some(t) = self.first_chunk {
            g.metrics()
                .time_to_first_chunk(t.duration_since(core.start), &core.metric_attrs);
        }
        g.metrics()
            .tokens(&self.usage, &mut core.metric_attrs, failed);
        // 6. Agent totals.
        if let Some(agent) = &self.agent {
            agent.add_usage(&self.usage);
        }
    }

    fn debug_fields(&self, core: &OpCore, f: &mut fmt::DebugStruct<'_, '_>) {
        f.field("operation", &core.op)
            .field("context", core.scope.context());
    }
}

/// The response model as a shared value: the request model's own when the text is the
/// same (the common case: no copy at all), else the text shared once.
fn share_model(core: &OpCore, model: StringValue) -> StringValue {
    let requested = core
        .metric_attrs
        .iter()
        .find(|x| x.key == a::GEN_AI_REQUEST_MODEL)
        .and_then(|x| match &x.value {
            AttributeValue::String(s) if s.as_str() == model.as_str() => Some(s.clone()),
            _ => None,
        });
    requested.unwrap_or_else(|| model.into_shared())
}

/// A finish reason as an attribute value. The usual ones (OpenAI's and Anthropic's, which the
/// GenAI conventions' examples use) are literals, so recording them copies no text.
fn finish_reason(reason: &str) -> StringValue {
    const KNOWN: &[&str] = &[
        "stop",
        "length",
        "tool_calls",
        "content_filter",
        "function_call",
        "error",
        "end_turn",
        "max_tokens",
        "stop_sequence",
        "tool_use",
    ];
    match KNOWN.iter().find(|k| **k == reason) {
        Some(known) => StringValue::Static(known),
        None => StringValue::from(reason.to_owned()),
    }
}
