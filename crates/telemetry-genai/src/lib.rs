//! The OpenTelemetry GenAI semantic conventions as one call each: `invoke_agent`,
//! `create_agent`, inference (`chat`, `text_completion`, `generate_content`), `embeddings` and
//! `execute_tool` spans, token usage, opt-in redacted content, streaming, metrics.
//!
//! ```
//! use telemetry_core::Telemetry;
//! use telemetry_genai::{GenAi, GenAiConfig, Message, Part, Usage, provider};
//! use serde_json::json;
//!
//! // Telemetry::noop() here; BasicTelemetry or telemetry_otel::OpenTelemetry in production.
//! let genai = GenAi::new(&Telemetry::noop(), GenAiConfig::from_env()?);
//!
//! let agent = genai.invoke_agent(provider::OPENAI, "math-tutor").model("gpt-4o").start();
//! let mut chat = agent
//!     .chat(provider::OPENAI, "gpt-4o")
//!     .temperature(0.0)
//!     .input_messages(vec![Message::system("You are a math tutor."), Message::user("What is 10*5?")])
//!     .start();
//! // ... call the model (inside `chat.instrument(fut)` or `let _g = chat.enter();`) ...
//! chat.response_id("chatcmpl-1")
//!     .response_model("gpt-4o-2024-11-20")
//!     .usage(Usage::new(25, 9))
//!     .output_messages(vec![Message::assistant_parts(vec![
//!         Part::tool_call("call_1", "calculator", json!({"expr": "10*5"})),
//!     ]).with_finish_reason("tool_calls")]);
//! chat.end();
//!
//! let mut tool = agent.execute_tool("calculator").call_id("call_1").arguments(json!({"expr": "10*5"})).start();
//! tool.result(&json!(50));
//! tool.end();
//! assert_eq!(agent.usage(), Usage::new(25, 9)); // totals, recorded on invoke_agent at end
//! agent.end();
//! # Ok::<(), telemetry_genai::ConfigError>(())
//! ```
//!
//! Built on the core traits only ([`Telemetry`](telemetry_core::Telemetry): correlator, logger,
//! meter), so it works with NoOp, Basic and OpenTelemetry. Spans are core scopes; events are
//! `Info` named events ([`Logger::log_event`](telemetry_core::Logger::log_event)) made with the
//! span current (with `telemetry-otel`: a span event of that name and a log record with that
//! `EventName`, the content as its `Body`, and the span's ids); metrics are core histograms and
//! counters with the spec's buckets.
//!
//! # Spans (v1.41)
//!
//! | builder | span name | kind | set at start | set at end |
//! | --- | --- | --- | --- | --- |
//! | [`GenAi::chat`] / [`text_completion`](GenAi::text_completion) / [`generate_content`](GenAi::generate_content) | `chat gpt-4o` | CLIENT (INTERNAL: [`in_process`](InferenceBuilder::in_process)) | operation, provider, request model, `server.*`, request parameters, `gen_ai.request.stream` ([`streaming`](InferenceBuilder::streaming)), conversation id (inherited from the agent by [`AgentSpan::chat`]) | response id and model, finish reasons, time to first chunk, usage, cost, `error.type`, then content |
//! | [`GenAi::invoke_agent`] | `invoke_agent planner` | INTERNAL (CLIENT: [`remote`](AgentBuilder::remote)) | operation, provider (required), request model, agent name/id/version/description, conversation id | token totals of its inference spans, the cost of the operations below it, finish reasons, content |
//! | [`GenAi::create_agent`] | `create_agent planner` | CLIENT | operation, provider, agent name, request model | agent id |
//! | [`GenAi::embeddings`] | `embeddings text-embedding-3-small` | CLIENT | operation, provider, request model, dimensions, encoding formats | input tokens, cost, response model |
//! | [`GenAi::execute_tool`] | `execute_tool get_weather` | INTERNAL | operation, tool name/type/call id/description, arguments (content) | result (content) |
//!
//! Every span is an [`OperationSpan`] (the span types are aliases of it) and ends on
//! [`end`](OperationSpan::end), [`fail`](OperationSpan::fail) (`error.type`, ERROR status,
//! `error.type` on the duration metric; for client operations also the
//! `gen_ai.client.operation.exception` event at WARN) or drop. Each retry attempt is its own
//! span. [`InferenceSpan::stream`] records a streamed response ([`StreamRecorder`]).
//!
//! **Tool call ids.** Each `execute_tool` span carries the id of the model's tool call
//! (`gen_ai.tool.call.id`, one id). The inference span that requested it does not: the
//! conventions do not list that attribute on inference spans, and it holds one id, not a list.
//! The two are joined by the span tree (tools run under the agent, after the chat) and, with
//! content captured, by the `tool_call` parts of the chat's `gen_ai.output.messages`, which
//! carry the same ids.
//!
//! # Content
//!
//! Off by default ([`CaptureMode::NoContent`]); `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`
//! = `SPAN_ONLY` puts `gen_ai.system_instructions`, `gen_ai.input.messages`,
//! `gen_ai.output.messages`, `gen_ai.tool.definitions`, `gen_ai.tool.call.arguments` and
//! `gen_ai.tool.call.result` on spans as JSON strings (the fallback the conventions allow where
//! span attributes have no map type); `EVENT_ONLY` puts the inference ones on the
//! `gen_ai.client.inference.operation.details` event in structured form (OTLP kvlist/array
//! values, [`AttributeValue::Map`](telemetry_core::AttributeValue::Map) and
//! [`Array`](telemetry_core::AttributeValue::Array)), next to the span's own attributes;
//! `SPAN_AND_EVENT` both. Tool definitions carry `type` and `name` only unless
//! [`GenAiConfig::full_tool_definitions`] asks for `description` and `parameters` too. Messages use
//! the parts schema ([`Message`], [`Part`]). The [`Redactor`] runs on every string first;
//! then [`bounded_json`] keeps each attribute valid JSON within
//! [`GenAiConfig::max_content_bytes`] (cutting long texts, then dropping the oldest messages)
//! and lists cut attributes in `agent_telemetry.gen_ai.content_truncated`. Usage attributes
//! are always set before content attributes.
//!
//! **Redaction.** One redactor, [`DefaultRedactor`] unless
//! [`GenAiBuilder::redactor`] replaces it, runs before anything leaves the process, on every
//! output path: content attributes on spans, the `gen_ai.client.inference.operation.details`
//! event (span event and log record), compatibility-mode record bodies, tool arguments and
//! results, and error messages (span status and `exception` event). Message text, tool call
//! arguments and results are redacted as JSON values: strings one by one, and everything under
//! a [sensitive key](is_sensitive_key) (`password`, `api_key`, `Authorization`, …) masked.
//!
//! The [`DefaultRedactor`] finds secrets with the gitleaks default ruleset (v8.30.1, MIT,
//! vendored with its licence: 217 rules covering AWS, GCP, Azure, OpenAI, Anthropic, Cohere,
//! Hugging Face, GitHub, GitLab, Slack, Stripe, Twilio and many more vendors' keys, JWTs and
//! PEM private keys, each with its keywords, secret group and entropy threshold) plus its own
//! rules for what conversation text holds and gitleaks lacks: values assigned to secret-named
//! keys (`password=…`, `api_key: …`, `"secret": "…"`, `aws_secret_access_key = …`, env, YAML,
//! JSON, header and query-string forms), `Authorization` credentials and bearer tokens,
//! passwords in URLs, AWS secret access keys after `aws`/`secret`, `sk-` and Mistral keys, and
//! high-entropy tokens (16+ characters, letters and digits, above 3.5 bits per character)
//! within 48 bytes after a secret-like word. It masks exactly the secret, as
//! `[REDACTED:<rule-id>]` (`[REDACTED:github-pat]`, `[REDACTED:secret-assignment]`), and keeps
//! the text around it; placeholders (`${VAR}`, `true`) and ordinary prose, code, UUIDs, hashes
//! and paths stay as they are. Rules run only when their keywords occur (one Aho-Corasick
//! pass), and each compiles on first use. Chain your own redactor before or after it with
//! [`RedactorExt::then`]:
//!
//! ```
//! # use std::borrow::Cow;
//! use telemetry_core::Telemetry;
//! use telemetry_genai::{DefaultRedactor, GenAi, Redactor, RedactorExt};
//!
//! struct Customers;
//! impl Redactor for Customers {
//!     fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
//!         // e.g. mask customer numbers; Cow::Borrowed when nothing changed
//!         Cow::Borrowed(text)
//!     }
//! }
//! let genai = GenAi::builder(&Telemetry::noop()).redactor(Customers.then(DefaultRedactor)).build();
//! # let _ = genai;
//! assert_eq!(
//!     DefaultRedactor.redact("retry with password=hunter2 and token ghp_R2fQxL9mZ0bV7cN4kT8sW1yH6jD3aE5uP0oI, thanks"),
//!     "retry with password=[REDACTED:secret-assignment] and token [REDACTED:github-pat], thanks",
//! );
//! ```
//!
//! # Cost
//!
//! Every inference and embeddings span with token usage carries its cost in USD,
//! [`agent_telemetry.gen_ai.usage.cost`](attributes::GEN_AI_USAGE_COST) (double), computed
//! from `gen_ai.usage.*` and the model's per-token prices: cache-read and cache-creation input
//! tokens and reasoning output tokens at their own rates when the price has them, the rest at
//! the plain input and output rates ([`ModelPrice::cost`]). `invoke_agent` carries the sum over
//! the operations below it, across tasks and threads as for token totals (with
//! `agent_telemetry.gen_ai.usage.cost_incomplete` = `true` if some of them had no price), and
//! [`AgentSpan::add_cost`] adds costs spent elsewhere. The counter
//! [`agent_telemetry.gen_ai.client.cost`](attributes::METRIC_CLIENT_COST) (USD) adds them up
//! by operation, provider, request and response model, server and agent name.
//!
//! Prices come from LiteLLM's `model_prices_and_context_window.json` (MIT; version
//! [`PriceTable::bundled_version`], licence in `prices/LICENSE-litellm`), bundled as its chat,
//! completion, responses and embedding entries priced per token;
//! `prices/regenerate.py <litellm version>` refreshes it from LiteLLM's PyPI wheel. Your own
//! prices, in the same format, win over it: [`GenAiBuilder::with_prices`], and above those the
//! file named by [`PRICES`] (`AGENT_TELEMETRY_GENAI_PRICES`). A model is found by the name the
//! provider reported (the response model, else the request model) as the table lists it, with
//! the provider's LiteLLM prefix (`azure/gpt-4o` for `azure.ai.openai`), without a provider
//! prefix (`openai/gpt-4o` → `gpt-4o`) and without a release date or version
//! (`gpt-4o-2099-01-01` → `gpt-4o`, `claude-3-5-sonnet@20240620`, `…-v1:0`); your entries win
//! under every name. The answer is kept per provider and model, so a span pays one hash
//! look-up. A model without a price gets no cost attribute (never a made-up 0); each such
//! model name is warned about once, as the WARN event
//! [`agent_telemetry.gen_ai.price.missing`](attributes::EVENT_PRICE_MISSING) outside any span,
//! and [`GenAi::unpriced_operations`] counts the operations. [`COST_ALIAS`]
//! (`AGENT_TELEMETRY_GENAI_COST_ALIAS=gen_ai.usage.cost`, or [`GenAiConfig::with_cost_alias`])
//! also writes the cost under a name a backend reads (Langfuse reads `gen_ai.usage.cost`).
//!
//! # Evaluations
//!
//! [`GenAi::evaluation`] records `gen_ai.evaluation.result` (semantic-conventions v1.41.0,
//! `docs/gen-ai/gen-ai-events.md`, `model/gen-ai/events.yaml`) on the span it judges, given
//! that span's [`Context`](telemetry_core::Context), also long after it ended: an INFO event
//! with `gen_ai.evaluation.name`, `gen_ai.evaluation.score.value` (double),
//! `gen_ai.evaluation.score.label`, `gen_ai.evaluation.explanation` (redacted, bounded),
//! `gen_ai.response.id` and `error.type`. With `telemetry-otel` it is a log record with
//! `EventName` `gen_ai.evaluation.result` and the judged span's trace id and span id; Basic
//! prints it in that span's context; `telemetry-recorder` attaches it to the span.
//!
//! # Compatibility mode
//!
//! [`GenAiConfig::compat_events`] (`AGENT_TELEMETRY_GENAI_COMPAT_EVENTS=true`) adds
//! per-message records in the older, pre-v1.37 event style that some dashboards still expect:
//! see [`compat`] for the list and their attributes.
//!
//! # v1.41 and latest experimental
//!
//! `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` ([`SemconvVersion`]) switches to
//! the newest names (`semantic-conventions-genai`, as changed since v1.41) where they
//! differ:
//!
//! | what | v1.41 (default) | latest experimental |
//! | --- | --- | --- |
//! | cache-write usage attribute | `gen_ai.usage.cache_creation.input_tokens` | `gen_ai.usage.cache_write.input_tokens` |
//! | `gen_ai.request.top_k` | double | int |
//! | `finish_reason` in `gen_ai.output.messages` | present (`error` when the choice has none) | dropped (only `gen_ai.response.finish_reasons`) |
//! | internal `invoke_agent` span | provider, agent id and version, cache usage | none of these |
//! | inference duration | `gen_ai.client.operation.duration` | `gen_ai.client.inference.duration` |
//! | time to first chunk | `gen_ai.client.operation.time_to_first_chunk` | `gen_ai.client.inference.time_to_first_chunk` |
//! | inference tokens | histogram `gen_ai.client.token.usage` (`gen_ai.token.type`) | counters `gen_ai.client.inference.usage.{input_tokens,output_tokens,cache_read.input_tokens,cache_write.input_tokens,reasoning.output_tokens}` (`gen_ai.token.modality`), histograms `gen_ai.client.inference.operation.{input,output}_tokens` (0 with `error.type` for a failed call) |
//! | embeddings | `gen_ai.client.operation.duration`, `gen_ai.client.token.usage` | `gen_ai.client.embeddings.duration`, `gen_ai.client.embeddings.operation.input_tokens` |
//! | provider values | v1.41's | also `moonshot_ai` ([`provider::MOONSHOT_AI`]) |
//! | agent and tool metrics | `invoke_agent` in `gen_ai.client.operation.duration`; none for tools | `gen_ai.invoke_agent.duration`, `gen_ai.execute_tool.duration`, `gen_ai.invoke_agent.inference_calls`, `gen_ai.invoke_agent.tool_calls` |
//!
//! # Conformance
//!
//! Convention version: **semantic-conventions v1.41.0** by default (`model/gen-ai/registry.yaml`,
//! `spans.yaml`, `events.yaml`, `metrics.yaml`, the JSON schemas in `docs/gen-ai/`,
//! `model/http`, `model/error`); the unreleased `semantic-conventions-genai` names under
//! `gen_ai_latest_experimental` (table above). `tests/conformance.rs` checks it row by row,
//! each row citing its spec file, on the OTLP `AnyValue` variants an in-process receiver got,
//! in both modes, and validates the structured content against the v1.41 schemas.
//!
//! | signal | emitted (v1.41) | spec |
//! | --- | --- | --- |
//! | spans | `chat`/`text_completion`/`generate_content`, `embeddings`, `create_agent` (CLIENT), `invoke_agent` (INTERNAL or CLIENT), `execute_tool` (INTERNAL); names, kinds, required and recommended attributes as in the Spans table; types as the registry says (`gen_ai.request.top_k` double, `gen_ai.request.stream` boolean, `gen_ai.response.time_to_first_chunk` double seconds, counts int) | `model/gen-ai/spans.yaml`, `registry.yaml` |
//! | events | `gen_ai.client.inference.operation.details` (INFO, opt-in: the inference span's attributes plus structured content), `gen_ai.client.operation.exception` (WARN, `exception.type`, `exception.message`, on every failed client operation) | `model/gen-ai/events.yaml` |
//! | metrics | `gen_ai.client.token.usage` (`{token}`), `gen_ai.client.operation.duration`, `gen_ai.client.operation.time_to_first_chunk`, `gen_ai.client.operation.time_per_output_chunk` (`s`), with the spec's buckets and required `gen_ai.operation.name`, `gen_ai.provider.name` | `model/gen-ai/metrics.yaml` |
//! | evaluations | `gen_ai.evaluation.result` (INFO): `gen_ai.evaluation.name` (required), `gen_ai.evaluation.score.value` (double), `gen_ai.evaluation.score.label`, `gen_ai.evaluation.explanation`, `gen_ai.response.id`, `error.type`; the judged span's trace id and span id | `model/gen-ai/events.yaml`, `docs/gen-ai/gen-ai-events.md` |
//! | content | `gen_ai.input.messages`, `gen_ai.output.messages` (`finish_reason` always present), `gen_ai.system_instructions`, `gen_ai.tool.definitions` in the parts schemas | `docs/gen-ai/gen-ai-*.json` |
//!
//! Deliberate deviations, each with its reason:
//!
//! | what | why |
//! | --- | --- |
//! | Content attributes on spans, and on the details event's span-event copy, are JSON strings | The OpenTelemetry SDK's span attribute value has no map or heterogeneous array; the registry allows the JSON string on spans "if structured format is not supported". The log record of the event carries the structured form, as required. |
//! | A JSON `null` inside content (e.g. in tool arguments) is left out of its object; a `null` array element becomes the string `"null"` | The opentelemetry API's `AnyValue` has no null; absent and null mean the same for the schemas' optional fields. |
//! | `gen_ai.response.finish_reasons` has one entry per choice, `error` for a choice without one; `tool_calls`, `function_call` and `tool_use` become `tool_call` | The list "corresponds to each generation received" and the output-message schema requires a reason from its well-known set; other provider values (`end_turn`, `max_tokens`, …) pass through unchanged, which the schema allows. |
//! | `gen_ai.tool.call.id` is never set on inference spans | The conventions list it on `execute_tool` only, as a single id; the ids are in `gen_ai.output.messages` when content is captured. |
//! | `gen_ai.tool.definitions` holds `type` and `name` unless [`GenAiConfig::full_tool_definitions`] | "NOT RECOMMENDED to populate non-required properties by default" (registry). |
//! | A failed operation's span status has no description when the message adds nothing to `error.type` | The ERROR status and `error.type` already say it. |
//! | `gen_ai.client.operation.exception` carries `exception.type` (the `error.type`) and the redacted message only, not the span's attributes | The event is correlated to its span by trace and span id; copying the attributes is a MAY. |
//! | [`OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`](CAPTURE_MESSAGE_CONTENT) with an invalid value stops [`GenAiConfig::from_env`] with an error | The variable is not part of the conventions. The Python `opentelemetry-util-genai` warns and falls back to no content; refusing makes a misspelt value visible at start-up instead of silently capturing nothing. |
//! | Compatibility mode emits the deprecated `gen_ai.{system,user,assistant,tool}.message` and `gen_ai.choice` events plus this project's own `agent_telemetry.gen_ai.*` events and attributes | For dashboards built before v1.37; off by default, and every name the conventions do not define is under the project namespace (see [`compat`]). |
//! | Project attributes `agent_telemetry.gen_ai.content_truncated` and `agent_telemetry.gen_ai.cancelled` | What the conventions have no name for (content cut to the size limit; a stream the consumer dropped), under the project namespace. |
//! | Project attributes `agent_telemetry.gen_ai.usage.cost` (double, USD; on inference, embeddings and `invoke_agent` spans) and `agent_telemetry.gen_ai.usage.cost_incomplete` (boolean), counter `agent_telemetry.gen_ai.client.cost` (USD), WARN event `agent_telemetry.gen_ai.price.missing` | The conventions define no cost; an opt-in alias ([`COST_ALIAS`]) writes the cost under a backend's own name too. |
//! | `execute_tool` records no metric in v1.41 | v1.41 defines none for tools (*latest* adds `gen_ai.execute_tool.duration`). |
//!
//! # Metrics
//!
//! See [`metrics`]. No per-request ids (response id, conversation id, tool
//! call id) ever go into metric attributes.

// One module per operation (agent, create_agent, inference, embeddings, tool): its builder,
// its `GenAi` entry point, and its state with the hooks of the shared guard (`span`). Imports
// only point down, so no module reaches back to one that imports it: agent and streaming over
// inference and tool; the operations over compat, span, operation and agent_state; those over
// genai, metrics and the leaves (attributes, config, usage, message, redact over secrets,
// bounded).
mod agent;
mod agent_state;
pub mod attributes;
mod bounded;
pub mod compat;
mod config;
mod create_agent;
mod embeddings;
mod evaluation;
mod genai;
mod inference;
mod message;
pub mod metrics;
mod operation;
mod prices;
mod redact;
mod secrets;
mod span;
mod streaming;
mod tool;
mod tool_slot;
mod usage;

pub use agent::{AgentBuilder, AgentSpan};
pub use bounded::{TRUNCATION_MARKER, bounded_json};
pub use config::{
    CAPTURE_MESSAGE_CONTENT, COMPAT_EVENTS, COST_ALIAS, CaptureMode, ConfigError,
    DEFAULT_MAX_CONTENT_BYTES, GEN_AI_LATEST_EXPERIMENTAL, GenAiConfig, MAX_CONTENT_BYTES,
    MIN_MAX_CONTENT_BYTES, PRICES, SEMCONV_STABILITY_OPT_IN, SemconvVersion,
    TOOL_DEFINITION_DETAILS,
};
pub use create_agent::{CreateAgentBuilder, CreateAgentSpan};
pub use embeddings::{EmbeddingsBuilder, EmbeddingsSpan};
pub use evaluation::{EvaluationBuilder, EvaluationError};
pub use genai::{GenAi, GenAiBuilder};
pub use inference::{InferenceBuilder, InferenceSpan};
pub use message::{Message, Part, Role, ToolDefinition, finish_reason};
pub use operation::OperationName;
pub use prices::{ModelPrice, PriceError, PriceTable};
pub use redact::{
    Chain, DefaultRedactor, MASK_PREFIX, NoRedaction, Redactor, RedactorExt, is_sensitive_key, mask,
};
pub use span::{Operation, OperationSpan};
pub use streaming::StreamRecorder;
pub use tool::{ToolBuilder, ToolSpan};
pub use tool_slot::ToolSpanSlot;
pub use usage::Usage;

/// Well-known `gen_ai.provider.name` values (semantic conventions v1.41).
pub mod provider {
    /// Anthropic.
    pub const ANTHROPIC: &str = "anthropic";
    /// AWS Bedrock.
    pub const AWS_BEDROCK: &str = "aws.bedrock";
    /// Azure AI Inference.
    pub const AZURE_AI_INFERENCE: &str = "azure.ai.inference";
    /// Azure OpenAI.
    pub const AZURE_AI_OPENAI: &str = "azure.ai.openai";
    /// Cohere.
    pub const COHERE: &str = "cohere";
    /// DeepSeek.
    pub const DEEPSEEK: &str = "deepseek";
    /// Gemini (AI Studio API).
    pub const GCP_GEMINI: &str = "gcp.gemini";
    /// Any Google generative AI endpoint.
    pub const GCP_GEN_AI: &str = "gcp.gen_ai";
    /// Vertex AI.
    pub const GCP_VERTEX_AI: &str = "gcp.vertex_ai";
    /// Groq.
    pub const GROQ: &str = "groq";
    /// IBM watsonx.ai.
    pub const IBM_WATSONX_AI: &str = "ibm.watsonx.ai";
    /// Mistral AI.
    pub const MISTRAL_AI: &str = "mistral_ai";
    /// OpenAI.
    pub const OPENAI: &str = "openai";
    /// Perplexity.
    pub const PERPLEXITY: &str = "perplexity";
    /// xAI.
    pub const X_AI: &str = "x_ai";
    /// Moonshot AI: a well-known value in *latest* only (semantic-conventions-genai); with
    /// v1.41 it is a custom value, which the conventions allow.
    pub const MOONSHOT_AI: &str = "moonshot_ai";
}

// Guards move into spawned tasks (a tool run per task) and the layer is shared: keep them
// `Send` (and the layer `Sync`) at compile time.
const _: () = {
    const fn send<T: Send>() {}
    const fn send_sync<T: Send + Sync>() {}
    send::<AgentSpan>();
    send::<InferenceSpan>();
    send::<StreamRecorder>();
    send::<ToolSpan>();
    send::<EmbeddingsSpan>();
    send::<CreateAgentSpan>();
    send_sync::<GenAi>();
};

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
