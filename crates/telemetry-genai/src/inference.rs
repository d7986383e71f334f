//! Inference spans: `chat`, `text_completion`, `generate_content`.
//!
//! Source: semantic conventions v1.41, *gen-ai-spans.md › Inference*. Name
//! `{gen_ai.operation.name} {gen_ai.request.model}`, kind CLIENT (INTERNAL for an in-process
//! model via [`InferenceBuilder::in_process`]). Operation, provider, request model, request
//! parameters, `gen_ai.request.stream`, server address and port and conversation id are set at
//! start, so samplers see them. At the end the span gets, in this order: response id, response
//! model, finish reasons, time to first chunk, usage, `error.type`, then content (so a size or
//! count limit never drops usage). The `gen_ai.client.inference.operation.details` event is
//! built from the same list (start plus end attributes) with the content in structured form.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use telemetry_core::{Attribute, AttributeValue, Context, SpanKind, StringValue};

use crate::agent_state::AgentState;
use crate::attributes as a;
use crate::compat;
use crate::genai::GenAi;
use crate::message::{ERROR_REASON, Message, Part, ToolDefinition, finish_reason};
use crate::operation::{OpCore, OperationName, server_attributes, span_name, structured};
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
    stream: bool,
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

/// An inference operation's request and result, recorded when the span ends.
pub struct Inference {
    agent: Option<Arc<AgentState>>,
    compat_common: Vec<Attribute>,
    /// Every attribute the span got at start: with what it gets at the end, the one list
    /// the details event is built from too.
    pub(crate) start_attrs: Vec<Attribute>,
    pub(crate) stream: bool,
    system: Option<Vec<Part>>,
    input: Vec<Message>,
    tools: Option<Vec<ToolDefinition>>,
    response_id: Option<StringValue>,
    response_model: Option<StringValue>,
    finish_reasons: Option<Vec<String>>,
    pub(crate) usage: Usage,
    pub(crate) output: Vec<Message>,
    pub(crate) first_chunk: Option<Instant>,
    pub(crate) last_chunk: Option<Instant>,
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

    /// `gen_ai.response.finish_reasons`; by default taken from the output messages, one per
    /// message, `error` for a message without one. Provider spellings of a tool call
    /// (`tool_calls`, `function_call`, `tool_use`) are recorded as `tool_call`.
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

    /// The response's messages (one per choice). Always pass them: finish
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

        // 1. Result attributes, each set on the span and kept for the details event: the event
        //    carries the span's attributes (semantic-conventions v1.41.0,
        //    model/gen-ai/events.yaml: the event extends attributes.gen_ai.inference.client).
        let mut end: Vec<Attribute> = Vec::new();
        // One finish reason per choice, in choice order; `error` for a choice without one
        // (the output-message schema requires it, and the list corresponds to each generation
        // received: v1.41.0 docs/gen-ai/gen-ai-output-messages.json, model/gen-ai/registry.yaml).
        let reasons: Vec<StringValue> = match &self.finish_reasons {
            Some(r) => r.iter().map(|r| finish_reason(r)).collect(),
            None => self
                .output
                .iter()
                .map(|m| {
                    m.finish_reason
                        .as_deref()
                        .map_or(ERROR_REASON, finish_reason)
                })
                .collect(),
        };
        // Shared once here: the span, the event and the metric attributes all carry these.
        self.response_id = self.response_id.take().map(StringValue::into_shared);
        self.response_model = self.response_model.take().map(|m| share_model(core, m));
        if let Some(id) = &self.response_id {
            end.push(Attribute::new(a::GEN_AI_RESPONSE_ID, id.clone()));
        }
        if let Some(m) = &self.response_model {
            end.push(Attribute::new(a::GEN_AI_RESPONSE_MODEL, m.clone()));
        }
        if !reasons.is_empty() {
            end.push(Attribute::new(
                a::GEN_AI_RESPONSE_FINISH_REASONS,
                reasons.clone(),
            ));
        }
        if let Some(t) = self.first_chunk {
            end.push(Attribute::new(
                a::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                t.duration_since(core.start).as_secs_f64(),
            ));
        }
        // 2. Usage, before any content (a count limit never drops it).
        end.extend(self.usage.attributes(latest, true));
        for x in &end {
            core.set(x.key.clone(), x.value.clone());
        }
        if let Some(e) = &core.error_type {
            end.push(Attribute::new(a::ERROR_TYPE, e.clone()));
        }
        // 3. Content: JSON strings on the span, structured on the event.
        let mut content: Vec<(&'static str, String)> = Vec::new();
        if cfg.capture.on_span() || cfg.capture.on_event() {
            let output: Vec<Message> = self
                .output
                .iter()
                .zip(reasons.iter().map(Some).chain(std::iter::repeat(None)))
                .map(|(m, r)| {
                    let mut m = m.clone();
                    // *latest* (#363): finish_reason lives only in
                    // gen_ai.response.finish_reasons; v1.41 requires it on every message.
                    m.finish_reason = if latest {
                        None
                    } else {
                        Some(r.map_or("error", StringValue::as_str).to_owned())
                    };
                    m
                })
                .collect();
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
                let t = tool_definitions(t, cfg.full_tool_definitions);
                content.push((
                    a::GEN_AI_TOOL_DEFINITIONS,
                    core.content_json(a::GEN_AI_TOOL_DEFINITIONS, &t),
                ));
            }
        }
        if cfg.capture.on_span() {
            for (k, v) in &content {
                core.set(*k, v.clone());
            }
            core.flush_truncated();
        }
        // 4. The details event, with the span current: the span's own attribute list plus
        //    the content in structured form ("when recorded on events, it MUST be recorded in
        //    structured form", v1.41.0 model/gen-ai/registry.yaml, gen_ai.input.messages).
        if cfg.capture.on_event() && core.events_enabled() {
            let mut attrs = std::mem::take(&mut self.start_attrs);
            attrs.extend(end);
            for (k, v) in content {
                attrs.push(Attribute::new(k, structured(&v)));
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
        let error = core.error_type.clone();
        g.metrics()
            .tokens(&self.usage, &mut core.metric_attrs, error.as_deref());
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

/// Tool definitions as recorded: `type` and `name` only unless `full` (the optional
/// `description` and `parameters` are large: "NOT RECOMMENDED to populate non-required
/// properties by default", v1.41.0 model/gen-ai/registry.yaml, gen_ai.tool.definitions).
fn tool_definitions(tools: &[ToolDefinition], full: bool) -> Vec<ToolDefinition> {
    tools
        .iter()
        .map(|t| {
            if full {
                t.clone()
            } else {
                ToolDefinition {
                    kind: t.kind.clone(),
                    name: t.name.clone(),
                    description: None,
                    parameters: serde_json::Value::Null,
                }
            }
        })
        .collect()
}
