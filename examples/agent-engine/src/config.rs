//! Server configuration and configuration errors.

use std::fmt;
use std::time::Duration;

use telemetry_genai::GenAiConfig;

use crate::mcp::McpConfig;
use crate::model::OpenAiConfig;
use crate::session::SessionLimits;

/// Invalid configuration: names the input and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(String);

impl ConfigError {
    /// An error with a message naming the input and what was expected.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Rejects schemes other than `http`/`https`, and URLs without a host, with an error naming
/// `what`.
pub(crate) fn check_scheme(what: &str, url: &reqwest::Url) -> Result<(), ConfigError> {
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" | "https" => Err(ConfigError::new(format!(
            "invalid {what} {url}: expected a URL with a host, such as http://127.0.0.1:8800"
        ))),
        other => Err(ConfigError::new(format!(
            "invalid {what} {url}: expected an http:// or https:// URL, got scheme {other:?}"
        ))),
    }
}

/// Which model provider answers.
#[derive(Clone, Debug)]
pub enum ModelChoice {
    /// The offline, deterministic [`ScriptedModel`](crate::model::ScriptedModel).
    Scripted,
    /// An OpenAI-compatible endpoint.
    OpenAi(OpenAiConfig),
}

/// Everything `serve` needs besides telemetry and a listener.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The model provider.
    pub model: ModelChoice,
    /// Base URL of the task REST API used by `research_task`; `None` starts the local one
    /// in-process on an ephemeral loopback port.
    pub task_api_url: Option<String>,
    /// Sent as `x-api-key` to the task API when set (env `TASK_API_KEY`).
    pub task_api_key: Option<String>,
    /// The agent name for sessions created without one (`gen_ai.agent.name`).
    pub default_agent: String,
    /// Model calls allowed in one turn before the agent gives up (tool loop guard).
    pub max_model_calls_per_turn: usize,
    /// Bounds of the session store and of each message (sessions, idle expiry, history
    /// turns and bytes, message bytes).
    pub limits: SessionLimits,
    /// How long shutdown waits for requests in flight before it stops waiting.
    pub drain_timeout: Duration,
    /// How long shutdown waits for telemetry to flush.
    pub telemetry_flush_timeout: Duration,
    /// Limits of the research tool's polling.
    pub research: ResearchLimits,
    /// How the GenAI spans and metrics are recorded (content capture, conventions version,
    /// compatibility events, content size limit). The binary reads it from the environment
    /// with [`GenAiConfig::from_env`]; the default records no content and emits v1.41.
    pub genai: GenAiConfig,
    /// Serve the local trace view (`/traces`, `/api/traces`) when the telemetry has a
    /// recorder ([`ServerTelemetry::with_recorder`](crate::ServerTelemetry::with_recorder)).
    /// Off by default in the library; the command line turns it on for a loopback address.
    pub trace_view: bool,
    /// Where the agent's tools come from: the built-in ones over an in-process MCP server
    /// (default) or called directly, plus external MCP servers.
    pub mcp: McpConfig,
}

/// How the research tool polls the task API: bounded in count and time.
#[derive(Clone, Copy, Debug)]
pub struct ResearchLimits {
    /// First wait between polls; doubles up to `max_poll_interval`.
    pub poll_interval: Duration,
    /// Longest wait between polls.
    pub max_poll_interval: Duration,
    /// Most status polls for one run.
    pub max_polls: u32,
    /// Limit for the whole run, submission included.
    pub timeout: Duration,
    /// Limit for one HTTP request.
    pub request_timeout: Duration,
}

impl Default for ResearchLimits {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(10),
            max_poll_interval: Duration::from_millis(500),
            max_polls: 60,
            timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(10),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            model: ModelChoice::Scripted,
            task_api_url: None,
            task_api_key: None,
            default_agent: "assistant".into(),
            max_model_calls_per_turn: 8,
            limits: SessionLimits::default(),
            drain_timeout: Duration::from_secs(20),
            telemetry_flush_timeout: Duration::from_secs(5),
            research: ResearchLimits::default(),
            genai: GenAiConfig::default(),
            trace_view: false,
            mcp: McpConfig::default(),
        }
    }
}
