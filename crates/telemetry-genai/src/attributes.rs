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
/// Top-k sampling: a double in v1.41 (`model/gen-ai/registry.yaml`), an int in *latest*; this
/// crate records the type of the mode it runs in.
pub const GEN_AI_REQUEST_TOP_K: &str = "gen_ai.request.top_k";
/// Stop sequences (string array).
pub const GEN_AI_REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
/// Whether the request is streamed (boolean): set, to `true`, "if and only if the request is
/// streaming" (v1.41 `model/gen-ai/spans.yaml`), at span start and on the details event.
pub const GEN_AI_REQUEST_STREAM: &str = "gen_ai.request.stream";
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
/// Why each choice stopped (string array), one per choice in order: `stop`, `length`,
/// `content_filter`, `tool_call` (provider spellings `tool_calls`, `function_call` and
/// `tool_use` are normalised to it), `error` for a choice without one, or the provider's own.
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// Time from the request to the first chunk of a streamed response (double, seconds;
/// recommended on streaming requests, v1.41 `model/gen-ai/spans.yaml`).
pub const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";

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
/// Tool call id as the model issued it (one id), on `execute_tool` spans. The inference span
/// that requested the call holds the same id inside `gen_ai.output.messages` (`tool_call`
/// parts) when content is captured; the conventions do not list this attribute on inference
/// spans, so this crate does not set it there.
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
/// The exception's type on `gen_ai.client.operation.exception` (this crate: the `error.type`).
pub const EXCEPTION_TYPE: &str = "exception.type";
/// The exception's message on `gen_ai.client.operation.exception` (redacted).
pub const EXCEPTION_MESSAGE: &str = "exception.message";
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
/// Histogram of the time between consecutive chunks of a streamed response, `s`, one record
/// per chunk after the first (v1.41 `model/gen-ai/metrics.yaml`, and *latest*).
pub const METRIC_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK: &str =
    "gen_ai.client.operation.time_per_output_chunk";
/// *latest*: embeddings duration, `s`.
pub const METRIC_CLIENT_EMBEDDINGS_DURATION: &str = "gen_ai.client.embeddings.duration";
/// *latest*: histogram of input tokens per embeddings call, `{token}`.
pub const METRIC_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS: &str =
    "gen_ai.client.embeddings.operation.input_tokens";
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
/// The v1.41 event recorded, at severity WARN, when a GenAI client operation fails
/// (`model/gen-ai/events.yaml`), with `exception.type` and `exception.message`.
pub const EVENT_CLIENT_OPERATION_EXCEPTION: &str = "gen_ai.client.operation.exception";

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
/// *compat*, project name: one tool call requested by the model (the pre-v1.37 style, never in
/// the conventions).
pub const EVENT_TOOL_CALL: &str = "agent_telemetry.gen_ai.tool.call";
/// *compat*, project name: one reasoning block.
pub const EVENT_THINKING: &str = "agent_telemetry.gen_ai.thinking";
/// *compat*, project name: tool input, before execution.
pub const EVENT_TOOL_INPUT: &str = "agent_telemetry.gen_ai.tool.input";
/// *compat*, project name: tool output, after execution.
pub const EVENT_TOOL_OUTPUT: &str = "agent_telemetry.gen_ai.tool.output";
/// *compat*, project name: agent run summary.
pub const EVENT_AGENT_FINISH: &str = "agent_telemetry.gen_ai.agent.finish";

/// *compat*, project name: the event name repeated as an attribute, as the pre-v1.37 events'
/// dashboards read it.
pub const GEN_AI_EVENT_NAME: &str = "agent_telemetry.gen_ai.event.name";
/// *compat*, project name: message role on `gen_ai.{role}.message` (a body field, not an
/// attribute, in the deprecated events).
pub const COMPAT_ROLE: &str = "agent_telemetry.gen_ai.role";
/// *compat*, project name: choice index on `gen_ai.choice` (a body field in the deprecated
/// event).
pub const COMPAT_INDEX: &str = "agent_telemetry.gen_ai.index";
/// *compat*, project name: finish reason on `gen_ai.choice` (a body field in the deprecated
/// event); `error` when the choice has none.
pub const COMPAT_FINISH_REASON: &str = "agent_telemetry.gen_ai.finish_reason";

/// Project name: the content attributes that were truncated to fit the size limit (string
/// array).
pub const CONTENT_TRUNCATED: &str = "agent_telemetry.gen_ai.content_truncated";
/// Project name: `true` on an inference span whose stream the consumer dropped before the end
/// (not an error, so no `error.type`).
pub const CANCELLED: &str = "agent_telemetry.gen_ai.cancelled";

// ---- cost and evaluations ----

/// Project name: the operation's cost in USD (double), from its usage and the price table
/// (`gen_ai.usage.*` tokens × the model's per-token prices); on `invoke_agent`, the sum over
/// the operations below it. Absent when the model has no price: never a made-up 0.
pub const GEN_AI_USAGE_COST: &str = "agent_telemetry.gen_ai.usage.cost";
/// Project name: `true` on an `invoke_agent` span whose cost leaves out operations below it
/// whose model had no price.
pub const GEN_AI_USAGE_COST_INCOMPLETE: &str = "agent_telemetry.gen_ai.usage.cost_incomplete";
/// Project event, WARN, once per model name without a price: the body says which model and
/// how to price it; attributes `gen_ai.provider.name` and `gen_ai.request.model` (the name as
/// reported). Emitted outside any span, so that it does not become an event of the
/// application's span.
pub const EVENT_PRICE_MISSING: &str = "agent_telemetry.gen_ai.price.missing";
/// Project metric: a counter of cost in USD (double) by provider, model and agent name.
pub const METRIC_CLIENT_COST: &str = "agent_telemetry.gen_ai.client.cost";

/// v1.41 event (`model/gen-ai/events.yaml`, `event.gen_ai.evaluation.result`): the result of
/// evaluating a GenAI operation, parented to the judged span.
pub const EVENT_EVALUATION_RESULT: &str = "gen_ai.evaluation.result";
/// `gen_ai.evaluation.name` (string, required): the evaluation metric, e.g. `Relevance`.
pub const GEN_AI_EVALUATION_NAME: &str = "gen_ai.evaluation.name";
/// `gen_ai.evaluation.score.value` (double): the score.
pub const GEN_AI_EVALUATION_SCORE_VALUE: &str = "gen_ai.evaluation.score.value";
/// `gen_ai.evaluation.score.label` (string): a low-cardinality reading of the score, e.g.
/// `pass`, `relevant`.
pub const GEN_AI_EVALUATION_SCORE_LABEL: &str = "gen_ai.evaluation.score.label";
/// `gen_ai.evaluation.explanation` (string): the evaluator's free-form reasoning.
pub const GEN_AI_EVALUATION_EXPLANATION: &str = "gen_ai.evaluation.explanation";
