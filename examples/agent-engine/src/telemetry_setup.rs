//! Choosing the telemetry implementation: Basic (stdout logs, in-memory metrics served at
//! `/metrics`), OpenTelemetry (`--open-telemetry`, configured from `OTEL_*`), or NoOp (tests).

use std::sync::Arc;

use std::io::{IsTerminal as _, Write as _};
use telemetry_basic::{BasicTelemetry, LogFormat};
use telemetry_core::{LogLevel, Telemetry};

use telemetry_recorder::{Recorder, TreePrinter, TreeStyle, render_tree};

use crate::api::PrometheusRender;
use crate::traces::SampledView;

/// What the trace view and the terminal tree say under tail sampling.
pub const TAIL_SAMPLING_NOTE: &str = "tail sampling (agent_tail) is on: only traces the \
    sampler kept are shown (every trace with an error, the slow, expensive and matching ones, \
    and the rest at the configured probability); metrics still count every request";

/// `agent_tail` from the command line: the probability for traces no rule keeps, and the
/// rules and bounds (each overriding its `AGENT_TELEMETRY_TAIL_*` variable).
#[derive(Clone, Debug, Default)]
pub struct TailOptions {
    /// The probability in `[0, 1]` for traces no rule keeps; `Some` turns `agent_tail` on
    /// (as `OTEL_TRACES_SAMPLER=agent_tail` with `OTEL_TRACES_SAMPLER_ARG`), `None` leaves
    /// the sampler to the variables.
    pub probability: Option<f64>,
    /// Rules and bounds.
    pub rules: telemetry_otel::TailSampling,
}

/// A telemetry bundle plus, when metrics are kept in memory, their Prometheus rendering.
#[derive(Clone)]
pub struct ServerTelemetry {
    /// The bundle handed to every part of the server.
    pub telemetry: Telemetry,
    /// Serves `GET /metrics`; `None` answers 404 there.
    pub prometheus: Option<PrometheusRender>,
    /// The OpenTelemetry pipeline, when that is the implementation: its
    /// [`export_failures`](telemetry_otel::OpenTelemetry::export_failures) say what was lost.
    pub otel: Option<telemetry_otel::OpenTelemetry>,
    /// Records the recent traces for the trace view and the terminal tree, when attached
    /// ([`with_recorder`](Self::with_recorder)).
    pub recorder: Option<Recorder>,
}

impl std::fmt::Debug for ServerTelemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTelemetry")
            .field("telemetry", &self.telemetry)
            .field("prometheus", &self.prometheus.is_some())
            .field("otel", &self.otel.is_some())
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
            otel: None,
            recorder: None,
        }
    }

    /// Basic telemetry: `format` log lines at `level` and above to stdout, each with its
    /// correlation id and scope path; metrics in memory, rendered at `/metrics` followed by
    /// what telemetry lost (see [`loss_metrics`]).
    pub fn basic(format: LogFormat, level: LogLevel) -> Self {
        Self::from_basic(BasicTelemetry::stdout(format, level))
    }

    /// Wraps an already built [`BasicTelemetry`] (tests use it to read metrics back):
    /// `/metrics` renders its meter followed by what its logger lost (see [`loss_metrics`]).
    pub fn from_basic(basic: BasicTelemetry) -> Self {
        let (meter, logger) = (basic.meter, basic.logger);
        Self {
            telemetry: basic.telemetry,
            prometheus: Some(Arc::new(move || {
                let mut text = meter.render_prometheus();
                text.push_str(&loss_metrics(logger.dropped_lines()));
                text
            })),
            otel: None,
            recorder: None,
        }
    }

    /// Attaches `recorder` to the bundle's correlator and logger (Basic or OpenTelemetry,
    /// whatever the exporter): every scope and log call from here on is also recorded. With
    /// `print_tree`, each trace is printed to stdout as an indented tree when its root ends.
    /// Attach before handing the bundle to anything else.
    ///
    /// Under `agent_tail` tail sampling the recorder keeps only kept traces: a trace the
    /// sampler dropped is forgotten when its root ends, the tree is printed only for kept
    /// traces, and a first line on stdout says so ([`TAIL_SAMPLING_NOTE`]).
    pub fn with_recorder(mut self, recorder: Recorder, print_tree: bool) -> Self {
        self.telemetry = recorder.attach(&self.telemetry);
        match self.otel.clone().filter(|o| o.tail_sampling().is_some()) {
            Some(otel) => {
                let style = TreeStyle {
                    color: std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
                    mask_timings: false,
                };
                if print_tree {
                    println!("trace tree: {TAIL_SAMPLING_NOTE}");
                }
                let held = recorder.clone();
                // Runs after the root's span ended, so after the sampler decided: a trace is
                // decided when its local root has ended and nothing of it is still open.
                recorder.on_root_end(move |trace| match otel.tail_decision(trace.trace_id) {
                    Some(false) => held.forget(trace.trace_id),
                    Some(true) if print_tree => {
                        let text = render_tree(trace, style);
                        let _ = std::io::stdout().write_all(text.as_bytes());
                    }
                    // Not decided yet (another local root of the trace is still open): the
                    // last root's end shows it.
                    _ => {}
                });
            }
            None if print_tree => TreePrinter::stdout(&recorder),
            None => {}
        }
        self.recorder = Some(recorder);
        self
    }

    /// Any bundle, without `/metrics`.
    pub fn from_telemetry(telemetry: Telemetry) -> Self {
        Self {
            telemetry,
            prometheus: None,
            otel: None,
            recorder: None,
        }
    }
}

/// The OpenTelemetry implementation configured from `OTEL_*` (default service name
/// `service_name`), recording log calls at `level` and above, with its own loss counts
/// exported as `otel.sdk.*` metrics unless `AGENT_TELEMETRY_SELF_OBSERVABILITY=false`.
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
    open_telemetry_with(service_name, level, None, None)
}

/// [`open_telemetry`], keeping undelivered batches on disk in `spool` when given (wins over
/// `AGENT_TELEMETRY_SPOOL_DIR`; see `telemetry_otel::OpenTelemetryBuilder::with_spool_dir`),
/// and with `agent_tail` tail sampling when `tail` is given (which wins over
/// `OTEL_TRACES_SAMPLER`; without it the variables still apply).
///
/// # Errors
/// [`telemetry_otel::ConfigError`] naming the invalid variable or setting.
pub fn open_telemetry_with(
    service_name: &str,
    level: LogLevel,
    spool: Option<&std::path::Path>,
    tail: Option<TailOptions>,
) -> Result<ServerTelemetry, telemetry_otel::ConfigError> {
    let mut builder = telemetry_otel::OpenTelemetry::builder(service_name).with_level(Some(level));
    if let Some(dir) = spool {
        builder = builder.with_spool_dir(dir);
    }
    if let Some(tail) = tail {
        if let Some(p) = tail.probability {
            builder = builder.with_sampler(telemetry_otel::SamplerConfig::AgentTail(p));
        }
        builder = builder.with_tail_sampling(tail.rules);
    }
    // The engine exports its telemetry losses as metrics unless the variable says otherwise.
    if std::env::var_os(telemetry_otel::SELF_OBSERVABILITY).is_none() {
        builder = builder.with_self_observability(true);
    }
    let otel = builder.build()?;
    Ok(ServerTelemetry::from_otel(&otel))
}

/// Logs the resource an OpenTelemetry pipeline would export (`service.name` from
/// `service_name` or `OTEL_SERVICE_NAME`, `service.instance.id`, host, OS and process
/// attributes, `OTEL_RESOURCE_ATTRIBUTES`) as one `resource` line, so Basic telemetry shows
/// which instance and host wrote the log.
///
/// # Errors
/// [`telemetry_otel::ConfigError`] for an invalid `OTEL_RESOURCE_ATTRIBUTES`.
pub fn log_resource(
    telemetry: &ServerTelemetry,
    service_name: &str,
) -> Result<(), telemetry_otel::ConfigError> {
    let resource = telemetry_otel::OpenTelemetry::builder(service_name).resource_attributes()?;
    telemetry_basic::log_resource(&telemetry.telemetry.logger, &resource);
    Ok(())
}

impl ServerTelemetry {
    /// Wraps an [`OpenTelemetry`](telemetry_otel::OpenTelemetry) pipeline (lifecycle
    /// included, so `telemetry.shutdown(..)` flushes it); `/metrics` answers 404, metrics go
    /// over OTLP.
    pub fn from_otel(otel: &telemetry_otel::OpenTelemetry) -> Self {
        Self {
            otel: Some(otel.clone()),
            recorder: None,
            ..Self::from_telemetry(otel.telemetry())
        }
    }

    /// What the trace view shows under `agent_tail` tail sampling: only kept traces, with
    /// [`TAIL_SAMPLING_NOTE`]; `None` without tail sampling.
    pub fn sampled_view(&self) -> Option<SampledView> {
        let otel = self.otel.clone().filter(|o| o.tail_sampling().is_some())?;
        Some(SampledView {
            note: TAIL_SAMPLING_NOTE.to_owned(),
            kept: Arc::new(move |id| otel.tail_decision(id) == Some(true)),
        })
    }

    /// One line saying what telemetry lost, for the end of a run: the OpenTelemetry
    /// pipeline's [`ExportFailures`](telemetry_otel::ExportFailures), or the measurements
    /// dropped process-wide with the other implementations.
    pub fn loss_summary(&self) -> String {
        match &self.otel {
            Some(otel) => {
                let f = otel.export_failures();
                let mut line = format!(
                    "telemetry lost: spans {} in {} failed exports + {} not exported (queue \
                     full or never ended); log records {} failed + {} not exported; metric \
                     exports {} failed",
                    f.traces.failed_items,
                    f.traces.failed_exports,
                    f.traces.not_exported,
                    f.logs.failed_items,
                    f.logs.not_exported,
                    f.metrics.failed_exports
                );
                // What rode out an outage, and what waits on disk for the next start.
                let late = [f.traces, f.logs, f.metrics].map(|s| s.delivered_late);
                line.push_str(&format!(
                    "; delivered late: spans {}, log records {}, metric exports {}",
                    late[0], late[1], late[2]
                ));
                let spooled = [f.traces, f.logs, f.metrics].map(|s| s.spooled_items);
                if spooled.iter().any(|n| *n > 0) {
                    line.push_str(&format!(
                        "; left in the spool for the next start: spans {}, log records {}, \
                         metric exports {}",
                        spooled[0], spooled[1], spooled[2]
                    ));
                }
                let replayed = [f.traces, f.logs, f.metrics].map(|s| s.replayed_items);
                if replayed.iter().any(|n| *n > 0) {
                    line.push_str(&format!(
                        "; delivered from an earlier run's spool: spans {}, log records {}, \
                         metric exports {}",
                        replayed[0], replayed[1], replayed[2]
                    ));
                }
                // A signal the backend does not accept (e.g. logs on a traces-only backend).
                let signals = [
                    ("spans", f.traces),
                    ("log records", f.logs),
                    ("metric exports", f.metrics),
                ];
                for (signal, s) in signals {
                    if s.refused_by_backend {
                        line.push_str(&format!(
                            "; {signal} {} not sent (the backend does not accept them)",
                            s.refused_items
                        ));
                    }
                }
                line
            }
            None => format!(
                "telemetry lost: {} measurements with an invalid name, {} non-finite",
                telemetry_core::diagnostics::invalid_metric_names(),
                telemetry_core::diagnostics::non_finite_measurements()
            ),
        }
    }
}

/// What telemetry lost, in the Prometheus text format, appended to Basic telemetry's
/// `/metrics`: log lines the writer could not write (`log_lines`), and measurements dropped
/// process-wide for an invalid instrument name or a NaN/infinite value.
pub fn loss_metrics(log_lines: u64) -> String {
    format!(
        "# HELP agent_telemetry_log_lines_dropped_total Log lines the writer could not write.\n\
         # TYPE agent_telemetry_log_lines_dropped_total counter\n\
         agent_telemetry_log_lines_dropped_total {log_lines}\n\
         # HELP agent_telemetry_measurements_dropped_total Measurements dropped: invalid \
         instrument name or a NaN/infinite value.\n\
         # TYPE agent_telemetry_measurements_dropped_total counter\n\
         agent_telemetry_measurements_dropped_total{{reason=\"invalid_name\"}} {}\n\
         agent_telemetry_measurements_dropped_total{{reason=\"non_finite\"}} {}\n",
        telemetry_core::diagnostics::invalid_metric_names(),
        telemetry_core::diagnostics::non_finite_measurements()
    )
}
