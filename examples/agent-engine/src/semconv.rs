//! Attribute and metric names this server emits.
//!
//! GenAI names follow the OpenTelemetry semantic conventions v1.41.0 (`docs/gen-ai/`, status
//! Development); HTTP names follow the stable HTTP conventions (`docs/http/`). They live here
//! until `telemetry-genai` (issue #6) provides them.

/// `gen_ai.operation.name`: `chat`, `invoke_agent`, `execute_tool`.
pub const GEN_AI_OPERATION_NAME: &str = "gen_ai.operation.name";
/// `gen_ai.provider.name`: `openai`, or [`PROVIDER_SCRIPTED`] for the offline model.
pub const GEN_AI_PROVIDER_NAME: &str = "gen_ai.provider.name";
/// `gen_ai.request.model`: the model the request asked for.
pub const GEN_AI_REQUEST_MODEL: &str = "gen_ai.request.model";
/// `gen_ai.response.model`: the model that answered.
pub const GEN_AI_RESPONSE_MODEL: &str = "gen_ai.response.model";
/// `gen_ai.response.id`: the provider's completion id.
pub const GEN_AI_RESPONSE_ID: &str = "gen_ai.response.id";
/// `gen_ai.response.finish_reasons`: string array, one reason per choice.
pub const GEN_AI_RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// `gen_ai.agent.name`: the agent's name.
pub const GEN_AI_AGENT_NAME: &str = "gen_ai.agent.name";
/// `gen_ai.conversation.id`: the session id (never the trace id).
pub const GEN_AI_CONVERSATION_ID: &str = "gen_ai.conversation.id";
/// `gen_ai.tool.name`: the tool's name.
pub const GEN_AI_TOOL_NAME: &str = "gen_ai.tool.name";
/// `gen_ai.tool.call.id`: the model's id for one tool call.
pub const GEN_AI_TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
/// `gen_ai.tool.type`: `function` for every tool here.
pub const GEN_AI_TOOL_TYPE: &str = "gen_ai.tool.type";
/// `gen_ai.usage.input_tokens`: tokens in the prompt, an integer.
pub const GEN_AI_USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
/// `gen_ai.usage.output_tokens`: tokens in the completion, an integer.
pub const GEN_AI_USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
/// `gen_ai.token.type`: `input` or `output`, on `gen_ai.client.token.usage`.
pub const GEN_AI_TOKEN_TYPE: &str = "gen_ai.token.type";
/// `error.type`: a low-cardinality failure class (`timeout`, `rate_limit_exceeded`, `500`, …).
pub const ERROR_TYPE: &str = "error.type";
/// `server.address`: host of the remote server a client span talks to.
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`: port of the remote server.
pub const SERVER_PORT: &str = "server.port";

/// `gen_ai.operation.name` value for a model call.
pub const OPERATION_CHAT: &str = "chat";
/// `gen_ai.operation.name` value for an agent turn.
pub const OPERATION_INVOKE_AGENT: &str = "invoke_agent";
/// `gen_ai.operation.name` value for a tool run.
pub const OPERATION_EXECUTE_TOOL: &str = "execute_tool";
/// `gen_ai.provider.name` of the offline scripted model (a custom value, as the conventions
/// allow for providers without a well-known name).
pub const PROVIDER_SCRIPTED: &str = "agent_engine.scripted";
/// `gen_ai.provider.name` of OpenAI-compatible endpoints.
pub const PROVIDER_OPENAI: &str = "openai";

/// Histogram `gen_ai.client.token.usage`, unit `{token}`, with `gen_ai.token.type`.
pub const METRIC_TOKEN_USAGE: &str = "gen_ai.client.token.usage";
/// Histogram `gen_ai.client.operation.duration`, unit `s`, `error.type` on failure.
pub const METRIC_OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
/// Bucket boundaries of `gen_ai.client.token.usage` (GenAI metrics, v1.41).
pub const TOKEN_USAGE_BUCKETS: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// `http.request.method`.
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// `http.route`: the matched route template, for example `/v1/sessions/{id}/messages`.
pub const HTTP_ROUTE: &str = "http.route";
/// `http.response.status_code`, an integer.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `url.path`: the request path as received.
pub const URL_PATH: &str = "url.path";
/// `url.scheme`: `http`.
pub const URL_SCHEME: &str = "url.scheme";
/// `url.full`: the absolute URL of a client request.
pub const URL_FULL: &str = "url.full";
/// `user_agent.original`: the `User-Agent` header.
pub const USER_AGENT_ORIGINAL: &str = "user_agent.original";
/// Histogram `http.server.request.duration`, unit `s`.
pub const METRIC_HTTP_SERVER_DURATION: &str = "http.server.request.duration";
/// Histogram `http.client.request.duration`, unit `s`.
pub const METRIC_HTTP_CLIENT_DURATION: &str = "http.client.request.duration";
/// The HTTP conventions' advisory buckets for request durations, in seconds.
pub const HTTP_DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Counter `agent_engine.tool.calls`: tool runs by `gen_ai.tool.name` and
/// [`TOOL_OUTCOME`] (this server's own metric; the conventions define none for tools).
pub const METRIC_TOOL_CALLS: &str = "agent_engine.tool.calls";
/// Histogram `agent_engine.tool.duration`, unit `s`, by `gen_ai.tool.name` and outcome.
pub const METRIC_TOOL_DURATION: &str = "agent_engine.tool.duration";
/// `agent_engine.tool.outcome`: `success` or `error`.
pub const TOOL_OUTCOME: &str = "agent_engine.tool.outcome";

/// `task_api.run_id`: the research task's run id (custom; the seed guide calls it
/// `parallel.run_id`).
pub const TASK_RUN_ID: &str = "task_api.run_id";
/// `task_api.processor`: the processor tier (`core`, `base`, `ultra`).
pub const TASK_PROCESSOR: &str = "task_api.processor";
/// `task_api.status`: the run status last seen (`queued`, `running`, `completed`, `failed`).
pub const TASK_STATUS: &str = "task_api.status";
/// `task_api.polls`: how many status polls a research run needed.
pub const TASK_POLLS: &str = "task_api.polls";
