//! The core of Agent Telemetry: three small traits an agent engine uses, whatever telemetry it
//! runs with, and their NoOp implementations.
//!
//! ```
//! use telemetry_core::{ContextualCorrelator, CorrelatorExt, Logger, Meter, Telemetry, attrs};
//!
//! let t = Telemetry::noop();
//! let request = t.correlator.enter_scope("POST /v1/sessions", &attrs!["http.request.method" => "POST"])?;
//! t.logger.info("session created", &[]);
//! t.meter.record_counter("sessions.created", 1, &[]);
//! assert_eq!(t.correlator.correlation_id(), None); // NoOp carries no ids
//! drop(request);
//! # Ok::<(), telemetry_core::ScopeError>(())
//! ```
//!
//! - [`ContextualCorrelator`]: nested scopes with a correlation id (the OpenTelemetry trace
//!   id), propagated through `.await` by [`Instrumented`] and across tasks and threads by
//!   [`Context`] snapshots.
//! - [`Logger`]: leveled log calls that carry the current correlation id and scope path.
//! - [`Meter`]: counters, histograms (durations always in seconds) and gauges, by name or
//!   through pre-created handles.
//!
//! Implementations: NoOp here; Basic in `telemetry-basic`; OpenTelemetry in `telemetry-otel`.
//! This crate needs no async runtime and no OpenTelemetry dependency.

#![warn(missing_docs)]

mod attribute;
mod context;
mod correlator;
pub mod diagnostics;
mod ids;
mod level;
mod logger;
mod meter;
mod noop;
pub mod propagation;
mod scope;
mod shared;
mod telemetry;

pub use attribute::{Attribute, AttributeValue, Attributes, Key, StringValue};
pub use context::{Context, ContextGuard, ScopePath, WithContext};
pub use correlator::{ContextualCorrelator, CorrelatorExt};
pub use ids::{CorrelationId, InvalidIdError, SpanId};
pub use level::{LevelFilter, LogLevel, ParseLevelError};
pub use logger::{EVENT_BODY_ATTRIBUTE, LogRecord, Logger};
pub use meter::{
    Counter, CounterFn, DEFAULT_BUCKETS, DURATION_BUCKETS_SECONDS, Gauge, GaugeFn, Histogram,
    HistogramFn, HistogramTimer, InstrumentDescriptor, MeasureDuration, Meter, MeterExt,
    MetricError, UpDownCounter, UpDownCounterFn, validate_instrument_name,
};
pub use noop::{NoOpCorrelator, NoOpLogger, NoOpMeter};
pub use propagation::RemoteParent;
pub use scope::{
    Instrumented, ResolvedScope, Scope, ScopeEnd, ScopeError, ScopeExtension, ScopeGuard,
    ScopeOptions, SpanKind,
};
pub use shared::{SharedCorrelator, SharedLogger, SharedMeter};
pub use telemetry::{Lifecycle, Telemetry, TelemetryError};
#[doc(hidden)]
pub use telemetry_macros::attrs_impl as __attrs_impl;
