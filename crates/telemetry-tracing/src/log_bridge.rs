//! `log` records into `tracing`, and so through [`TelemetryLayer`](crate::TelemetryLayer).

/// Installs `tracing-log`'s `LogTracer` as the process's `log` logger: every `log` record at
/// `max_level` or more severe becomes a `tracing` event, which the
/// [`TelemetryLayer`](crate::TelemetryLayer) reports with the record's own target
/// (`log::warn!(target: "pool", …)` gives `target = "pool"`), level and code location.
///
/// Call it once at start-up, next to installing the `tracing` subscriber.
///
/// # Errors
/// `log::SetLoggerError` when a `log` logger is already installed in this process.
pub fn init_log_bridge(max_level: log::LevelFilter) -> Result<(), log::SetLoggerError> {
    tracing_log::LogTracer::builder()
        .with_max_level(max_level)
        .init()
}
