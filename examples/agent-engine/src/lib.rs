//! The Agent Telemetry agent engine: an HTTP agent server that embeds the telemetry traits.
//!
//! Start it in-process (this is what the tests do) and talk to it over real HTTP:
//!
//! ```
//! use agent_engine::{ServerTelemetry, spawn_test_server};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let server = spawn_test_server(ServerTelemetry::noop()).await?;
//! let http = agent_engine::tls::client()?;
//! let session: serde_json::Value = http
//!     .post(format!("{}/v1/sessions", server.base_url()))
//!     .json(&serde_json::json!({"agent": "planner"}))
//!     .send().await?.json().await?;
//! let turn: serde_json::Value = http
//!     .post(format!("{}/v1/sessions/{}/messages", server.base_url(), session["id"].as_str().unwrap()))
//!     .json(&serde_json::json!({"content": "what is 6 * 7 and what time is it?"}))
//!     .send().await?.json().await?;
//! assert_eq!(turn["tool_calls"].as_array().unwrap().len(), 2); // calculator and clock, concurrently
//! assert!(turn["reply"].as_str().unwrap().contains("calculator: 42"));
//! server.shutdown().await?;
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```
//!
//! - [`api`]: the routes, JSON errors and the 1 MiB body limit.
//! - [`agent`]: the turn loop with `invoke_agent`, `chat` and `execute_tool` spans recorded
//!   by `telemetry-genai` (GenAI semantic conventions v1.41); tools asked for together run
//!   concurrently, each span a child of `invoke_agent`.
//! - [`model`]: the offline [`model::ScriptedModel`] and an OpenAI-compatible client.
//! - [`tools`]: `calculator` (evalexpr), `clock`, `research_task` (a traced task API client).
//! - [`mcp`]: the tools over the Model Context Protocol (`telemetry-mcp` over `rmcp`): served
//!   by an in-process MCP server and called through an MCP client by default, plus external
//!   servers (`--mcp-server`, `--mcp-command`); `--no-mcp` calls the built-in tools directly.
//! - [`task_api`]: the local task REST API `research_task` talks to when no
//!   `--task-api-url` is given.
//! - [`simulate`]: the load simulator.
//! - [`telemetry_setup`]: Basic, OpenTelemetry or NoOp telemetry.
//! - [`library_events`]: the `tracing` and `log` events of axum, hyper, reqwest and the other
//!   libraries below, filtered by `RUST_LOG` (default `info,rmcp=warn`), reported to the same telemetry
//!   with the correlation id of the request that caused them (installed by `serve`).
//! - [`traces`]: the local trace view (`/traces`, `/api/traces`) over a span recorder.
//! - [`tls`]: the HTTP clients' TLS (rustls on `ring`; `AGENT_ENGINE_CA_CERTIFICATE`).
//!
//! Telemetry decisions: every request is a SERVER root scope continuing an incoming
//! `traceparent`; its correlation id (the trace id) is returned as `correlation_id` and in
//! `x-correlation-id`. With NoOp telemetry, which has no ids, the id is the caller's trace id
//! or a fresh random one. Metrics never carry session or request ids. Every GenAI span,
//! attribute and metric comes from `telemetry_genai::GenAi`, configured by
//! [`ServerConfig::genai`]: no message content is recorded unless
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (read by the binary) opts in.

pub mod agent;
pub mod api;
pub mod api_error;
pub mod config;
pub mod feedback;
pub mod instruments;
pub mod library_events;
pub mod mcp;
pub mod model;
pub mod semconv;
pub mod session;
pub mod simulate;
pub mod task_api;
pub mod telemetry_setup;
pub mod tls;
pub mod tools;
pub mod traces;

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use telemetry_core::Attribute;
use telemetry_genai::GenAi;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};

pub use config::{ConfigError, ModelChoice, ResearchLimits, ServerConfig};
pub use session::SessionLimits;
pub use telemetry_setup::ServerTelemetry;

use crate::agent::Agent;
use crate::api::AppState;
use crate::feedback::RecentTurns;
use crate::instruments::Instruments;
use crate::model::{ChatModel, OpenAiModel, ScriptedModel};
use crate::session::SessionStore;
use crate::task_api::TaskApiConfig;
use crate::tools::{Calculator, Clock, ResearchTool, TaskApiClient, ToolRegistry};

/// Why the server could not start or run.
#[derive(Debug)]
pub enum ServerError {
    /// Invalid configuration.
    Config(ConfigError),
    /// A socket error (bind, accept).
    Io(std::io::Error),
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => e.fmt(f),
            Self::Io(e) => write!(f, "server I/O error: {e}"),
        }
    }
}

impl std::error::Error for ServerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Config(e) => Some(e),
            Self::Io(e) => Some(e),
        }
    }
}

impl From<ConfigError> for ServerError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

impl From<std::io::Error> for ServerError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Serves the agent API on `listener` until `shutdown` completes, then stops accepting,
/// lets requests in flight finish (for at most [`ServerConfig::drain_timeout`]) and returns.
///
/// Without [`ServerConfig::task_api_url`] the local task API is started on an ephemeral
/// loopback port first and stopped last, so research runs in flight can finish. Telemetry
/// is not shut down here: its owner calls `telemetry.shutdown(timeout)` afterwards.
///
/// # Errors
/// [`ServerError::Config`] for an invalid model or task API configuration,
/// [`ServerError::Io`] when a socket fails.
pub async fn serve(
    config: ServerConfig,
    telemetry: ServerTelemetry,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let t = telemetry.telemetry.clone();
    let instruments = Instruments::new(&t.meter);

    let model: Arc<dyn ChatModel> = match &config.model {
        ModelChoice::Scripted => Arc::new(ScriptedModel::new()),
        ModelChoice::OpenAi(openai) => Arc::new(OpenAiModel::new(openai.clone(), t.clone())?),
    };

    let (task_api_url, task_api) = match &config.task_api_url {
        Some(url) => (url.clone(), None),
        None => {
            let task_listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let addr = task_listener.local_addr()?;
            let (stop, stopped) = oneshot::channel::<()>();
            let router = task_api::router(TaskApiConfig::default(), t.clone());
            let handle = tokio::spawn(async move {
                axum::serve(task_listener, router)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
            });
            t.logger.info(
                "local task API started",
                &[Attribute::new("server.address", addr.to_string())],
            );
            (format!("http://{addr}"), Some((stop, handle)))
        }
    };
    let client = TaskApiClient::new(
        &task_api_url,
        config.task_api_key.clone(),
        config.research,
        t.clone(),
    )?;
    let builtin = ToolRegistry::new()
        .with(Arc::new(Calculator))
        .with(Arc::new(Clock))
        .with(Arc::new(ResearchTool::new(client)));
    let genai = GenAi::builder(&t)
        .config(config.genai.clone())
        .with_prices(&model::scripted_prices())
        .build();
    let (tools, mcp_connections) = mcp::tools(&config.mcp, builtin, &genai).await?;
    let agent = Agent::new(
        model,
        tools,
        genai,
        instruments.clone(),
        config.max_model_calls_per_turn,
    );
    let state = AppState {
        sessions: Arc::new(SessionStore::new(config.limits)),
        agent,
        telemetry: t.clone(),
        prometheus: telemetry.prometheus.clone(),
        default_agent: config.default_agent.clone(),
        turns: Arc::new(RecentTurns::default()),
    };
    let mut router = api::router(state);
    if let Some(recorder) = telemetry.recorder.as_ref().filter(|_| config.trace_view) {
        // Merged after the API's layers: looking at traces is not itself traced.
        router = router.merge(traces::router_with(
            recorder.clone(),
            telemetry.sampled_view(),
        ));
    }

    let addr = listener.local_addr()?;
    t.logger.info(
        "agent engine listening",
        &[
            Attribute::new("server.address", addr.to_string()),
            Attribute::new("task_api.url", task_api_url.clone()),
        ],
    );

    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut graceful_rx = stop_rx.clone();
    // The peer address reaches the request span as `client.address`.
    let router = router.into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        let _ = graceful_rx.wait_for(|stop| *stop).await;
    });
    let mut drain_rx = stop_rx;
    let drain = config.drain_timeout;
    let drain_deadline = async move {
        // Only counts once shutdown began; a dropped sender means shutdown too.
        let _ = drain_rx.wait_for(|stop| *stop).await;
        tokio::time::sleep(drain).await;
    };
    let result = tokio::select! {
        r = server => r.map_err(ServerError::Io),
        () = drain_deadline => {
            t.logger.warning(
                "requests still in flight after the drain timeout; stopping anyway",
                &[Attribute::new("drain_timeout_s", drain.as_secs_f64())],
            );
            Ok(())
        }
    };
    t.logger
        .info("agent engine stopped accepting; requests drained", &[]);
    mcp_connections.close().await;
    if let Some((stop, handle)) = task_api {
        let _ = stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
    }
    result
}

/// Serves only the local task API on `listener` until `shutdown` completes.
///
/// # Errors
/// [`ServerError::Io`] when the socket fails.
pub async fn serve_task_api(
    telemetry: ServerTelemetry,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let t = telemetry.telemetry;
    t.logger.info(
        "task API listening",
        &[Attribute::new(
            "server.address",
            listener.local_addr()?.to_string(),
        )],
    );
    axum::serve(listener, task_api::router(TaskApiConfig::default(), t))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Checks everything [`serve`] would reject, without binding: the model (URL, model name, API
/// key), the task API URL and key, and the HTTP clients' TLS configuration. The command line
/// calls it before it binds, so a bad configuration never prints "listening".
///
/// # Errors
/// [`ServerError::Config`] naming the input and what was expected.
pub fn validate(config: &ServerConfig) -> Result<(), ServerError> {
    config.limits.validate()?;
    config.mcp.validate()?;
    if let ModelChoice::OpenAi(openai) = &config.model {
        OpenAiModel::new(openai.clone(), telemetry_core::Telemetry::noop())?;
    }
    if config
        .task_api_key
        .as_deref()
        .is_some_and(|k| k.trim().is_empty())
    {
        return Err(ConfigError::new(
            "invalid TASK_API_KEY \"\": expected the task API's key, or leave it unset",
        )
        .into());
    }
    let url = config.task_api_url.as_deref().unwrap_or("http://127.0.0.1");
    TaskApiClient::new(
        url,
        None,
        config.research,
        telemetry_core::Telemetry::noop(),
    )?;
    Ok(())
}

/// A server running in a background task of the current runtime.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<Result<(), ServerError>>,
}

impl RunningServer {
    /// The bound address (127.0.0.1 and an ephemeral port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{addr}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, drains requests in flight and waits for the server task.
    ///
    /// # Errors
    /// What [`serve`] returned; a panicked server task is reported as an I/O error.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let _ = self.stop.send(());
        self.handle
            .await
            .map_err(|e| ServerError::Io(std::io::Error::other(e)))?
    }
}

/// Starts [`serve`] on 127.0.0.1 with an ephemeral port in a background task.
///
/// # Errors
/// [`ServerError`] when binding fails or the configuration is invalid (checked before the
/// task starts, so the error is returned here rather than lost in the task).
pub async fn spawn_server(
    config: ServerConfig,
    telemetry: ServerTelemetry,
) -> Result<RunningServer, ServerError> {
    validate(&config)?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(serve(config, telemetry, listener, async move {
        let _ = stopped.await;
    }));
    Ok(RunningServer { addr, stop, handle })
}

/// [`spawn_server`] with the default configuration: scripted model, local task API.
///
/// # Errors
/// As [`spawn_server`].
pub async fn spawn_test_server(telemetry: ServerTelemetry) -> Result<RunningServer, ServerError> {
    spawn_server(ServerConfig::default(), telemetry).await
}

/// A future that completes on the first SIGINT (Ctrl-C) or, on Unix, SIGTERM.
///
/// The handlers are installed when this is called, not when the future is first polled: call
/// it before announcing that the server listens, so that a SIGTERM sent as soon as the
/// announcement is seen (by an orchestrator, a test, a rolling restart) already shuts down
/// gracefully, draining requests and flushing telemetry, instead of killing the process.
/// Must be called inside a tokio runtime. Where a handler cannot be installed, that signal
/// never completes the future (the process keeps serving rather than stopping at once).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(interrupt) => {}
                () = wait(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        // `ctrl_c` installs its handler when first polled; polled once here, it is in place
        // before this returns.
        let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
        let waker = std::task::Waker::noop();
        let first = ctrl_c
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        async move {
            let installed = match first {
                std::task::Poll::Ready(result) => result.is_ok(),
                std::task::Poll::Pending => ctrl_c.await.is_ok(),
            };
            if !installed {
                std::future::pending::<()>().await;
            }
        }
    }
}
