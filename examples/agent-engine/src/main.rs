//! `agent-engine`: the command line (clap only; everything else is in the library).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use agent_engine::model::OpenAiConfig;
use agent_engine::simulate::{self, SimulateConfig};
use agent_engine::telemetry_setup::TailOptions;
use agent_engine::{ModelChoice, ServerConfig, ServerTelemetry};
use clap::{Args, Parser, Subcommand, ValueEnum};
use telemetry_basic::LogFormat;
use telemetry_core::LogLevel;
use telemetry_genai::GenAiConfig;
use tokio::net::TcpListener;

const ENV_HELP: &str = "\
Environment variables (flags win over them):
  AGENT_ENGINE_ADDR (127.0.0.1:8800), AGENT_ENGINE_MODEL (scripted | openai),
  AGENT_ENGINE_LOG_FORMAT (text | json), AGENT_ENGINE_LOG_LEVEL (info),
  TASK_API_URL (none: a local task API in-process), TASK_API_KEY (none),
  OPENAI_BASE_URL (https://api.openai.com/v1), OPENAI_API_KEY (none; required for
  api.openai.com), OPENAI_MODEL (gpt-4o-mini)
      defaults for the flags of the same meaning (see each subcommand's --help).
  AGENT_ENGINE_MAX_SESSIONS (10000), AGENT_ENGINE_SESSION_IDLE_TIMEOUT (1800 s),
  AGENT_ENGINE_MAX_HISTORY_TURNS (50), AGENT_ENGINE_MAX_HISTORY_BYTES (262144),
  AGENT_ENGINE_MAX_MESSAGE_BYTES (65536)
      serve's bounds on memory: see the --max-* flags of serve --help.
  AGENT_TELEMETRY_TRACE_TREE (off)
      1 | true | yes | on: serve prints each trace as a tree when its root ends (--trace-tree).
  AGENT_ENGINE_CA_CERTIFICATE (none)
      a PEM CA bundle the model and task API clients trust besides the platform's and the
      webpki roots (a private or test CA).
  RUST_LOG (info)
      which events of the libraries below the engine (axum, hyper, hyper_util, reqwest, ...)
      serve reports, through `tracing` and `log`, to the same telemetry: in the log lines with
      the correlation id of the request that caused them, in OpenTelemetry as events of its
      spans. tracing-subscriber EnvFilter syntax, e.g. info,hyper_util=debug,reqwest=debug;
      default info,rmcp=warn; --log-level still applies. The OpenTelemetry SDK's own targets (opentelemetry*) are
      always off, so export never reports on itself. An invalid value stops start-up.

OpenTelemetry (read with --open-telemetry; OpenTelemetry SDK environment specification;
{,TRACES_,METRICS_,LOGS_} means the generic variable or a per-signal one that wins over it):
  OTEL_SDK_DISABLED (false), OTEL_SERVICE_NAME (agent-engine), OTEL_RESOURCE_ATTRIBUTES (none)
  OTEL_{TRACES,METRICS,LOGS}_EXPORTER (otlp; otlp | console | none)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}PROTOCOL (http/protobuf; grpc | http/json)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}ENDPOINT (http://localhost:4318, gRPC :4317;
      https:// works)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}HEADERS (none; k=v,k2=v2 percent-encoded)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}TIMEOUT (10000 ms)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}COMPRESSION (none; gzip)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}CERTIFICATE (none: platform + webpki roots)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}CLIENT_CERTIFICATE, ..._CLIENT_KEY (none; mTLS)
  OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}INSECURE (false; scheme-less gRPC endpoints)
  OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (cumulative; delta | lowmemory)
  OTEL_TRACES_SAMPLER (parentbased_always_on), OTEL_TRACES_SAMPLER_ARG (1.0)
  OTEL_PROPAGATORS (tracecontext,baggage), OTEL_METRIC_EXPORT_INTERVAL (60000 ms)
  OTEL_BSP_* and OTEL_BLRP_* SCHEDULE_DELAY (5000 / 1000 ms), MAX_QUEUE_SIZE (2048),
      MAX_EXPORT_BATCH_SIZE (512), EXPORT_TIMEOUT (30000 ms)
  OTEL_SPAN_{ATTRIBUTE,EVENT,LINK}_COUNT_LIMIT (128)
  AGENT_TELEMETRY_SELF_OBSERVABILITY (true here): export what telemetry lost as metrics
  AGENT_TELEMETRY_EXPORT_QUEUE_BYTES (64MiB per signal), AGENT_TELEMETRY_EXPORT_RETRY_WINDOW
      (5m): how much and how long export keeps what the collector did not take yet
  AGENT_TELEMETRY_SPOOL_DIR (none; --telemetry-spool wins), AGENT_TELEMETRY_SPOOL_MAX_BYTES
      (256MiB per signal): keep undelivered batches on disk for the next start
      (otel.sdk.span.started, otel.sdk.exporter.span.exported{error.type=export_failed}, ...)

Tail sampling (with --open-telemetry; OTEL_TRACES_SAMPLER=agent_tail, or --tail-sampling P):
  OTEL_TRACES_SAMPLER_ARG (1.0): the share of traces kept when no rule keeps them; every
      trace with an error is kept, and one a caller sampled
  AGENT_TELEMETRY_TAIL_LATENCY_MS, _TOKENS, _COST (none): keep slower, bigger, dearer traces
  AGENT_TELEMETRY_TAIL_KEEP (none): key=value,... keep traces with a matching span attribute
  AGENT_TELEMETRY_TAIL_RATE_LIMIT (none): kept traces per second at most, errors first
  AGENT_TELEMETRY_TAIL_MAX_TRACES (10000), _MAX_BYTES (67108864), _DECISION_TIMEOUT_MS
      (30000): what is held while traces are open; past them traces are decided early
  The --tail-* flags of the same names win over these. Metrics are not sampled; the trace
  view and tree then show only kept traces, and say so.

HTTP instrumentation (both implementations):
  OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS (GET,HEAD,POST,PUT,DELETE,CONNECT,OPTIONS,TRACE,PATCH,QUERY)
      comma-separated, case-sensitive methods recorded as themselves; any other is recorded
      as _OTHER with http.request.method_original, and its span is named HTTP {route}.

GenAI content capture:
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
      NO_CONTENT (default) | SPAN_ONLY | EVENT_ONLY | SPAN_AND_EVENT (case-insensitive):
      record prompts, replies, reasoning, tool definitions, tool arguments and results,
      redacted and as JSON, on the GenAI spans and/or the
      gen_ai.client.inference.operation.details event. Off by default: content can be private.
  OTEL_SEMCONV_STABILITY_OPT_IN
      a comma list; gen_ai_latest_experimental emits the newest experimental GenAI names
      instead of semantic conventions v1.41 (other entries are ignored here).
  AGENT_TELEMETRY_GENAI_COMPAT_EVENTS
      true | false (default): also emit the older per-message events (gen_ai.user.message,
      gen_ai.choice, agent_telemetry.gen_ai.tool.input, ...) that some dashboards expect.
  AGENT_TELEMETRY_GENAI_MAX_CONTENT_BYTES
      largest content attribute in bytes (default 32768, at least 256); longer content is
      cut, keeping valid JSON.
  AGENT_TELEMETRY_GENAI_PRICES
      a JSON price file in LiteLLM's model_prices_and_context_window.json format whose
      entries win over the bundled LiteLLM table (and over the scripted model's own price,
      gpt-4o-mini's); each reply's usage.cost_usd and the GenAI spans carry the cost in USD.
  AGENT_TELEMETRY_GENAI_COST_ALIAS
      a second attribute name for each span's cost, e.g. gen_ai.usage.cost (Langfuse).
  The GenAI variables above apply to serve and to simulate's in-process server, with
  Basic and OpenTelemetry alike; an invalid value stops start-up with an error naming it.

Examples:
  agent-engine serve                                  # offline: scripted model, local task API
  OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc \\
    agent-engine serve --open-telemetry
  agent-engine simulate --sessions 200 --concurrency 16";

/// An AI agent engine server instrumented with Agent Telemetry.
///
/// Runs offline on the embedded defaults (a scripted model and a local task API); switches
/// to OpenTelemetry export with --open-telemetry.
#[derive(Debug, Parser)]
#[command(name = "agent-engine", version, after_help = ENV_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the agent HTTP API.
    ///
    /// The events of the libraries below (axum, hyper, reqwest, ...) are reported with the
    /// engine's own: RUST_LOG selects them (EnvFilter syntax, default info,rmcp=warn) and --log-level
    /// still applies; see agent-engine --help.
    #[command(after_help = ENV_HELP)]
    Serve(Box<ServeArgs>),
    /// Serve only the local task REST API (what research_task talks to).
    TaskApi(TaskApiArgs),
    /// Drive N multi-turn sessions over HTTP and print a latency/error summary.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
struct TelemetryArgs {
    /// Use the OpenTelemetry implementation, configured from OTEL_* variables (default
    /// service name agent-engine). Without it: Basic telemetry, logs to stdout and metrics
    /// at GET /metrics.
    #[arg(long)]
    open_telemetry: bool,
    /// With --open-telemetry: keep every batch on disk in DIR until the collector has it, so
    /// that a collector outage, a restart or a crash (SIGKILL) loses nothing handed to the
    /// exporter; the next start on DIR delivers what is left (wins over
    /// AGENT_TELEMETRY_SPOOL_DIR).
    #[arg(long, value_name = "DIR")]
    telemetry_spool: Option<std::path::PathBuf>,
    /// Log line format of Basic telemetry: text or json.
    #[arg(long, env = "AGENT_ENGINE_LOG_FORMAT", default_value = "text")]
    log_format: LogFormat,
    /// Minimum log level: trace, debug, info, warning, error or critical.
    #[arg(long, env = "AGENT_ENGINE_LOG_LEVEL", default_value = "info")]
    log_level: LogLevel,
    #[command(flatten)]
    tail: TailArgs,
}

/// In-process tail sampling of traces (with --open-telemetry). Each flag mirrors an
/// AGENT_TELEMETRY_TAIL_* variable (see --help) and wins over it.
#[derive(Debug, Default, PartialEq, Args)]
struct TailArgs {
    /// Tail sampling on: hold each trace until it ends, keep it whole when it has an error
    /// or matches a --tail-* rule, else keep it with probability P (0 to 1), decided from the
    /// trace id so every process agrees (as OTEL_TRACES_SAMPLER=agent_tail with
    /// OTEL_TRACES_SAMPLER_ARG=P).
    #[arg(long, value_name = "P")]
    tail_sampling: Option<f64>,
    /// Keep traces longer than this many milliseconds (AGENT_TELEMETRY_TAIL_LATENCY_MS).
    #[arg(long, value_name = "MS")]
    tail_latency_ms: Option<u64>,
    /// Keep traces using at least this many GenAI tokens, input + output
    /// (AGENT_TELEMETRY_TAIL_TOKENS).
    #[arg(long, value_name = "TOKENS", value_parser = clap::value_parser!(u64).range(1..))]
    tail_tokens: Option<u64>,
    /// Keep traces whose gen_ai.usage.cost adds up to at least this (AGENT_TELEMETRY_TAIL_COST).
    #[arg(long, value_name = "COST")]
    tail_cost: Option<f64>,
    /// Keep traces with a span whose attribute KEY equals VALUE; repeatable
    /// (AGENT_TELEMETRY_TAIL_KEEP).
    #[arg(long, value_name = "KEY=VALUE")]
    tail_keep: Vec<String>,
    /// At most this many kept traces per second, errors first (AGENT_TELEMETRY_TAIL_RATE_LIMIT).
    #[arg(long, value_name = "PER_SECOND")]
    tail_rate_limit: Option<f64>,
    /// Traces held at once at most (AGENT_TELEMETRY_TAIL_MAX_TRACES, default 10000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    tail_max_traces: Option<u64>,
    /// Estimated bytes of held spans at most (AGENT_TELEMETRY_TAIL_MAX_BYTES, default 64 MiB).
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    tail_max_bytes: Option<u64>,
    /// Milliseconds a trace is held at most before it is decided on what arrived
    /// (AGENT_TELEMETRY_TAIL_DECISION_TIMEOUT_MS, default 30000).
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    tail_decision_timeout_ms: Option<u64>,
}

impl TailArgs {
    /// The options the flags give, checked; `None` when no --tail-* flag is set.
    fn options(&self, open_telemetry: bool) -> Result<Option<TailOptions>, String> {
        // Every flag unset is the default: no field to forget when a flag is added.
        if *self == Self::default() {
            return Ok(None);
        }
        if !open_telemetry {
            return Err(
                "the --tail-* flags need --open-telemetry (Basic telemetry does not \
                        sample traces)"
                    .to_owned(),
            );
        }
        let positive = |flag: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(format!("invalid --{flag} {v}: expected a positive number"))
            }
        };
        if let Some(p) = self.tail_sampling.filter(|p| !(0.0..=1.0).contains(p)) {
            return Err(format!(
                "invalid --tail-sampling {p}: expected a probability between 0 and 1, e.g. 0.1"
            ));
        }
        let mut rules = telemetry_otel::TailSampling::new();
        if let Some(ms) = self.tail_latency_ms {
            rules = rules.keep_slower_than(Duration::from_millis(ms));
        }
        if let Some(t) = self.tail_tokens {
            rules = rules.keep_tokens_over(t);
        }
        if let Some(c) = self.tail_cost {
            rules = rules.keep_cost_over(positive("tail-cost", c)?);
        }
        for rule in &self.tail_keep {
            let Some((k, v)) = rule.split_once('=').filter(|(k, _)| !k.trim().is_empty()) else {
                return Err(format!(
                    "invalid --tail-keep {rule:?}: expected KEY=VALUE, e.g. gen_ai.agent.name=planner"
                ));
            };
            rules = rules.keep_attribute(k.trim(), v.trim());
        }
        if let Some(r) = self.tail_rate_limit {
            rules = rules.rate_limit(positive("tail-rate-limit", r)?);
        }
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        if let Some(n) = self.tail_max_traces {
            rules = rules.max_traces(size(n));
        }
        if let Some(n) = self.tail_max_bytes {
            rules = rules.max_bytes(size(n));
        }
        if let Some(ms) = self.tail_decision_timeout_ms {
            rules = rules.decision_timeout(Duration::from_millis(ms));
        }
        Ok(Some(TailOptions {
            probability: self.tail_sampling,
            rules,
        }))
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModelArg {
    /// Offline and deterministic.
    Scripted,
    /// An OpenAI-compatible /chat/completions endpoint (OPENAI_BASE_URL, OPENAI_API_KEY).
    Openai,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    telemetry: TelemetryArgs,
    /// Address to listen on.
    #[arg(long, env = "AGENT_ENGINE_ADDR", default_value = "127.0.0.1:8800")]
    addr: SocketAddr,
    /// Model provider.
    #[arg(
        long,
        env = "AGENT_ENGINE_MODEL",
        value_enum,
        default_value = "scripted"
    )]
    model: ModelArg,
    /// Base URL of the task REST API for research_task. Without it, a local task API is
    /// started in-process on an ephemeral loopback port.
    #[arg(long, env = "TASK_API_URL")]
    task_api_url: Option<String>,
    /// Sent as x-api-key to the task API.
    #[arg(long, env = "TASK_API_KEY", hide_env_values = true)]
    task_api_key: Option<String>,
    /// OpenAI-compatible API base, https:// or http:// (AGENT_ENGINE_CA_CERTIFICATE adds a
    /// CA to trust).
    #[arg(
        long,
        env = "OPENAI_BASE_URL",
        default_value = "https://api.openai.com/v1"
    )]
    openai_base_url: String,
    /// API key for the OpenAI-compatible endpoint (sent as a Bearer token).
    #[arg(long, env = "OPENAI_API_KEY", hide_env_values = true)]
    openai_api_key: Option<String>,
    /// Model name for --model openai.
    #[arg(long, env = "OPENAI_MODEL", default_value = "gpt-4o-mini")]
    openai_model: String,
    /// Timeout of one model call, in seconds.
    #[arg(long, default_value_t = 60.0)]
    model_timeout: f64,
    /// Seconds to let requests in flight finish after SIGINT/SIGTERM.
    #[arg(long, default_value_t = 20.0)]
    drain_timeout: f64,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    traces: TraceArgs,
    #[command(flatten)]
    mcp: McpArgs,
}

/// Where the agent's tools come from (Model Context Protocol).
#[derive(Debug, Args)]
struct McpArgs {
    /// Call the built-in tools directly instead of through the in-process MCP server.
    #[arg(long, env = "AGENT_ENGINE_NO_MCP")]
    no_mcp: bool,
    /// A Streamable HTTP MCP server whose tools the agent may call, e.g.
    /// http://127.0.0.1:8931/mcp (repeatable).
    #[arg(long = "mcp-server", value_name = "URL")]
    mcp_servers: Vec<String>,
    /// A command that starts an MCP server on stdio, run with sh -c (repeatable).
    #[arg(long = "mcp-command", value_name = "CMD")]
    mcp_commands: Vec<String>,
    /// Seconds one MCP tool call (or connecting to a server) may take.
    #[arg(long, env = "AGENT_ENGINE_MCP_TIMEOUT", default_value_t = 60.0)]
    mcp_timeout: f64,
}

impl McpArgs {
    fn config(&self) -> Result<agent_engine::mcp::McpConfig, String> {
        Ok(agent_engine::mcp::McpConfig {
            builtin_over_mcp: !self.no_mcp,
            servers: self.mcp_servers.clone(),
            commands: self.mcp_commands.clone(),
            timeout: seconds("mcp-timeout", self.mcp_timeout)?,
        })
    }
}

/// Bounds of the session store and of each message (defaults from `SessionLimits`).
#[derive(Debug, Args)]
struct LimitArgs {
    /// Sessions kept at once; creating one more answers 503 with Retry-After.
    #[arg(long, env = "AGENT_ENGINE_MAX_SESSIONS", default_value_t = 10_000)]
    max_sessions: usize,
    /// Seconds a session may stay unused before it is removed (its id then answers 404).
    #[arg(
        long,
        env = "AGENT_ENGINE_SESSION_IDLE_TIMEOUT",
        default_value_t = 1800.0
    )]
    session_idle_timeout: f64,
    /// Turns of history a session keeps for the model; older turns are dropped from the
    /// model's context and the reply's context.dropped_turns counts them.
    #[arg(long, env = "AGENT_ENGINE_MAX_HISTORY_TURNS", default_value_t = 50)]
    max_history_turns: usize,
    /// Bytes of history a session keeps for the model (message texts, tool names and
    /// arguments); older turns are dropped first, the newest is always kept.
    #[arg(
        long,
        env = "AGENT_ENGINE_MAX_HISTORY_BYTES",
        default_value_t = 262_144
    )]
    max_history_bytes: usize,
    /// Largest message content in bytes; a longer one answers 413 (at most 1048576, the
    /// request body limit).
    #[arg(long, env = "AGENT_ENGINE_MAX_MESSAGE_BYTES", default_value_t = 65_536)]
    max_message_bytes: usize,
}

impl LimitArgs {
    fn limits(&self) -> Result<agent_engine::SessionLimits, String> {
        Ok(agent_engine::SessionLimits {
            max_sessions: self.max_sessions,
            idle_timeout: seconds("session-idle-timeout", self.session_idle_timeout)?,
            max_history_turns: self.max_history_turns,
            max_history_bytes: self.max_history_bytes,
            max_message_bytes: self.max_message_bytes,
        })
    }
}

/// The local trace view and terminal tree (a bounded in-memory record of recent traces).
#[derive(Debug, Args)]
struct TraceArgs {
    /// Do not serve the trace view (GET /traces, /traces/{id}, /api/traces). It is served by
    /// default when --addr is a loopback address, and never otherwise.
    #[arg(long)]
    no_trace_view: bool,
    /// Print each trace as an indented tree on stdout when its root ends (env
    /// AGENT_TELEMETRY_TRACE_TREE=1 does the same).
    #[arg(long)]
    trace_tree: bool,
    /// Most traces the trace view keeps; the oldest are evicted first.
    #[arg(long, default_value_t = telemetry_recorder::DEFAULT_MAX_TRACES)]
    trace_view_max_traces: usize,
    /// Most bytes the trace view keeps (default 16 MiB); the oldest traces are evicted first.
    #[arg(long, default_value_t = telemetry_recorder::DEFAULT_MAX_BYTES)]
    trace_view_max_bytes: usize,
}

#[derive(Debug, Args)]
struct TaskApiArgs {
    #[command(flatten)]
    telemetry: TelemetryArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8801")]
    addr: SocketAddr,
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// Sessions to run.
    #[arg(long, default_value_t = 200)]
    sessions: usize,
    /// Sessions in flight at once.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Messages per session.
    #[arg(long, default_value_t = 3)]
    turns: usize,
    /// Target a running server instead of starting one in-process.
    #[arg(long)]
    url: Option<String>,
    /// Seed of the message mix.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Use the OpenTelemetry implementation for the in-process server (see serve --help).
    #[arg(long)]
    open_telemetry: bool,
    #[command(flatten)]
    tail: TailArgs,
    /// Log level of the in-process server's Basic telemetry (the intended bad requests log
    /// warnings, so the default keeps the progress bar readable).
    #[arg(long, default_value = "error")]
    log_level: LogLevel,
    /// Do not draw the progress bar.
    #[arg(long)]
    no_progress: bool,
}

fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("invalid --{flag} {value}: expected a non-negative number of seconds"))
}

/// Builds the telemetry the flags ask for.
fn telemetry(
    open_telemetry: bool,
    format: LogFormat,
    level: LogLevel,
    spool: Option<&std::path::Path>,
    tail: &TailArgs,
) -> Result<ServerTelemetry, String> {
    if spool.is_some() && !open_telemetry {
        return Err("--telemetry-spool needs --open-telemetry".to_owned());
    }
    let tail = tail.options(open_telemetry)?;
    if open_telemetry {
        let rules_only = tail.as_ref().is_some_and(|t| t.probability.is_none());
        let t =
            agent_engine::telemetry_setup::open_telemetry_with("agent-engine", level, spool, tail)
                .map_err(|e| e.to_string())?;
        if rules_only && t.otel.as_ref().is_some_and(|o| o.tail_sampling().is_none()) {
            return Err(
                "the --tail-* rules apply to tail sampling: add --tail-sampling P (or \
                        set OTEL_TRACES_SAMPLER=agent_tail), with a traces exporter"
                    .to_owned(),
            );
        }
        Ok(t)
    } else {
        Ok(ServerTelemetry::basic(format, level))
    }
}

async fn flush(telemetry: &ServerTelemetry, timeout: Duration) {
    if let Err(e) = telemetry.telemetry.shutdown(timeout).await {
        eprintln!("warning: telemetry did not flush cleanly within {timeout:?}: {e}");
    }
    eprintln!("{}", telemetry.loss_summary());
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Serve(args) => {
            let genai = GenAiConfig::from_env().map_err(|e| e.to_string())?;
            let library_filter = agent_engine::library_events::filter_from_env()?;
            let t = telemetry(
                args.telemetry.open_telemetry,
                args.telemetry.log_format,
                args.telemetry.log_level,
                args.telemetry.telemetry_spool.as_deref(),
                &args.telemetry.tail,
            )?;
            let trace_view = !args.traces.no_trace_view && args.addr.ip().is_loopback();
            let trace_tree = args.traces.trace_tree || telemetry_recorder::trace_tree_from_env();
            let t = if trace_view || trace_tree {
                let config = telemetry_recorder::RecorderConfig::default()
                    .max_traces(args.traces.trace_view_max_traces)
                    .max_bytes(args.traces.trace_view_max_bytes);
                t.with_recorder(telemetry_recorder::Recorder::new(config), trace_tree)
            } else {
                t
            };
            agent_engine::library_events::install(&t.telemetry, library_filter)?;
            if !args.telemetry.open_telemetry {
                agent_engine::telemetry_setup::log_resource(&t, "agent-engine")
                    .map_err(|e| e.to_string())?;
            }
            let model = match args.model {
                ModelArg::Scripted => ModelChoice::Scripted,
                ModelArg::Openai => ModelChoice::OpenAi(OpenAiConfig {
                    base_url: args.openai_base_url,
                    api_key: args.openai_api_key,
                    model: args.openai_model,
                    timeout: seconds("model-timeout", args.model_timeout)?,
                }),
            };
            let config = ServerConfig {
                model,
                task_api_url: args.task_api_url,
                task_api_key: args.task_api_key,
                drain_timeout: seconds("drain-timeout", args.drain_timeout)?,
                limits: args.limits.limits()?,
                genai,
                trace_view,
                mcp: args.mcp.config()?,
                ..ServerConfig::default()
            };
            // The whole configuration is checked before binding: a bad one never prints
            // "listening" and exits with code 2.
            agent_engine::validate(&config).map_err(|e| e.to_string())?;
            let flush_timeout = config.telemetry_flush_timeout;
            let listener = TcpListener::bind(args.addr)
                .await
                .map_err(|e| format!("cannot listen on --addr {}: {e}", args.addr))?;
            // The bound address: with port 0 the system picked one.
            let bound = listener.local_addr().unwrap_or(args.addr);
            // Before "listening": a SIGTERM sent as soon as that line is seen shuts down
            // gracefully (drain, telemetry flush).
            let shutdown = agent_engine::shutdown_signal();
            eprintln!("agent-engine listening on http://{bound}");
            if trace_view {
                eprintln!("agent-engine trace view on http://{bound}/traces");
            }
            let result = agent_engine::serve(config, t.clone(), listener, shutdown).await;
            flush(&t, flush_timeout).await;
            result.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::TaskApi(args) => {
            let t = telemetry(
                args.telemetry.open_telemetry,
                args.telemetry.log_format,
                args.telemetry.log_level,
                args.telemetry.telemetry_spool.as_deref(),
                &args.telemetry.tail,
            )?;
            let listener = TcpListener::bind(args.addr)
                .await
                .map_err(|e| format!("cannot listen on --addr {}: {e}", args.addr))?;
            let shutdown = agent_engine::shutdown_signal();
            eprintln!("task API listening on http://{}", args.addr);
            let result = agent_engine::serve_task_api(t.clone(), listener, shutdown).await;
            flush(&t, Duration::from_secs(5)).await;
            result.map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate(args) => {
            let config = SimulateConfig {
                sessions: args.sessions,
                concurrency: args.concurrency,
                turns_per_session: args.turns,
                seed: args.seed,
                progress: !args.no_progress,
                ..SimulateConfig::default()
            };
            let (summary, server) = match &args.url {
                Some(url) => (
                    simulate::run(url, &config)
                        .await
                        .map_err(|e| e.to_string())?,
                    None,
                ),
                None => {
                    let defaults = ServerConfig::default();
                    let server_config = ServerConfig {
                        genai: GenAiConfig::from_env().map_err(|e| e.to_string())?,
                        // Room for every simulated session: none is ever refused with 503.
                        limits: agent_engine::SessionLimits {
                            max_sessions: defaults.limits.max_sessions.max(args.sessions),
                            ..defaults.limits
                        },
                        ..defaults
                    };
                    let t = telemetry(
                        args.open_telemetry,
                        LogFormat::Text,
                        args.log_level,
                        None,
                        &args.tail,
                    )?;
                    let server = agent_engine::spawn_server(server_config, t.clone())
                        .await
                        .map_err(|e| e.to_string())?;
                    let summary = simulate::run(&server.base_url(), &config)
                        .await
                        .map_err(|e| e.to_string())?;
                    (summary, Some((server, t)))
                }
            };
            if let Some((server, t)) = server {
                server.shutdown().await.map_err(|e| e.to_string())?;
                flush(&t, Duration::from_secs(5)).await;
            }
            println!("{summary}");
            Ok(if summary.unexpected_errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn help_documents_every_genai_variable() {
        let help = Cli::command().render_long_help().to_string();
        for variable in [
            telemetry_genai::CAPTURE_MESSAGE_CONTENT,
            telemetry_genai::SEMCONV_STABILITY_OPT_IN,
            telemetry_genai::GEN_AI_LATEST_EXPERIMENTAL,
            telemetry_genai::COMPAT_EVENTS,
            telemetry_genai::MAX_CONTENT_BYTES,
        ] {
            assert!(
                help.contains(variable),
                "{variable} missing from --help:\n{help}"
            );
        }
        for mode in ["NO_CONTENT", "SPAN_ONLY", "EVENT_ONLY", "SPAN_AND_EVENT"] {
            assert!(help.contains(mode), "{mode} missing from --help");
        }
    }

    #[test]
    fn help_documents_the_library_event_filter() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("RUST_LOG"), "{help}");
        assert!(help.contains("default info"), "{help}");
        let mut cli = Cli::command();
        let serve = cli.find_subcommand_mut("serve").unwrap();
        let help = serve.render_long_help().to_string();
        assert!(help.contains("RUST_LOG"), "serve --help:\n{help}");
    }

    #[test]
    fn an_invalid_library_filter_names_the_variable_and_the_syntax() {
        let e = agent_engine::library_events::filter("info,hyper=loud", "RUST_LOG").unwrap_err();
        assert!(
            e.contains("RUST_LOG") && e.contains("hyper=loud") && e.contains("EnvFilter"),
            "{e}"
        );
        assert!(agent_engine::library_events::filter("", "RUST_LOG").is_ok());
    }

    #[test]
    fn tail_flags_mirror_the_variables_and_bad_values_name_the_flag() {
        let serve = |args: &[&str]| {
            let mut argv = vec!["agent-engine", "serve"];
            argv.extend_from_slice(args);
            match Cli::try_parse_from(argv).unwrap().command {
                Command::Serve(s) => s.telemetry.tail,
                _ => unreachable!(),
            }
        };
        let tail = serve(&[
            "--tail-sampling",
            "0.1",
            "--tail-latency-ms",
            "20000",
            "--tail-keep",
            "gen_ai.agent.name=planner",
            "--tail-rate-limit",
            "50",
        ]);
        let o = tail.options(true).unwrap().unwrap();
        assert_eq!(o.probability, Some(0.1));
        assert_eq!(
            o.rules,
            telemetry_otel::TailSampling::new()
                .keep_slower_than(Duration::from_secs(20))
                .keep_attribute("gen_ai.agent.name", "planner")
                .rate_limit(50.0)
        );
        assert!(serve(&[]).options(true).unwrap().is_none());
        let e = serve(&["--tail-sampling", "0.1"])
            .options(false)
            .unwrap_err();
        assert!(e.contains("--open-telemetry"), "{e}");
        for (args, flag) in [
            (&["--tail-sampling", "1.5"][..], "--tail-sampling"),
            (&["--tail-keep", "planner"][..], "--tail-keep"),
            (&["--tail-cost=-1"][..], "--tail-cost"),
            (&["--tail-rate-limit", "0"][..], "--tail-rate-limit"),
        ] {
            let e = serve(args).options(true).unwrap_err();
            assert!(e.contains(flag), "{e}");
        }
        assert!(Cli::try_parse_from(["agent-engine", "serve", "--tail-max-traces", "0"]).is_err());
        let help = Cli::command().render_long_help().to_string();
        for needle in ["AGENT_TELEMETRY_TAIL_KEEP", "agent_tail", "--tail-* flags"] {
            assert!(help.contains(needle), "{needle} missing from:\n{help}");
        }
    }

    #[test]
    fn top_level_and_serve_help_list_the_variables_with_defaults() {
        let mut cli = Cli::command();
        let top = cli.render_long_help().to_string();
        let serve = cli
            .find_subcommand_mut("serve")
            .unwrap()
            .render_long_help()
            .to_string();
        for help in [&top, &serve] {
            for needle in [
                "OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}ENDPOINT (http://localhost:4318",
                "OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}CERTIFICATE",
                "OTEL_TRACES_SAMPLER (parentbased_always_on)",
                "OTEL_SERVICE_NAME (agent-engine)",
                "RUST_LOG",
                "AGENT_ENGINE_CA_CERTIFICATE",
                "AGENT_ENGINE_ADDR (127.0.0.1:8800)",
                "OPENAI_BASE_URL (https://api.openai.com/v1)",
                telemetry_genai::CAPTURE_MESSAGE_CONTENT,
            ] {
                assert!(help.contains(needle), "{needle} missing from:\n{help}");
            }
        }
    }
}
