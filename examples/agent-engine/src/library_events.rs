//! The events of the libraries below the engine (axum, hyper, reqwest, …), which report
//! through `tracing` and `log`, reported to the engine's telemetry: in the Basic log lines
//! with the correlation id of the request that caused them, in OpenTelemetry as events of its
//! spans. See `telemetry_tracing::TelemetryLayer`.

use telemetry_core::Telemetry;
use telemetry_tracing::TelemetryLayer;
use tracing_log::AsLog as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;

/// The variable holding the filter, in `tracing-subscriber`'s `EnvFilter` syntax.
pub const FILTER_VARIABLE: &str = "RUST_LOG";

/// The filter when [`FILTER_VARIABLE`] is unset or empty. rmcp (the MCP SDK) logs every
/// message at INFO and wraps each session in a `serve_inner` span as long as the session:
/// the MCP spans come from telemetry-mcp instead, so only its warnings are kept.
pub const DEFAULT_FILTER: &str = "info,rmcp=warn";

/// Directives appended to every filter: the OpenTelemetry SDK and its exporters report their
/// own work through `tracing`, and fed back into the OpenTelemetry implementation each export
/// would log about itself and cause the next one.
const SDK_SILENCED: &str =
    "opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off,opentelemetry_http=off";

/// A filter from `directives` (`EnvFilter` syntax: `info`, `info,hyper_util=debug`, …), with
/// the OpenTelemetry SDK's own targets off.
///
/// # Errors
/// A message naming `source`, the value and the expected syntax when a directive is invalid.
pub fn filter(directives: &str, source: &str) -> Result<EnvFilter, String> {
    let directives = if directives.trim().is_empty() {
        DEFAULT_FILTER
    } else {
        directives
    };
    EnvFilter::builder()
        .parse(format!("{directives},{SDK_SILENCED}"))
        .map_err(|e| {
            format!(
                "invalid {source} {directives:?}: {e}; expected comma-separated \
                 tracing-subscriber EnvFilter directives such as `info` or \
                 `info,hyper_util=debug,reqwest=debug`"
            )
        })
}

/// The filter [`FILTER_VARIABLE`] asks for, [`DEFAULT_FILTER`] when it is unset.
///
/// # Errors
/// As [`filter`], naming the variable.
pub fn filter_from_env() -> Result<EnvFilter, String> {
    let value = std::env::var(FILTER_VARIABLE).unwrap_or_default();
    filter(&value, FILTER_VARIABLE)
}

/// Installs, for the whole process, a `tracing` subscriber that reports every `tracing`
/// event and span that passes `filter` to `telemetry`, and routes `log` records through it
/// (`tracing-log`).
///
/// # Errors
/// A message when a `tracing` subscriber or a `log` logger is already installed.
pub fn install(telemetry: &Telemetry, filter: EnvFilter) -> Result<(), String> {
    let max = filter
        .max_level_hint()
        .unwrap_or(tracing_subscriber::filter::LevelFilter::TRACE);
    let subscriber = tracing_subscriber::registry()
        .with(TelemetryLayer::new(telemetry.clone()).with_filter(filter));
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| format!("cannot install the library event subscriber: {e}"))?;
    telemetry_tracing::init_log_bridge(max.as_log())
        .map_err(|e| format!("cannot route `log` records to telemetry: {e}"))
}
