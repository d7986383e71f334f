//! Counters of input that telemetry recorded differently or dropped instead of failing, with a
//! one-time warning each: telemetry never changes the control flow of the program it observes.
//!
//! | input | where | what happens |
//! | --- | --- | --- |
//! | empty or blank scope name | `open_scope`, `enter_scope`, `scoped`, `in_scope` (every correlator, NoOp too) | the scope opens as usual, named [`UNNAMED_SCOPE`]; [`unnamed_scopes`] counts it |
//! | invalid instrument name | `Meter::record_counter` / `record_histogram` / `record_duration` (by name) | the measurement is dropped, [`invalid_metric_names`] counts it |
//! | NaN or ±∞ measurement | every histogram, gauge and up-down counter record | the measurement is dropped, [`non_finite_measurements`] counts it |
//!
//! Creating an instrument handle with an invalid name, parsing an invalid correlation id and
//! an invalid level string are returned as errors instead: they happen at start-up, where the
//! caller can act on them. The first occurrence of each kind above prints one warning to
//! stderr: telemetry must not use the logger it may be failing to serve.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The name a scope opened with an empty or blank name gets.
pub const UNNAMED_SCOPE: &str = "unnamed_scope";

static UNNAMED_SCOPES: AtomicU64 = AtomicU64::new(0);
static INVALID_METRIC_NAMES: AtomicU64 = AtomicU64::new(0);
static NON_FINITE: AtomicU64 = AtomicU64::new(0);
static WARNED_SCOPE: AtomicBool = AtomicBool::new(false);
static WARNED_NAME: AtomicBool = AtomicBool::new(false);
static WARNED_NON_FINITE: AtomicBool = AtomicBool::new(false);

/// How many scopes were opened with an empty or blank name (and named [`UNNAMED_SCOPE`]),
/// process-wide.
pub fn unnamed_scopes() -> u64 {
    UNNAMED_SCOPES.load(Ordering::Relaxed)
}

/// How many by-name measurements were dropped for an invalid instrument name, process-wide.
pub fn invalid_metric_names() -> u64 {
    INVALID_METRIC_NAMES.load(Ordering::Relaxed)
}

/// How many NaN or infinite measurements were dropped, process-wide.
pub fn non_finite_measurements() -> u64 {
    NON_FINITE.load(Ordering::Relaxed)
}

/// Counts a scope opened with the empty or blank `name`, warns once, and returns the name it
/// opens under.
#[cold]
#[inline(never)]
pub(crate) fn unnamed_scope(name: &str) -> Cow<'static, str> {
    UNNAMED_SCOPES.fetch_add(1, Ordering::Relaxed);
    if !WARNED_SCOPE.swap(true, Ordering::Relaxed) {
        eprintln!(
            "agent-telemetry: scope name {name:?} is empty or blank; opening it as \
             {UNNAMED_SCOPE:?} (warned once; see telemetry_core::diagnostics::unnamed_scopes)"
        );
    }
    Cow::Borrowed(UNNAMED_SCOPE)
}

/// Counts a measurement dropped for its invalid instrument name; warns once.
#[cold]
pub(crate) fn drop_invalid_metric_name(error: &dyn std::fmt::Display) {
    INVALID_METRIC_NAMES.fetch_add(1, Ordering::Relaxed);
    if !WARNED_NAME.swap(true, Ordering::Relaxed) {
        eprintln!(
            "agent-telemetry: dropping measurement: {error} (warned once; see \
             telemetry_core::diagnostics::invalid_metric_names)"
        );
    }
}

/// Counts a dropped NaN or infinite measurement; warns once.
#[cold]
pub(crate) fn drop_non_finite(instrument: &str, value: f64) {
    NON_FINITE.fetch_add(1, Ordering::Relaxed);
    if !WARNED_NON_FINITE.swap(true, Ordering::Relaxed) {
        eprintln!(
            "agent-telemetry: dropping non-finite measurement {value} for instrument \
             {instrument:?} (warned once; see telemetry_core::diagnostics::non_finite_measurements)"
        );
    }
}
