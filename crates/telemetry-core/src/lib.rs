//! The core of Agent Telemetry: three small traits an agent engine uses, whatever telemetry it
//! runs with, and their NoOp implementations.
//!
//! ```
//! use telemetry_core::{ContextualCorrelator, CorrelatorExt, Logger, Meter, Telemetry, attrs};
//!
//! let t = Telemetry::noop();
//! let request = t.correlator.enter_scope("POST /v1/sessions", &attrs!["http.request.method" => "POST"]);
//! t.logger.info("session created", &[]);
//! t.meter.record_counter("sessions.created", 1, &[]);
//! assert_eq!(t.correlator.correlation_id(), None); // NoOp carries no ids
//! drop(request);
//! ```
//!
//! - [`ContextualCorrelator`]: nested scopes with a correlation id (the OpenTelemetry trace
//!   id), propagated through `.await` by [`Instrumented`] and across tasks and threads by
//!   [`Context`] snapshots.
//! - [`Logger`]: leveled log calls that carry the current correlation id and scope path.
//! - [`Meter`]: counters, histograms (durations always in seconds) and gauges, by name or
//!   through pre-created handles.
//!
//! - [`propagation`]: W3C Trace Context Level 2 and W3C Baggage over any header carrier;
//!   baggage on scopes ([`Context::set_baggage`], [`Context::baggage`],
//!   [`BaggageAttributes`]); span links ([`ScopeOptions::link`], [`SpanLink`]).
//!
//! Implementations: NoOp here; Basic in `telemetry-basic`; OpenTelemetry in `telemetry-otel`.
//! This crate needs no async runtime and no OpenTelemetry dependency. What only an
//! implementation needs is in [`implement`].
//!
//! # Scopes never fail
//!
//! Opening a scope returns the scope, never an error: telemetry must not change the control
//! flow of the program it observes. Input that cannot be recorded as given (an empty scope
//! name, an invalid instrument name on a by-name call, a NaN measurement) is recorded under a
//! placeholder or dropped, counted in [`diagnostics`], and warned about once.
//!
//! # Who chooses the ids
//!
//! The core does: [`ScopeOptions::resolve`] picks the correlation id (the parent's, a given or
//! remote one, or a fresh random one for a root) and a random span id before any
//! implementation runs. An id must be known that early (a root given an explicit id, a
//! caller's trace continued), the Basic implementation has no SDK to ask, and one choice for
//! every implementation is what makes the correlation id the trace id everywhere. The
//! OpenTelemetry implementation hands these ids to its SDK through the SDK's id generator.
//!
//! # Per-scope data
//!
//! A scope carries the implementation's own state (its [`ScopeExtension`](implement::ScopeExtension),
//! such as the OpenTelemetry span, in the scope's allocation) and a small type map,
//! [`Extensions`], where a layer above the traits keeps its data for the life of the scope.
//! Descendants read both through their [`Context`] ([`Context::extension`],
//! [`Context::find_extension`]), on any thread.

#![warn(missing_docs)]

// Layers, lowest first: ids, attributes, propagation (W3C formats over any carrier), scope
// (context, scopes, options, the correlator trait), logs and metrics (their traits and handles),
// then the bundle (`noop`, `shared`, `telemetry`) and `implement`, which only re-exports. Each
// module imports from the module that defines a name, never through these root re-exports.
#[macro_use] // `attrs!` in the modules below, by textual scope.
mod attributes;
pub mod diagnostics;
mod fxhash;
mod ids;
pub mod implement;
mod logs;
mod metrics;
mod noop;
pub mod propagation;
mod scope;
mod shared;
mod telemetry;

// Scopes and where they are.
pub use ids::{CorrelationId, HexId, InvalidIdError, SpanId};
pub use scope::baggage_attributes::BaggageAttributes;
pub use scope::context::{Context, ContextGuard};
pub use scope::correlator::{ContextualCorrelator, CorrelatorExt};
pub use scope::extensions::Extensions;
pub use scope::guard::{Instrumented, Scope, ScopeGuard};
pub use scope::link::{LinkTarget, SpanLink};
pub use scope::options::ScopeOptions;
pub use scope::path::ScopePath;
pub use scope::scope_extension::ScopeEnd;
pub use scope::span_kind::SpanKind;
pub use scope::with_context::WithContext;

// Attributes.
pub use attributes::attribute::{Attribute, AttributeValue, Key};
pub use attributes::attribute_set::AttributeSet;
pub use attributes::string_value::StringValue;

// Logs.
pub use logs::level::{LogLevel, ParseLevelError};
pub use logs::logger::Logger;

// Metrics.
pub use metrics::handles::{Counter, F64Counter, Gauge, Histogram, HistogramTimer, UpDownCounter};
pub use metrics::instrument::{
    DEFAULT_BUCKETS, DURATION_BUCKETS_SECONDS, InstrumentDescriptor, MetricError,
};
pub use metrics::meter::{MeasureDuration, Meter, MeterExt};

// The bundle, its handles, NoOp.
pub use noop::{NoOpCorrelator, NoOpLogger, NoOpMeter};
pub use shared::{SharedCorrelator, SharedLogger, SharedMeter};
pub use telemetry::{Lifecycle, Telemetry, TelemetryError};

#[doc(hidden)]
pub use telemetry_macros::attrs_impl as __attrs_impl;

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
