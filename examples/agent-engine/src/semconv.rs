//! Attribute and metric names this server owns: HTTP (the stable HTTP conventions,
//! `docs/http/`), the engine's own tool metrics and the task API attributes.
//!
//! Every GenAI name (`gen_ai.*` spans, attributes and metrics, semantic conventions v1.41)
//! comes from [`telemetry_genai::attributes`], which also records them.

/// `error.type`: a low-cardinality failure class (`timeout`, `rate_limit_exceeded`, `500`, …).
pub const ERROR_TYPE: &str = telemetry_genai::attributes::ERROR_TYPE;
/// `server.address`: host of the remote server a client span talks to.
pub const SERVER_ADDRESS: &str = telemetry_genai::attributes::SERVER_ADDRESS;
/// `server.port`: port of the remote server.
pub const SERVER_PORT: &str = telemetry_genai::attributes::SERVER_PORT;

/// `gen_ai.provider.name` of the offline scripted model (a custom value, as the conventions
/// allow for providers without a well-known name).
pub const PROVIDER_SCRIPTED: &str = "agent_engine.scripted";

/// `http.request.method`.
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// `http.route`: the matched route template, for example `/v1/sessions/{id}/messages`.
pub const HTTP_ROUTE: &str = "http.route";
/// `http.response.status_code`, an integer.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `url.path`: the request path as received.
pub const URL_PATH: &str = "url.path";
/// `url.query`: the query string, when the request has one (conditionally required on HTTP
/// server spans, semantic-conventions v1.41.0 `model/http/spans.yaml`), with the values of
/// the sensitive keys `model/url/registry.yaml` lists replaced by `REDACTED`.
pub const URL_QUERY: &str = "url.query";
/// `http.request.method_original`: the method as the client sent it, set when
/// `http.request.method` is `_OTHER` (v1.41.0 `model/http/spans.yaml`).
pub const HTTP_REQUEST_METHOD_ORIGINAL: &str = "http.request.method_original";
/// `exception.message`: an error's message on log records (v1.41.0
/// `model/exceptions/registry.yaml`; `error.message` is deprecated, "obsoleted", in
/// `model/error/deprecated/registry-deprecated.yaml`).
pub const EXCEPTION_MESSAGE: &str = "exception.message";
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
/// [`TOOL_OUTCOME`]. This server's own metric: v1.41 defines no tool metric, and the
/// `gen_ai.execute_tool.duration` that `telemetry-genai` adds under
/// `OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental` has no success/error count.
pub const METRIC_TOOL_CALLS: &str = "agent_engine.tool.calls";
/// Histogram `agent_engine.tool.duration`, unit `s`, by `gen_ai.tool.name` and outcome.
pub const METRIC_TOOL_DURATION: &str = "agent_engine.tool.duration";
/// `agent_engine.tool.outcome`: `success` or `error`.
pub const TOOL_OUTCOME: &str = "agent_engine.tool.outcome";

/// `task_api.run_id`: the research task's run id (custom; no semantic convention covers it).
pub const TASK_RUN_ID: &str = "task_api.run_id";
/// `task_api.processor`: the processor tier (`core`, `base`, `ultra`).
pub const TASK_PROCESSOR: &str = "task_api.processor";
/// `task_api.status`: the run status last seen (`queued`, `running`, `completed`, `failed`).
pub const TASK_STATUS: &str = "task_api.status";
/// `task_api.polls`: how many status polls a research run needed.
pub const TASK_POLLS: &str = "task_api.polls";
