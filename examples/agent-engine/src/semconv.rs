//! Attribute and metric names this server owns: the engine's own tool metrics and the task
//! API attributes. HTTP names (the stable HTTP conventions) are `telemetry_http::semconv`'s.
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

/// `exception.message`: an error's message on log records (semantic-conventions v1.41.0
/// `model/exceptions/registry.yaml`; `error.message` is deprecated, "obsoleted", in
/// `model/error/deprecated/registry-deprecated.yaml`).
pub const EXCEPTION_MESSAGE: &str = "exception.message";

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
