//! Choosing the telemetry implementation: Basic (stdout logs, in-memory metrics served at
//! `/metrics`), OpenTelemetry (`--open-telemetry`, configured from `OTEL_*`), or NoOp (tests).

use std::sync::Arc;

use telemetry_basic::{BasicTelemetry, LogFormat};
use telemetry_core::{LogLevel, Telemetry};
use telemetry_recorder::{Recorder, TreePrinter};

use crate::api::PrometheusRender;

/// A telemetry bundle plus, when metrics are kept in memory, their Prometheus rendering.
#[derive(Clone)]
pub struct ServerTelemetry {
    /// The bundle handed to every part of the server.
    pub telemetry: Telemetry,
    /// Serves `GET /metrics`; `None` answers 404 there.
    pub prometheus: Option<PrometheusRender>,
    /// Records the recent traces for the trace view and the terminal tree, when attached
    /// ([`with_recorder`](Self::with_recorder)).
    pub recorder: Option<Recorder>,
}

impl std::fmt::Debug for ServerTelemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTelemetry")
            .field("telemetry", &self.telemetry)
            .field("prometheus", &self.prometheus.is_some())
            .field("recorder", &self.recorder)
            .finish()
    }
}

impl ServerTelemetry {
    /// NoOp telemetry: records nothing; `/metrics` answers 404.
    pub fn noop() -> Self {
        Self {
            telemetry: Telemetry::noop(),
            prometheus: None,
            recorder: None,
        }
    }

    /// Basic telemetry: `format` log lines at `level` and above to stdout, each with its
    /// correlation id and scope path; metrics in memory, rendered at `/metrics`.
    pub fn basic(format: LogFormat, level: LogLevel) -> Self {
        Self::from_basic(BasicTelemetry::stdout(format, level))
    }

    /// Wraps an already built [`BasicTelemetry`] (tests use it to read metrics back).
    pub fn from_basic(basic: BasicTelemetry) -> Self {
        let meter = basic.meter.clone();
        Self {
            telemetry: basic.telemetry,
            prometheus: Some(Arc::new(move || meter.render_prometheus())),
            recorder: None,
        }
    }

    /// Attaches `recorder` to the bundle's correlator and logger (Basic or OpenTelemetry,
    /// whatever the exporter): every scope and log call from here on is also recorded. With
    /// `print_tree`, each trace is printed to stdout as an indented tree when its root ends.
    /// Attach before handing the bundle to anything else.
    pub fn with_recorder(mut self, recorder: Recorder, print_tree: bool) -> Self {
        self.telemetry = recorder.attach(&self.telemetry);
        if print_tree {
            TreePrinter::stdout(&recorder);
        }
        self.recorder = Some(recorder);
        self
    }

    /// Any bundle, without `/metrics`.
    pub fn from_telemetry(telemetry: Telemetry) -> Self {
        Self {
            telemetry,
            prometheus: None,
            recorder: None,
        }
    }
}

/// The OpenTelemetry implementation configured from `OTEL_*` (default service name
/// `service_name`), recording log calls at `level` and above.
///
/// Must be called inside a tokio runtime when the protocol is gRPC (the exporter's channel
/// needs one). The returned bundle's `shutdown` flushes every signal.
///
/// # Errors
/// [`telemetry_otel::ConfigError`] naming the invalid variable, its value and what is accepted.
pub fn open_telemetry(
    service_name: &str,
    level: LogLevel,
) -> Result<ServerTelemetry, telemetry_otel::ConfigError> {
    let otel = telemetry_otel::OpenTelemetry::builder(service_name)
        .with_level(Some(level))
        .build()?;
    Ok(ServerTelemetry::from_otel(&otel))
}

impl ServerTelemetry {
    /// Wraps an [`OpenTelemetry`](telemetry_otel::OpenTelemetry) pipeline (lifecycle
    /// included, so `telemetry.shutdown(..)` flushes it); `/metrics` answers 404, metrics go
    /// over OTLP.
    pub fn from_otel(otel: &telemetry_otel::OpenTelemetry) -> Self {
        Self::from_telemetry(otel.telemetry())
    }
}
