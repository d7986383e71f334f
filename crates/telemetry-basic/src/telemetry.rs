//! [`BasicTelemetry`]: the Basic parts wired into a [`Telemetry`] bundle.

use std::sync::Arc;

use telemetry_core::{ContextualCorrelator, LogLevel, Telemetry};

use crate::correlator::BasicContextualCorrelator;
use crate::logs::format::LogFormat;
use crate::logs::stdout::StdoutLogger;
use crate::metrics::meter::BasicMeter;

/// A [`Telemetry`] bundle of Basic parts, plus the concrete [`BasicMeter`] for snapshots and
/// Prometheus rendering and the concrete [`StdoutLogger`] for its
/// [`dropped_lines`](StdoutLogger::dropped_lines) (`telemetry.meter` and `telemetry.logger` are
/// the same objects behind `Arc<dyn _>`).
///
/// ```
/// use telemetry_core::{CorrelatorExt, LogLevel, Meter};
/// use telemetry_basic::{BasicTelemetry, LogFormat};
///
/// let basic = BasicTelemetry::stdout(LogFormat::Text, LogLevel::Warning);
/// let t = basic.telemetry.clone();
/// let _request = t.correlator.enter_scope("POST /v1/sessions", &[]);
/// t.logger.info("below the level: not printed", &[]);
/// t.meter.record_counter("sessions.created", 1, &[]);
/// assert_eq!(basic.meter.snapshot().counter("sessions.created", &[]), Some(1));
/// ```
#[derive(Clone, Debug)]
pub struct BasicTelemetry {
    /// The bundle to hand to the application.
    pub telemetry: Telemetry,
    /// The meter inside `telemetry`, concretely typed.
    pub meter: Arc<BasicMeter>,
    /// The logger inside `telemetry`, concretely typed.
    pub logger: Arc<StdoutLogger>,
}

impl BasicTelemetry {
    /// A [`BasicContextualCorrelator`], a [`StdoutLogger`] bound to it (writing `format` at
    /// `level` to stdout, colours on a terminal) and a fresh [`BasicMeter`]. The logger is
    /// registered for [`Telemetry::force_flush`] and [`Telemetry::shutdown`].
    pub fn stdout(format: LogFormat, level: LogLevel) -> Self {
        let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
        let logger = Arc::new(
            StdoutLogger::new(correlator.clone())
                .format(format)
                .level(level),
        );
        let meter = Arc::new(BasicMeter::new());
        let telemetry = Telemetry::new(logger.clone(), correlator, meter.clone())
            .with_lifecycle(logger.clone());
        Self {
            telemetry,
            meter,
            logger,
        }
    }
}
