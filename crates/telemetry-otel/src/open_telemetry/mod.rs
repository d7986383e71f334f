//! The [`OpenTelemetry`] value: the state that the correlator, logger, meter and lifecycle
//! implementations share, and starting it from a resolved configuration.

pub(crate) mod builder;
mod correlator;
mod lifecycle;
mod logger;
mod meter;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::InstrumentationScope;
use opentelemetry::logs::LoggerProvider as _;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::logs::SdkLogger;
use opentelemetry_sdk::trace::SdkTracer;
use parking_lot::Mutex;
use telemetry_core::implement::{InstrumentsByName, LevelFilter};
use telemetry_core::{Attribute, CorrelationId, Telemetry};

use crate::config::error::ConfigError;
use crate::config::propagators::Propagators;
use crate::config::resolved::Resolved;
use crate::drops::Backlog;
use crate::export::pipeline::{self, ExtraSpanProcessor, Providers};
use crate::export::tail::TailHandle;
use crate::export::tail::counts::TailSamplingCounts;
use crate::failures::{ExportFailures, Stats};
use crate::mapping::instruments::Instruments;
use crate::signal::Signal;

/// The OpenTelemetry implementation of [`Logger`](telemetry_core::Logger),
/// [`ContextualCorrelator`](telemetry_core::ContextualCorrelator),
/// [`Meter`](telemetry_core::Meter) and [`Lifecycle`](telemetry_core::Lifecycle), over one SDK
/// pipeline. Cloning is one `Arc` increment.
///
/// See the [crate documentation](crate) for the mapping, the configuration and what to call
/// at exit.
#[derive(Clone)]
pub struct OpenTelemetry {
    pub(crate) inner: Arc<Inner>,
}

/// What every clone shares. `providers` is `None` once shut down; the tracer, logger and
/// instruments are `None` for a signal without exporters.
pub(crate) struct Inner {
    pub(crate) disabled: bool,
    pub(crate) tracer: Option<SdkTracer>,
    pub(crate) logger: Option<SdkLogger>,
    pub(crate) instruments: Option<Instruments>,
    pub(crate) by_name: InstrumentsByName,
    pub(crate) providers: Mutex<Option<Providers>>,
    pub(crate) level: LevelFilter,
    pub(crate) stats: Arc<Stats>,
    pub(crate) propagators: Propagators,
    pub(crate) event_limit: u32,
    pub(crate) drop_timeout: Duration,
    pub(crate) shut_down: AtomicBool,
    /// Whether a span is dropped whenever its local parent was (the `parentbased_*`
    /// samplers), or always (`always_off`): such a span's attributes are not converted.
    pub(crate) follows_parent: bool,
    pub(crate) drops_all: bool,
    /// The resource every signal is exported with, sorted by key.
    pub(crate) resource: Vec<Attribute>,
    /// The tail sampler's decisions, under `agent_tail`.
    pub(crate) tail: Option<TailHandle>,
}

impl fmt::Debug for OpenTelemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenTelemetry")
            .field("disabled", &self.inner.disabled)
            .field("traces", &self.inner.tracer.is_some())
            .field("logs", &self.inner.logger.is_some())
            .field("metrics", &self.inner.instruments.is_some())
            .finish_non_exhaustive()
    }
}

const SCOPE_NAME: &str = "telemetry-otel";

impl OpenTelemetry {
    /// Starts the pipeline `cfg` describes, with the span exporters and processors given in
    /// code. The exporters are built on a dedicated thread, never on the caller's (which may
    /// be a tokio worker).
    pub(crate) fn start(
        cfg: Resolved,
        extras: Vec<ExtraSpanProcessor>,
    ) -> Result<Self, ConfigError> {
        let stats = Arc::new(Stats::default());
        let mut inner = Inner {
            disabled: cfg.disabled,
            tracer: None,
            logger: None,
            instruments: None,
            by_name: InstrumentsByName::new(),
            providers: Mutex::new(None),
            level: LevelFilter::off(),
            stats: stats.clone(),
            propagators: cfg.propagators,
            event_limit: cfg.span_limits.events,
            drop_timeout: cfg.drop_timeout,
            shut_down: AtomicBool::new(false),
            drops_all: cfg.sampler.drops_all(),
            follows_parent: cfg.sampler.follows_parent(),
            resource: cfg.resource.clone(),
            tail: None,
        };
        if cfg.disabled {
            inner.shut_down.store(true, Ordering::Relaxed);
            return Ok(Self {
                inner: Arc::new(inner),
            });
        }
        inner.level.set(cfg.level);
        let build_cfg = cfg.clone();
        let build_stats = stats.clone();
        let (providers, tail) = std::thread::Builder::new()
            .name("telemetry-otel-build".to_owned())
            .spawn(move || pipeline::build(&build_cfg, &build_stats, extras))
            .map_err(|e| {
                ConfigError::new(
                    "OpenTelemetry pipeline",
                    e.to_string(),
                    "a thread to build exporters on",
                )
            })?
            .join()
            .map_err(|_| {
                ConfigError::new(
                    "OpenTelemetry pipeline",
                    "panic",
                    "exporters that build without panicking",
                )
            })??;
        let scope = InstrumentationScope::builder(SCOPE_NAME)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        inner.tracer = providers
            .tracer
            .as_ref()
            .map(|p| p.tracer_with_scope(scope.clone()));
        inner.logger = providers
            .logger
            .as_ref()
            .map(|p| p.logger_with_scope(scope.clone()));
        inner.tail = tail;
        inner.instruments = providers.meter.as_ref().map(|p| {
            let meter = p.meter_with_scope(scope);
            if cfg.self_observability {
                crate::export::self_metrics::register(&meter, &stats);
                if let Some(tail) = &inner.tail {
                    crate::export::tail::metrics::register(&meter, tail);
                }
            }
            Instruments::new(meter)
        });
        *inner.providers.get_mut() = Some(providers);
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The bundle an application passes around: logger, correlator and meter are this value,
    /// and so is the lifecycle part, so `telemetry.shutdown(..)` shuts this pipeline down.
    pub fn telemetry(&self) -> Telemetry {
        Telemetry::new(
            Arc::new(self.clone()),
            Arc::new(self.clone()),
            Arc::new(self.clone()),
        )
        .with_lifecycle(Arc::new(self.clone()))
    }

    /// What did not reach the backend so far, per signal.
    pub fn export_failures(&self) -> ExportFailures {
        self.inner.stats.snapshot()
    }

    /// Why the latest export of `signal` failed, as the warning on stderr said it: the signal,
    /// the endpoint and the cause ("connection refused", "HTTP 401", "TLS: unknown CA", …,
    /// followed by the exporter's own text in brackets), or that the backend does not accept
    /// the signal, with the variable that turns it off. `None` if no export failed.
    pub fn last_export_error(&self, signal: Signal) -> Option<String> {
        self.inner.stats.signal(signal).last_error.lock().clone()
    }

    /// What waits for delivery on `signal` now: bytes queued in memory, bytes in the spool,
    /// and the age of the oldest batch not yet delivered. All zero for a signal without an
    /// OTLP exporter. See the [crate](crate#delivery-through-outages) docs.
    pub fn export_backlog(&self, signal: Signal) -> Backlog {
        self.inner.stats.signal(signal).backlog()
    }

    /// The resource every span, log record and metric of this pipeline is exported with, as
    /// core attributes sorted by key: `service.name`, `service.instance.id`, the host, OS and
    /// process attributes, `telemetry.sdk.*` and the configured ones, after the
    /// [crate](crate#resource) docs' precedence. Resolved also when disabled (nothing is
    /// exported then).
    pub fn resource_attributes(&self) -> &[Attribute] {
        &self.inner.resource
    }

    /// What the `agent_tail` sampler decided so far (kept and dropped traces by reason, early
    /// decisions, spans held now); `None` under any other sampler or without a traces
    /// exporter.
    pub fn tail_sampling(&self) -> Option<TailSamplingCounts> {
        self.inner.tail.as_ref().map(|t| t.stats().snapshot())
    }

    /// The `agent_tail` decision for a trace (its correlation id): `Some(true)` kept,
    /// `Some(false)` dropped, `None` when not decided yet, forgotten (the latest
    /// 8 × `max_traces` decisions are remembered) or not under `agent_tail`. A trace is
    /// decided when its local root has ended and no span of it is still open here, so a
    /// trace view reading this right after the root ends shows only kept traces.
    pub fn tail_decision(&self, trace: CorrelationId) -> Option<bool> {
        self.inner.tail.as_ref()?.decision(trace.to_int())
    }

    /// Whether `OTEL_SDK_DISABLED` (or the builder) switched everything off.
    pub fn is_disabled(&self) -> bool {
        self.inner.disabled
    }
}
