//! A bounded in-memory span recorder for local use: the most recent traces of any Agent
//! Telemetry implementation, to print as a tree on a terminal or to serve to a trace view.
//!
//! ```
//! use telemetry_basic::{BasicTelemetry, LogFormat};
//! use telemetry_core::{CorrelatorExt, LogLevel};
//! use telemetry_recorder::{Recorder, RecorderConfig, TreeStyle, render_tree};
//!
//! let recorder = Recorder::new(RecorderConfig::default().max_traces(100));
//! let t = recorder.attach(&BasicTelemetry::stdout(LogFormat::Text, LogLevel::Warning).telemetry);
//! {
//!     let _request = t.correlator.enter_scope("POST /v1/sessions", &[]);
//!     t.correlator.in_scope("execute_tool clock", &[], || t.logger.warning("slow clock", &[]));
//! }
//! let trace = &recorder.traces()[0];
//! assert_eq!(trace.spans.len(), 2);
//! let tree = render_tree(trace, TreeStyle { color: false, mask_timings: true });
//! assert_eq!(tree, "POST /v1/sessions … ok\n└─ execute_tool clock … ok\n     · WARN slow clock\n");
//! ```
//!
//! - [`Recorder::attach`] wraps a [`Telemetry`](telemetry_core::Telemetry) bundle's correlator
//!   and logger: every scope is recorded when it ends, every enabled log call becomes an event
//!   of the current span. It works the same over Basic and OpenTelemetry (whatever the
//!   exporter, or none): the wrapper hands each scope a
//!   [`ScopeObserver`](telemetry_core::implement::ScopeObserver) through
//!   [`ScopeOptions::observe`](telemetry_core::ScopeOptions::observe), whose hooks run next to
//!   the implementation's own. Scopes opened without the wrapper cost nothing more.
//! - Bounded by trace count and bytes ([`RecorderConfig`], defaults 500 traces and 16 MiB),
//!   oldest trace first; evictions and drops are counted ([`RecorderStats`]).
//! - [`SpanTree`] rebuilds the tree (late children, missing parents), [`render_tree`] prints
//!   it, [`TreePrinter`] prints each trace when its root ends (opt-in, [`TRACE_TREE_ENV`]),
//!   and [`json`] renders summaries and whole traces for an HTTP API.
//!
//! A crate of its own rather than part of `telemetry-basic`: it records the OpenTelemetry
//! implementation's scopes too, and Basic stays free of trace storage.

#![warn(missing_docs)]

pub mod json;
mod model;
mod print;
mod recorder;
mod store;
mod tree;

pub use model::{
    COST_ATTRIBUTE, EVALUATION_EVENT, RecordedEvent, RecordedSpan, RecordedTrace, SpanStatus,
    TraceSummary,
};
pub use print::{TRACE_TREE_ENV, TreePrinter, trace_tree_from_env};
pub use recorder::Recorder;
pub use store::{DEFAULT_MAX_BYTES, DEFAULT_MAX_TRACES, RecorderConfig, RecorderStats};
pub use tree::{
    SpanNode, SpanTree, TreeStyle, format_duration, format_usd, genai_summary, render_tree,
};

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
