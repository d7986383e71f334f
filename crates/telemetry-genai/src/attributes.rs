//! Every attribute, event and metric name this crate emits, as constants.
//!
//! Source: OpenTelemetry semantic conventions v1.41.0, `docs/gen-ai/` and
//! `docs/registry/attributes/gen-ai.md`, unless marked *latest* (the unreleased
//! `semantic-conventions-genai` repository, emitted only with
//! `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental`) or *compat* (the pre-v1.37
//! per-message event style, emitted only in compatibility mode). The Rust
//! `opentelemetry-semantic-conventions` crate deprecated its GenAI constants, so they live here.

// ---- operation and provider ----

/// The operation: `chat`, `text_completion`, `generate_content`, `embeddings`,
/// `invoke_agent`, `create_agent`, `execute_tool`. Required on every GenAI span and metric.
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// The provider as the client identifies it (`openai`, `anthropic`, `aws.bedrock`, …).
/// See [`provider`](crate::provider) for the well-known values.
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// A conversation (session, thread) id. Never the trace id.
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// The requested output type: `text`, `json`, `image`, `speech`.
pub const GEN_AI_OUTPUT_TYPE: &str = "gen_ai.output.type";

// ---- request ----

/// The model a request is made to, exactly as requested.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// Maximum output tokens (int).
pub const GEN_AI_REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
/// Sampling temperature (double).
pub const GEN_AI_REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
/// Nucleus sampling (double).
pub const GEN_AI_REQUEST_TOP_P: &str = "gen_ai.request.top_p";
/// Top-k sampling (double in v1.41; int in *latest*: this crate records an int in both, which
/// decodes as either).
pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// Stop sequences (string array).
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// Sampling seed (int).
pub const GEN_AI_REQUEST_SEED: &str = "gen_ai.request.seed";
/// Frequency penalty (double).
pub const GEN_AI_REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
/// Presence penalty (double).
pub const GEN_AI_REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
/// Number of candidate completions requested (int), set only when not 1.
pub const GEN_AI_REQUEST_CHOICE_COUNT: &str = "gen_ai.request.choice.count";
/// Embedding dimensions requested (int).
pub const GEN_AI_EMBEDDINGS_DIMENSION_COUNT: &str = "gen_ai.embeddings.dimension.count";
/// Embedding encoding formats requested (string array).
pub const GEN_AI_REQUEST_ENCODING_FORMATS: &str = "gen_ai.request.encoding_formats";

// ---- response ----

/// The provider's response id.
pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
/// The model that produced the response.
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// Why each choice stopped (string array): `stop`, `length`, `tool_calls`, …
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";

// ---- usage (tokens) ----

/// Input (prompt) tokens, including cached ones (int, tokens).
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// Output (completion) tokens, including reasoning ones (int, tokens).
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// Input tokens served from the provider's cache (int, tokens).
pub const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
/// Input tokens written to the provider's cache (int, tokens); v1.41 name.
pub const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: &str =
    "gen_ai.usage.cache_creation.input_tokens";
/// Input tokens written to the provider's cache (int, tokens); *latest* name
/// (semantic-conventions-genai #440).
pub const GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: &str = "gen_ai.usage.cache_write.input_tokens";
/// Output tokens spent on reasoning (int, tokens).
pub const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";

// ---- agents ----

/// Agent name.
pub const GEN_AI_AGENT_NAME: &str = "gen_ai.agent.name";
/// Agent id (v1.41: any id; *latest*: only a stable hosted-agent id, removed from internal
/// `invoke_agent` spans).
pub const GEN_AI_AGENT_ID: &str = "gen_ai.agent.id";
/// Agent description.
pub const GEN_AI_AGENT_DESCRIPTION: &str = "gen_ai.agent.description";
/// Agent version (removed from internal `invoke_agent` spans in *latest*).
pub const GEN_AI_AGENT_VERSION: &str = "gen_ai.agent.version";
/// A data source (RAG store) id.
pub const GEN_AI_DATA_SOURCE_ID: &str = "gen_ai.data_source.id";

// ---- tools ----

/// Tool name.
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// Tool call id as the model issued it; links an `execute_tool` span to the inference that
/// requested it. This crate also sets it on inference spans (one id as is, several as a JSON
/// array string) so a backend can join the two without content.
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// Tool type: `function`, `extension`, `datastore`.
pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
/// Tool description.
pub const GEN_AI_TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
/// Tool call arguments (opt-in content, JSON string).
pub const GEN_AI_TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
/// Tool call result (opt-in content, JSON string).
pub const GEN_AI_TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";

// ---- content (opt-in) ----

/// System instructions as a JSON array of parts (v1.41: any part; *latest*: text parts only).
pub const GEN_AI_SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";
/// Input messages, JSON array of `{role, parts[, name]}`.
pub const GEN_AI_INPUT_MESSAGES: &str = "gen_ai.input.messages";
/// Output messages, JSON array of `{role, parts, finish_reason}` (`finish_reason` is dropped in
/// *latest*, #363).
pub const GEN_AI_OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
/// Tool definitions offered to the model, JSON array.
pub const GEN_AI_TOOL_DEFINITIONS: &str = "gen_ai.tool.definitions";

// ---- general ----

/// The error class of a failed operation (low cardinality).
pub const ERROR_TYPE: &str = "error.type";
/// The GenAI server's host name or address.
pub const SERVER_ADDRESS: &str = "server.address";
/// The GenAI server's port (int).
pub const SERVER_PORT: &str = "server.port";

// ---- metrics ----

/// Token type on `gen_ai.client.token.usage`: `input` or `output`.
pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";
/// *latest*: token modality on the usage counters: `text`, `image`, `audio`, `unknown`.
pub const GEN_AI_TOKEN_MODALITY: &str = "gen_ai.token.modality";

/// Histogram of tokens per operation, `{token}`, with `gen_ai.token.type` (v1.41).
pub const METRIC_CLIENT_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// Histogram of operation duration, `s` (v1.41: every client operation; *latest*: all but
/// inference).
pub const METRIC_CLIENT_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
/// Histogram of time to the first streamed chunk, `s` (v1.41).
pub const METRIC_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK: &str =
    "gen_ai.client.operation.time_to_first_chunk";
/// *latest*: inference duration, `s`.
pub const METRIC_CLIENT_INFERENCE_DURATION: &str = "gen_ai.client.inference.duration";
/// *latest*: inference time to first chunk, `s`.
pub const METRIC_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK: &str =
    "gen_ai.client.inference.time_to_first_chunk";
/// *latest*: counter of input tokens, `{token}`.
pub const METRIC_CLIENT_INFERENCE_USAGE_INPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.input_tokens";
/// *latest*: counter of output tokens, `{token}`.
pub const METRIC_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.output_tokens";
/// *latest*: counter of cache-read input tokens, `{token}`.
pub const METRIC_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.cache_read.input_tokens";
/// *latest*: counter of cache-write input tokens, `{token}`.
pub const METRIC_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.cache_write.input_tokens";
/// *latest*: counter of reasoning output tokens, `{token}`.
pub const METRIC_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS: &str =
    "gen_ai.client.inference.usage.reasoning.output_tokens";
/// *latest*: histogram of input tokens per inference, `{token}`.
pub const METRIC_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS: &str =
    "gen_ai.client.inference.operation.input_tokens";
/// *latest*: histogram of output tokens per inference, `{token}`.
pub const METRIC_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS: &str =
    "gen_ai.client.inference.operation.output_tokens";
/// *latest*: histogram of agent invocation duration, `s`.
pub const METRIC_INVOKE_AGENT_DURATION: &str = "gen_ai.invoke_agent.duration";
/// *latest*: histogram of tool execution duration, `s`.
pub const METRIC_EXECUTE_TOOL_DURATION: &str = "gen_ai.execute_tool.duration";
/// *latest*: histogram of inference calls per agent invocation, `{call}`.
pub const METRIC_INVOKE_AGENT_INFERENCE_CALLS: &str = "gen_ai.invoke_agent.inference_calls";
/// *latest*: histogram of tool calls per agent invocation, `{call}`.
pub const METRIC_INVOKE_AGENT_TOOL_CALLS: &str = "gen_ai.invoke_agent.tool_calls";

// ---- events ----

/// The v1.41 event that carries an inference's content and result
/// (`EVENT_ONLY`/`SPAN_AND_EVENT`).
pub const EVENT_INFERENCE_OPERATION_DETAILS: &str = "gen_ai.client.inference.operation.details";

/// *compat*: system prompt (deprecated since v1.37).
pub const EVENT_SYSTEM_MESSAGE: &str = "gen_ai.system.message";
/// *compat*: user message (deprecated since v1.37).
pub const EVENT_USER_MESSAGE: &str = "gen_ai.user.message";
/// *compat*: prior assistant message (deprecated since v1.37).
pub const EVENT_ASSISTANT_MESSAGE: &str = "gen_ai.assistant.message";
/// *compat*: tool result message (deprecated since v1.37).
pub const EVENT_TOOL_MESSAGE: &str = "gen_ai.tool.message";
/// *compat*: one response choice (deprecated since v1.37).
pub const EVENT_CHOICE: &str = "gen_ai.choice";
/// *compat*: one tool call requested by the model (same style, never in the conventions).
pub const EVENT_TOOL_CALL: &str = "gen_ai.tool.call";
/// *compat*: one reasoning block (same style, never in the conventions).
pub const EVENT_THINKING: &str = "gen_ai.thinking";
/// *compat*: tool input, before execution (same style, never in the conventions).
pub const EVENT_TOOL_INPUT: &str = "gen_ai.tool.input";
/// *compat*: tool output, after execution (same style, never in the conventions).
pub const EVENT_TOOL_OUTPUT: &str = "gen_ai.tool.output";
/// *compat*: agent run summary (same style, never in the conventions).
pub const EVENT_AGENT_FINISH: &str = "gen_ai.agent.finish";

/// *compat*: the event name repeated as an attribute, as the pre-v1.37 events did.
pub const GEN_AI_EVENT_NAME: &str = "gen_ai.event.name";
/// *compat*: message role on `gen_ai.{role}.message`.
pub const COMPAT_ROLE: &str = "role";
/// *compat*: choice index on `gen_ai.choice`.
pub const COMPAT_INDEX: &str = "index";
/// *compat*: finish reason on `gen_ai.choice`.
pub const COMPAT_FINISH_REASON: &str = "finish_reason";

/// Names the content attributes that were truncated to fit the size limit (string array).
/// Project-specific, outside the `gen_ai` namespace.
pub const CONTENT_TRUNCATED: &str = "agent_telemetry.gen_ai.content_truncated";
/// Set to `true` on an inference span whose stream the consumer dropped before the end; the
/// same key `telemetry-otel` uses for cancelled scopes.
pub const CANCELLED: &str = "cancelled";
