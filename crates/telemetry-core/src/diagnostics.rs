//! Counters of input that hot paths dropped instead of failing, with a one-time warning each.
//!
//! Which inputs are dropped here rather than returned as errors:
//!
//! | input | where | what happens |
//! | --- | --- | --- |
//! | invalid instrument name | `Meter::record_counter` / `record_histogram` / `record_duration` (by name) | the measurement is dropped, [`invalid_metric_names`] counts it |
//! | NaN or ±∞ measurement | every histogram, gauge and up-down counter record | the measurement is dropped, [`non_finite_measurements`] counts it |
//!
//! Creating an instrument handle with an invalid name, an invalid correlation id, an empty scope
//! name and an invalid level string are returned as errors instead, because the caller can act
//! on them. The first drop of each kind prints one warning to stderr: telemetry must not use
//! the logger it may be failing to serve.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static INVALID_METRIC_NAMES: AtomicU64 = AtomicU64::new(0);
static NON_FINITE: AtomicU64 = AtomicU64::new(0);
static WARNED_NAME: AtomicBool = AtomicBool::new(false);
static WARNED_NON_FINITE: AtomicBool = AtomicBool::new(false);

/// How many by-name measurements were dropped for an invalid instrument name, process-wide.
pub fn invalid_metric_names() -> u64 {
    INVALID_METRIC_NAMES.load(Ordering::Relaxed)
}

/// How many NaN or infinite measurements were dropped, process-wide.
pub fn non_finite_measurements() -> u64 {
    NON_FINITE.load(Ordering::Relaxed)
}

/// Counts a measurement dropped for its invalid instrument name; warns once.
#[cold]
pub fn drop_invalid_metric_name(error: &crate::MetricError) {
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
pub fn drop_non_finite(instrument: &str, value: f64) {
    NON_FINITE.fetch_add(1, Ordering::Relaxed);
    if !WARNED_NON_FINITE.swap(true, Ordering::Relaxed) {
        eprintln!(
            "agent-telemetry: dropping non-finite measurement {value} for instrument \
             {instrument:?} (warned once; see telemetry_core::diagnostics::non_finite_measurements)"
        );
    }
}
