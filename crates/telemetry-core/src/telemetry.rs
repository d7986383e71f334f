//! The [`Telemetry`] bundle and the lifecycle of what it holds.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::logs::logger::Logger;
use crate::metrics::meter::Meter;
use crate::scope::correlator::ContextualCorrelator;
use crate::shared::SharedCorrelator;
use crate::shared::SharedLogger;
use crate::shared::SharedMeter;

/// A failure to flush or shut down telemetry.
#[derive(Debug)]
pub struct TelemetryError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TelemetryError {
    /// An error with a message that names what failed and why.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

impl fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(s) = &self.source {
            write!(f, ": {s}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TelemetryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// Flushing and shutting down, for implementations that buffer or export.
///
/// These really wait (for a file, a collector), so they are async, and implementations must
/// not block the calling executor thread: run blocking work on a dedicated thread.
#[async_trait::async_trait]
pub trait Lifecycle: Send + Sync {
    /// Writes or exports everything buffered, waiting at most `timeout`.
    ///
    /// # Errors
    /// [`TelemetryError`] when something could not be flushed in time.
    async fn force_flush(&self, timeout: Duration) -> Result<(), TelemetryError>;

    /// Flushes, then releases resources, waiting at most `timeout`. Idempotent: later calls
    /// return `Ok(())` at once.
    ///
    /// # Errors
    /// [`TelemetryError`] when the flush or shutdown did not finish in time.
    async fn shutdown(&self, timeout: Duration) -> Result<(), TelemetryError>;
}

/// The three facilities an application uses, chosen once at start-up.
///
/// Each is held as a shared handle ([`SharedLogger`], [`SharedCorrelator`], [`SharedMeter`]):
/// an `Arc<dyn Trait>`, or nothing at all for NoOp, so switched-off telemetry costs an inlined
/// branch per call rather than a virtual call. Cloning copies four `Arc`s and allocates
/// nothing. A server builds one and hands clones to its handlers:
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use telemetry_core::{CorrelatorExt, Logger, MeterExt, Telemetry, attrs};
///
/// # futures::executor::block_on(async {
/// // At start-up: NoOp in tests; Basic or OpenTelemetry from their crates in production,
/// // e.g. `if args.open_telemetry { otel_telemetry()? } else { basic_telemetry() }`.
/// let telemetry = Telemetry::noop();
///
/// // Per request.
/// let t = telemetry.clone();
/// let handled = telemetry.correlator.scoped("POST /v1/sessions", &attrs!["http.request.method" => "POST"], async move {
///     t.logger.info("session created", &attrs!["agent" => "planner"]);
///     t.meter.measure_duration("work.duration", &[], async { 200 }).await
/// }).await;
/// assert_eq!(handled, 200);
///
/// // At exit: flush within a bounded time.
/// telemetry.shutdown(Duration::from_secs(5)).await?;
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
#[derive(Clone)]
pub struct Telemetry {
    /// Leveled logs carrying the current correlation id.
    pub logger: SharedLogger,
    /// Nested scopes.
    pub correlator: SharedCorrelator,
    /// Counters, histograms, gauges.
    pub meter: SharedMeter,
    // Shared, not a `Vec`: handlers clone the bundle per request, and a `Vec` clone allocates.
    lifecycle: Arc<[Arc<dyn Lifecycle>]>,
}

impl Telemetry {
    /// Telemetry switched off: every call does nothing and allocates nothing.
    pub fn noop() -> Self {
        Self {
            logger: SharedLogger::noop(),
            correlator: SharedCorrelator::noop(),
            meter: SharedMeter::noop(),
            lifecycle: Arc::new([]),
        }
    }

    /// A bundle of the given parts, with nothing to flush. Parts that report `is_noop` are
    /// held as NoOp handles.
    pub fn new(
        logger: Arc<dyn Logger>,
        correlator: Arc<dyn ContextualCorrelator>,
        meter: Arc<dyn Meter>,
    ) -> Self {
        Self {
            logger: logger.into(),
            correlator: correlator.into(),
            meter: meter.into(),
            lifecycle: Arc::new([]),
        }
    }

    /// Adds a part to flush and shut down with the bundle (in the order added).
    pub fn with_lifecycle(mut self, part: Arc<dyn Lifecycle>) -> Self {
        let mut parts = self.lifecycle.to_vec();
        parts.push(part);
        self.lifecycle = parts.into();
        self
    }

    /// Flushes every part, waiting at most `timeout` for each.
    ///
    /// # Errors
    /// The first part's error; later parts are still flushed.
    pub async fn force_flush(&self, timeout: Duration) -> Result<(), TelemetryError> {
        let mut first = Ok(());
        for part in self.lifecycle.iter() {
            let r = part.force_flush(timeout).await;
            if first.is_ok() {
                first = r;
            }
        }
        first
    }

    /// Shuts every part down, waiting at most `timeout` for each. Idempotent.
    ///
    /// # Errors
    /// The first part's error; later parts are still shut down.
    pub async fn shutdown(&self, timeout: Duration) -> Result<(), TelemetryError> {
        let mut first = Ok(());
        for part in self.lifecycle.iter() {
            let r = part.shutdown(timeout).await;
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}

impl fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telemetry")
            .field("lifecycle_parts", &self.lifecycle.len())
            .finish_non_exhaustive()
    }
}
