//! Interop between Agent Telemetry and the Rust ecosystem's `tracing` and `log`: the spans and
//! events of the libraries an agent engine runs on (axum, hyper, reqwest, tonic, sqlx, the
//! OpenTelemetry SDK itself) become scopes and log calls of any implementation (NoOp, Basic,
//! OpenTelemetry), correlated with the application's own; and the other way, the traits can
//! report through an existing `tracing-subscriber` stack.
//!
//! ```
//! use telemetry_basic::{BasicTelemetry, LogFormat};
//! use telemetry_core::{CorrelatorExt, LogLevel};
//! use telemetry_tracing::TelemetryLayer;
//! use tracing_subscriber::layer::SubscriberExt as _;
//!
//! let basic = BasicTelemetry::stdout(LogFormat::Text, LogLevel::Info);
//! let t = basic.telemetry.clone();
//! let subscriber = tracing_subscriber::registry().with(TelemetryLayer::new(t.clone()));
//! tracing::subscriber::with_default(subscriber, || {
//!     let request = t.correlator.enter_scope("POST /v1/sessions", &[]);
//!     // A library's span: a child scope of `request`, with the same correlation id.
//!     let query = tracing::info_span!("db.query", db.system = "sqlite").entered();
//!     assert_eq!(t.correlator.correlation_id(), request.correlation_id());
//!     assert_eq!(t.correlator.scope_path(), ["POST /v1/sessions", "db.query"]);
//!     // A library's event: an INFO log call on that scope, `rows = 3` an attribute.
//!     tracing::info!(rows = 3, "query done");
//!     drop(query);
//! });
//! ```
//!
//! # From `tracing` into this workspace
//!
//! [`TelemetryLayer`] is a `tracing_subscriber::Layer` over a
//! [`Telemetry`] bundle: spans become scopes (their fields the
//! scope's attributes, entering one makes its scope current), events become log calls on the
//! current scope. `log` records reach it through `tracing-log` ([`init_log_bridge`]).
//!
//! Span kind, name and status use the field names `tracing-opentelemetry` 0.34 reads, so
//! existing instrumentation keeps its meaning:
//!
//! | field | effect |
//! | --- | --- |
//! | `otel.name` | the scope name (else the span's name); read when the span is created |
//! | `otel.kind` | `server`, `client`, `producer`, `consumer`, `internal` (any case): the span kind; read when the span is created |
//! | `otel.status_code = "error"` | the scope is marked failed ([`Scope::record_error`](telemetry_core::Scope::record_error)), with `otel.status_description` as the message; `ok` and `unset` leave the status unset, since a scope has no explicit OK status |
//! | `error` (any value but `false`) | the scope is marked failed with the value (an error and its sources, `"outer: inner"`) as the message; on an event, the event's span is marked failed and the value kept as the attribute `error` |
//!
//! A failure from a field has `error.type = "_OTHER"` (semantic conventions v1.41,
//! `error.type`: the value for an unknown type).
//!
//! Filtering is `tracing`'s: install the layer behind a filter (`EnvFilter`, `LevelFilter`, a
//! per-layer `Filtered`), which decides alone; disabled callsites keep `tracing`'s own cost.
//!
//! # Cost
//!
//! A `tracing` span with fields and an event, through this layer, costs the scope and log call
//! of the bundle's implementation (for OpenTelemetry, the SDK span), plus `tracing-subscriber`'s
//! registry (span ids, parent tracking, the enter/exit stack: a floor under every layer), plus
//! the layer's own work: visiting the fields, formatting the message (on the stack up to 128
//! bytes), one boxed extension per span holding its scope, the registry lookups of the span
//! and its parent, and the event's `target` and `code.*` attributes. README's Performance
//! table has the three side by side: this layer, `tracing-opentelemetry` doing the same work,
//! and the registry alone.
//!
//! # From this workspace into `tracing`
//!
//! [`TracingCorrelator`] and [`TracingLogger`] implement the traits on `tracing`: scopes become
//! spans and log calls become events of the installed `tracing` subscriber, so an application
//! keeps its `fmt`, `tracing-opentelemetry` or other layers. [`tracing_telemetry`] bundles them.
//!
//! # Both directions at once
//!
//! Everything the `tracing`-backed implementations emit has the target [`BRIDGE_TARGET`]
//! and this crate's module path, and [`TelemetryLayer`] ignores exactly those spans and
//! events. So there is no loop (a scope made a span made a scope …), and nothing is exported
//! twice: a record leaves through the backend of the side it started on. A trait call made
//! through the `tracing`-backed bundle goes to the `tracing` stack's layers (`fmt`,
//! `tracing-opentelemetry`), not to the layer's bundle; a library's `tracing` event goes to
//! the layer's bundle, and to any other layer in the stack as usual. Scopes nest across both:
//! a library span inside a `tracing`-backed scope is a child of that scope, and the other way.

#![warn(missing_docs)]

mod bridged;
mod entered;
mod fields;
mod layer;
mod log_bridge;
mod tracing_correlator;
mod tracing_logger;

use std::sync::Arc;

use telemetry_core::{LogLevel, NoOpMeter, Telemetry};

pub use bridged::BRIDGE_TARGET;
pub use layer::TelemetryLayer;
pub use log_bridge::init_log_bridge;
pub use tracing_correlator::TracingCorrelator;
pub use tracing_logger::TracingLogger;

/// A bundle that reports through `tracing`: [`TracingLogger`] at `level`, [`TracingCorrelator`],
/// and the NoOp meter (`tracing` has no metrics).
pub fn tracing_telemetry(level: LogLevel) -> Telemetry {
    Telemetry::new(
        Arc::new(TracingLogger::new(level)),
        Arc::new(TracingCorrelator),
        Arc::new(NoOpMeter),
    )
}

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
