//! Basic implementations of the Agent Telemetry core traits, for local use: no collector, no
//! exporter, no OpenTelemetry dependency.
//!
//! ```
//! use telemetry_core::{CorrelatorExt, LogLevel, Logger, Meter, attrs};
//! use telemetry_basic::{BasicTelemetry, LogFormat};
//!
//! # futures::executor::block_on(async {
//! let basic = BasicTelemetry::stdout(LogFormat::Json, LogLevel::Info);
//! let t = basic.telemetry.clone();
//!
//! let handled = t.correlator.clone().scoped("POST /v1/sessions", &attrs!["http.request.method" => "POST"], async move {
//!     // {"timestamp":"…","level":"info","message":"session created","correlation_id":"4bf9…",
//!     //  "span_id":"…","scope_path":["POST /v1/sessions"],"attributes":{"agent":"planner"}}
//!     t.logger.info("session created", &attrs!["agent" => "planner"]);
//!     t.meter.record_counter("sessions.created", 1, &attrs!["agent" => "planner"]);
//!     201
//! }).await;
//!
//! assert_eq!(handled, 201);
//! assert!(basic.meter.render_prometheus().contains("sessions_created_total{agent=\"planner\"} 1"));
//! # });
//! ```
//!
//! - [`BasicContextualCorrelator`]: scopes with correlation ids (32 hex, shared by a scope
//!   tree), span ids and attributes, in the thread-local slot every implementation shares.
//! - Loggers: [`StdoutLogger`] (text or JSON lines to stdout or any writer),
//!   [`FileLogger`] (JSON lines appended to a file), [`CompositeLogger`] (fan-out). Each
//!   record carries the bound correlator's current correlation id and scope path; see
//!   [`LogFormat`] for the line layouts.
//! - [`BasicMeter`]: in-memory counters, up-down counters, histograms and gauges, read back
//!   with [`BasicMeter::snapshot`] or as Prometheus text with
//!   [`BasicMeter::render_prometheus`].
//! - [`BasicTelemetry`]: all of it wired into a [`telemetry_core::Telemetry`] bundle.
//! - [`log_resource`]: one start-up line with the process's resource (`service.name`,
//!   `service.instance.id`, `host.name`, …), in text or JSON, from attributes given to it.
//!
//! Telemetry never fails the application: a log line that cannot be written is counted
//! (`dropped_lines()`) and reported once on stderr, and invalid metric names or non-finite
//! values are dropped and counted in [`telemetry_core::diagnostics`].

mod correlator;
mod logs;
mod metrics;
mod telemetry;

pub use correlator::BasicContextualCorrelator;
pub use logs::composite::CompositeLogger;
pub use logs::file::{FileLogger, FileLoggerError};
pub use logs::format::{ColorChoice, LogFormat, ParseFormatError};
pub use logs::resource::{RESOURCE_MESSAGE, log_resource};
pub use logs::stdout::StdoutLogger;
pub use logs::writer::MemoryWriter;
pub use metrics::instrument::OVERFLOW_ATTRIBUTE;
pub use metrics::meter::{BasicMeter, DEFAULT_CARDINALITY_LIMIT};
pub use metrics::snapshot::{
    HistogramSnapshot, InstrumentKind, MetricSnapshot, MetricsSnapshot, SeriesSnapshot, SeriesValue,
};
pub use telemetry::BasicTelemetry;

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
