//! The `tracing` target of what this crate's `tracing`-backed implementations emit, which the
//! [`TelemetryLayer`](crate::TelemetryLayer) leaves alone so that nothing goes round in a loop.

use tracing_core::Metadata;

/// The `tracing` target of every span and event that [`TracingCorrelator`](crate::TracingCorrelator)
/// and [`TracingLogger`](crate::TracingLogger) emit. Filter on it like any target, e.g.
/// `RUST_LOG=telemetry=debug`.
pub const BRIDGE_TARGET: &str = "telemetry";

/// Whether `meta` describes a span or event emitted by this crate's `tracing`-backed
/// implementations. Callsite metadata is `'static`, so the common case is one pointer and
/// length comparison before the text is compared.
#[inline]
pub(crate) fn is_bridged(meta: &Metadata<'_>) -> bool {
    meta.target() == BRIDGE_TARGET && meta.module_path().is_some_and(is_this_crate)
}

fn is_this_crate(module: &str) -> bool {
    module == "telemetry_tracing" || module.starts_with("telemetry_tracing::")
}
