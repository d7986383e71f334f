//! The OpenTelemetry implementation of Agent Telemetry: scopes become spans, log calls become
//! span events (and, when asked, log records), the meter becomes SDK instruments, and OTLP
//! export is configured by the usual `OTEL_*` variables.
//!
//! ```
//! use std::time::Duration;
//! use telemetry_core::{CorrelatorExt, Logger, Meter, attrs};
//! use telemetry_otel::OpenTelemetry;
//!
//! # let env = |k: &str| match k { "OTEL_TRACES_EXPORTER" | "OTEL_METRICS_EXPORTER" | "OTEL_LOGS_EXPORTER" => Some("none".to_owned()), _ => None };
//! // Production: `OpenTelemetry::from_env("my-agent")?`; here without a collector.
//! let otel = OpenTelemetry::builder("my-agent").with_env_source(env).build()?;
//! let t = otel.telemetry();
//! {
//!     let request = t.correlator.enter_scope("POST /v1/sessions", &attrs!["http.request.method" => "POST"]);
//!     t.logger.info("session created", &attrs!["session.kind" => "chat"]);
//!     t.meter.record_counter("sessions.created", 1, &[]);
//!     assert!(request.correlation_id().is_some());
//! }
//! # futures::executor::block_on(async {
//! t.shutdown(Duration::from_secs(5)).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Mapping
//!
//! - **Scope → span.** Named after the scope, with its attributes and span kind (default
//!   INTERNAL); nested scopes are child spans. The span's trace id *is* the scope's correlation
//!   id and its span id the scope's span id, through a custom `IdGenerator` (field notes §1);
//!   a root has no parent span. A root opened with
//!   [`ScopeOptions::remote_parent`](telemetry_core::ScopeOptions::remote_parent) continues
//!   the remote trace: remote parent span, sampled flag and `tracestate` as received. How
//!   panics, errors and cancellation end a span: see the table in [`span`](crate#ending).
//! - **Log call → span event** on the current scope's span: event name = the message,
//!   attributes `level` (severity text: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`, as
//!   `tracing-opentelemetry` writes it, so existing queries work) and `severity_number` (1, 5,
//!   9, 13, 17, 21 from the OTel Logs data model, so `severity_number >= 13` selects warnings
//!   and worse), then the call's own attributes. Backends index event names and attributes
//!   (Tempo `event:name`, Jaeger log fields), so message and level are both searchable.
//!   A span keeps at most `OTEL_SPAN_EVENT_COUNT_LIMIT` (128) events; further log calls are
//!   counted ([`ExportFailures::span_events_over_limit`]) and warned about (rate-limited).
//!   Event names are interned: up to 4096 distinct messages of up to 128 bytes are copied once
//!   per process and shared, so a log call does not allocate its name; longer or further
//!   messages are copied per event.
//! - **Cost.** A scope and its SDK span share one allocation, the scope's attributes (up to 4)
//!   sit inline in it, and a log call borrows the current scope without reference-count
//!   traffic. Spans are counted for [`ExportFailures`] when they start, not by wrapping each
//!   span processor.
//! - **Log call → log record**, when `OTEL_LOGS_EXPORTER` is `otlp` or `console` (the spec
//!   default is `otlp`, kept here): severity number and text, body = message, attributes, and
//!   the trace id and span id of the current scope set explicitly. Log records leave the
//!   process on their own, so they survive a span that never ends (crash, hung task) and make a
//!   log backend searchable by correlation id. Set `OTEL_LOGS_EXPORTER=none` to keep only the
//!   span events. A log call outside any scope becomes a log record only; with no logs exporter
//!   it has nowhere to go and is counted
//!   ([`ExportFailures::log_calls_without_destination`]).
//! - **Meter.** Instruments are created once per (name, kind) and cached per `OpenTelemetry`
//!   value. Histograms with unit `s` get
//!   [`DURATION_BUCKETS_SECONDS`](telemetry_core::DURATION_BUCKETS_SECONDS). By-name calls hit
//!   the cache under a read lock without allocating.
//!
//! <a id="ending"></a>
//!
//! | scope ends | span |
//! | --- | --- |
//! | completed | ended; status UNSET unless an error was recorded |
//! | [`Scope::record_error`](telemetry_core::Scope::record_error)`(type, msg)` | status ERROR with `msg`, attribute `error.type = type`, an `exception` event with `exception.type` and `exception.message` |
//! | panicked | status ERROR `panicked`, `error.type = "panic"`, an `exception` event with `exception.type = "panic"` |
//! | cancelled (instrumented future dropped) | ended at once with attribute `cancelled = true`; status stays UNSET (a losing `select!` branch is not a failure) unless an error was recorded |
//!
//! # Configuration
//!
//! [`OpenTelemetry::from_env`] reads the variables below; [`OpenTelemetry::builder`] sets the
//! same in code. Precedence: code, signal-specific variable, generic variable, default. Every
//! invalid value is a [`ConfigError`] at construction naming the variable, the value and the
//! accepted values; nothing falls back silently.
//!
//! | variables | accepted | default |
//! | --- | --- | --- |
//! | `OTEL_SDK_DISABLED` | `true`, `false` | `false`; `true` behaves exactly as NoOp: scopes carry no ids, nothing is recorded |
//! | `OTEL_SERVICE_NAME` | any | `service.name` of `OTEL_RESOURCE_ATTRIBUTES`, else the caller's default |
//! | `OTEL_RESOURCE_ATTRIBUTES` | `k=v,k2=v%202` | none |
//! | `OTEL_{TRACES,METRICS,LOGS}_EXPORTER` | comma list of `otlp`, `console` (`logging`); or `none` | `otlp` |
//! | `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}PROTOCOL` | `grpc`, `http/protobuf`, `http/json` | `http/protobuf` |
//! | `OTEL_EXPORTER_OTLP_{,…_}ENDPOINT` | `http://host:port[/path]`; a generic HTTP endpoint gets `/v1/{signal}` appended, a per-signal one is used as is | `http://localhost:4318` (HTTP), `http://localhost:4317` (gRPC) |
//! | `OTEL_EXPORTER_OTLP_{,…_}HEADERS` | `k=v,k2=v2` (percent-encoded values) | none |
//! | `OTEL_EXPORTER_OTLP_{,…_}TIMEOUT` | milliseconds | 10000 |
//! | `OTEL_EXPORTER_OTLP_{,…_}COMPRESSION` | `gzip`, `none` | `none` |
//! | `OTEL_EXPORTER_OTLP_{,…_}INSECURE` | `true`, `false` (scheme of a scheme-less gRPC endpoint) | `false` |
//! | `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` | `cumulative`, `delta`, `lowmemory` | `cumulative` |
//! | `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BLRP_SCHEDULE_DELAY` | milliseconds | 5000, 1000 |
//! | `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BLRP_MAX_QUEUE_SIZE` | positive integer | 2048 |
//! | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` | positive integer ≤ queue size | 512 |
//! | `OTEL_BSP_EXPORT_TIMEOUT`, `OTEL_BLRP_EXPORT_TIMEOUT`, `OTEL_METRIC_EXPORT_TIMEOUT` | milliseconds (validated; SDK 0.33's thread-based processors bound exports by the exporter timeout) | |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | positive milliseconds | 60000 |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`; ratio in \[0, 1\] | `parentbased_always_on`, 1.0 |
//! | `OTEL_SPAN_{ATTRIBUTE,EVENT,LINK}_COUNT_LIMIT`, `OTEL_{EVENT,LINK}_ATTRIBUTE_COUNT_LIMIT` | non-negative integer | 128 |
//! | `OTEL_PROPAGATORS` | comma list of `tracecontext`, `baggage`; or `none` | `tracecontext,baggage` |
//!
//! `console` prints spans, log records and metrics to stdout (`opentelemetry-stdout`). This
//! build has no TLS: `https://` endpoints are rejected at construction (use a local collector
//! or sidecar).
//!
//! # Lifecycle
//!
//! Keep one [`OpenTelemetry`] (or its [`telemetry`](OpenTelemetry::telemetry) bundle) for the
//! life of the process and call [`Lifecycle::shutdown`] once before exit; it exports what is
//! queued, waiting at most the given timeout, and later calls return `Ok` at once.
//! [`Lifecycle::force_flush`] exports without shutting down. Both run the blocking SDK calls
//! on dedicated threads, so they never deadlock, whether awaited on a multi-thread or
//! `current_thread` tokio runtime or any other executor. Dropping the last handle without a
//! shutdown shuts down on a dedicated thread and waits at most the drop timeout (default 5 s,
//! [`OpenTelemetryBuilder::with_drop_timeout`]).
//!
//! Export failures (collector down, HTTP 4xx/5xx, timeouts) never panic and never block the
//! application: batch queues are bounded (`OTEL_BSP_MAX_QUEUE_SIZE`), each failure is counted
//! ([`OpenTelemetry::export_failures`]) and reported on stderr at most once per 10 s per
//! signal.
//!
//! # Interoperating with raw OpenTelemetry
//!
//! The current scope lives in the core's thread-local, not in OpenTelemetry's `Context`. To
//! start raw SDK spans under a scope, pass [`OpenTelemetry::otel_context`] as their parent.

mod config;
mod convert;
mod export;
mod ids;
mod intern;
mod meter;
mod pipeline;
mod span;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{
    SpanBuilder, SpanContext, TraceFlags, TraceState, Tracer as _, TracerProvider as _,
};
use opentelemetry::{InstrumentationScope, Key};
use opentelemetry_sdk::logs::SdkLogger;
use opentelemetry_sdk::trace::SdkTracer;
use parking_lot::Mutex;
use telemetry_core::implement::{EVENT_BODY_ATTRIBUTE, InstrumentsByName, LevelFilter};
use telemetry_core::propagation::RemoteParent;
use telemetry_core::propagation::{
    BAGGAGE, Extractor, Injector, TRACEPARENT, TRACESTATE, format_traceparent,
};
use telemetry_core::{
    Attribute, Context, ContextualCorrelator, Counter, Gauge, Histogram, InstrumentDescriptor,
    Lifecycle, LogLevel, Logger, Meter, NoOpCorrelator, Scope, ScopeOptions, SpanKind, Telemetry,
    TelemetryError, UpDownCounter,
};

pub use config::{
    ConfigError, EnvSource, ExporterKind, OpenTelemetryBuilder, Propagators, Protocol,
    SamplerConfig, Signal,
};
pub use export::{ExportFailures, SignalFailures};

use config::Resolved;
use meter::Instruments;
use pipeline::Providers;
use span::OtelScope;

/// The OpenTelemetry implementation of [`Logger`], [`ContextualCorrelator`], [`Meter`] and
/// [`Lifecycle`], over one SDK pipeline. Cloning is one `Arc` increment.
///
/// See the [crate documentation](crate) for the mapping, the configuration and what to call
/// at exit.
#[derive(Clone)]
pub struct OpenTelemetry {
    inner: Arc<Inner>,
}

struct Inner {
    disabled: bool,
    tracer: Option<SdkTracer>,
    logger: Option<SdkLogger>,
    instruments: Option<Instruments>,
    by_name: InstrumentsByName,
    providers: Mutex<Option<Providers>>,
    level: LevelFilter,
    stats: Arc<export::Stats>,
    propagators: Propagators,
    event_limit: u32,
    drop_timeout: Duration,
    shut_down: AtomicBool,
    /// Whether a span is dropped whenever its local parent was (the `parentbased_*`
    /// samplers), or always (`always_off`): such a span's attributes are not converted.
    follows_parent: bool,
    drops_all: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(p) = self.providers.get_mut().take() {
            let t = self.drop_timeout;
            // Bounded: never block the dropping thread (maybe an async worker) for longer.
            let _ = pipeline::run_bounded(
                "telemetry-otel-drop",
                t + Duration::from_millis(100),
                move || p.shutdown(t),
            );
        }
    }
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
    /// Configures everything from the `OTEL_*` environment (see the [crate](crate#configuration)
    /// table); `default_service_name` is the service name when neither `OTEL_SERVICE_NAME` nor
    /// a `service.name` resource attribute is set.
    ///
    /// Works inside a tokio runtime (multi-thread or `current_thread`) and outside one:
    /// exporters are built on a dedicated thread.
    ///
    /// # Errors
    /// [`ConfigError`] for the first invalid value.
    pub fn from_env(default_service_name: &str) -> Result<OpenTelemetry, ConfigError> {
        Self::builder(default_service_name).build()
    }

    /// A builder for configuration in code; the environment still applies where code is
    /// silent.
    pub fn builder(default_service_name: &str) -> OpenTelemetryBuilder {
        OpenTelemetryBuilder::new(default_service_name)
    }

    pub(crate) fn start(
        cfg: Resolved,
        extras: Vec<pipeline::ExtraSpanProcessor>,
    ) -> Result<Self, ConfigError> {
        let stats = Arc::new(export::Stats::default());
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
            drops_all: cfg.sampler == SamplerConfig::AlwaysOff,
            follows_parent: matches!(
                cfg.sampler,
                SamplerConfig::ParentBasedAlwaysOn
                    | SamplerConfig::ParentBasedAlwaysOff
                    | SamplerConfig::ParentBasedTraceIdRatio(_)
            ),
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
        let providers = std::thread::Builder::new()
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
        inner.instruments = providers
            .meter
            .as_ref()
            .map(|p| Instruments::new(p.meter_with_scope(scope)));
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

    /// Whether `OTEL_SDK_DISABLED` (or the builder) switched everything off.
    pub fn is_disabled(&self) -> bool {
        self.inner.disabled
    }

    /// An OpenTelemetry `Context` whose active span is `scope`'s span, to start raw SDK spans
    /// as its children (the core keeps the current scope in its own thread-local).
    pub fn otel_context(scope: &Context) -> opentelemetry::Context {
        match scope.extension::<OtelScope>() {
            Some(s) => s.as_parent().clone(),
            None => match (scope.correlation_id(), scope.span_id()) {
                (Some(t), Some(s)) => pipeline::parent_context(SpanContext::new(
                    t.to_int().into(),
                    s.to_int().into(),
                    TraceFlags::SAMPLED,
                    false,
                    TraceState::NONE,
                )),
                _ => opentelemetry::Context::new(),
            },
        }
    }

    fn parent_for(
        &self,
        parent: &Context,
        remote: Option<&RemoteParent>,
    ) -> opentelemetry::Context {
        if let Some(r) = remote {
            let flags = if r.sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::default()
            };
            let state = r
                .trace_state
                .as_deref()
                .and_then(|s| s.parse::<TraceState>().ok())
                .unwrap_or_default();
            return pipeline::parent_context(SpanContext::new(
                r.trace_id.to_int().into(),
                r.span_id.to_int().into(),
                flags,
                true,
                state,
            ));
        }
        if parent.is_none() {
            return opentelemetry::Context::new();
        }
        Self::otel_context(parent)
    }

    /// The log record of a log call when there is a logs exporter; without one, a call that
    /// had no span to become an event of is counted as without destination.
    fn log_record(
        &self,
        level: LogLevel,
        event_name: Option<&'static str>,
        message: &str,
        attributes: &[Attribute],
        cx: &Context,
        scope: Option<&OtelScope>,
    ) {
        match &self.inner.logger {
            Some(logger) => {
                self.emit_record(logger, level, event_name, message, attributes, cx, scope);
            }
            None if scope.is_none() => self.inner.stats.log_without_destination(),
            None => {}
        }
    }

    /// Emits one log record. `event_name` is set for [`Logger::log_event`] calls, whose
    /// `message` is then the event body.
    #[allow(clippy::too_many_arguments)]
    fn emit_record(
        &self,
        logger: &SdkLogger,
        level: LogLevel,
        event_name: Option<&'static str>,
        message: &str,
        attributes: &[Attribute],
        cx: &Context,
        scope: Option<&OtelScope>,
    ) {
        let now = SystemTime::now();
        let mut r = logger.create_log_record();
        r.set_timestamp(now);
        r.set_observed_timestamp(now);
        r.set_severity_number(severity(level));
        r.set_severity_text(level.severity_text());
        if let Some(name) = event_name {
            r.set_event_name(name);
        }
        r.set_body(AnyValue::String(message.to_owned().into()));
        for a in telemetry_core::AttributeSet::effective(attributes) {
            r.add_attribute(Key::from(a.key.clone()), convert::any_value(&a.value));
        }
        if let (Some(t), Some(s)) = (cx.correlation_id(), cx.span_id()) {
            let flags = scope.map_or(TraceFlags::SAMPLED, |s| s.span_context.trace_flags());
            r.set_trace_context(t.to_int().into(), s.to_int().into(), Some(flags));
        }
        logger.emit(r);
    }
}

fn severity(level: LogLevel) -> Severity {
    match level {
        LogLevel::Trace => Severity::Trace,
        LogLevel::Debug => Severity::Debug,
        LogLevel::Info => Severity::Info,
        LogLevel::Warning => Severity::Warn,
        LogLevel::Error => Severity::Error,
        LogLevel::Critical => Severity::Fatal,
    }
}

fn otel_kind(kind: SpanKind) -> opentelemetry::trace::SpanKind {
    use opentelemetry::trace::SpanKind as K;
    match kind {
        SpanKind::Internal => K::Internal,
        SpanKind::Server => K::Server,
        SpanKind::Client => K::Client,
        SpanKind::Producer => K::Producer,
        SpanKind::Consumer => K::Consumer,
    }
}

impl ContextualCorrelator for OpenTelemetry {
    /// True under `OTEL_SDK_DISABLED=true`: the bundle then holds a NoOp handle.
    fn is_noop(&self) -> bool {
        self.inner.disabled
    }

    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        let inner = &*self.inner;
        if inner.disabled {
            return NoOpCorrelator.open_scope(options);
        }
        let resolved = options.resolve();
        let Some(tracer) = &inner.tracer else {
            // No traces exporter: scopes still carry ids (log records use them).
            return resolved.into_scope(None);
        };
        // The span is built inside the scope's allocation (no second allocation, no copy of
        // the SDK span).
        resolved.into_scope_with(|r| {
            // A child of an OpenTelemetry scope (the common case) borrows the parent's cached
            // context; other parents get one built for this call.
            let built;
            let local = r
                .parent
                .extension::<OtelScope>()
                .filter(|_| r.remote_parent.is_none());
            let parent = match local {
                Some(s) => s.as_parent(),
                None => {
                    built = self.parent_for(&r.parent, r.remote_parent.as_ref());
                    &built
                }
            };
            // Under a sampler that follows the parent, the child of a dropped span is dropped
            // too (sampled-out traffic, often most of it): its attributes would be converted
            // for nothing.
            let dropped = inner.drops_all
                || (inner.follows_parent && local.is_some_and(|s| !s.span_context.is_sampled()));
            let name = match &r.name {
                Cow::Borrowed(name) => Cow::Borrowed(*name),
                Cow::Owned(name) => intern::name(name),
            };
            let mut builder = SpanBuilder::from_name(name).with_kind(otel_kind(r.kind));
            if !r.attributes.is_empty() && !dropped {
                // The SDK keeps this vector as the span's attribute list: room for a few set
                // later (a status, token usage) saves regrowing it.
                let mut kvs = Vec::with_capacity(r.attributes.len() + 4);
                kvs.extend(r.attributes.iter().map(convert::key_value));
                builder.attributes = Some(kvs);
            }
            let span = {
                let _parked = ids::park(r.correlation_id.to_int(), r.span_id.to_int());
                tracer.build_with_context(builder, parent)
            };
            if opentelemetry::trace::Span::span_context(&span).is_sampled() {
                // Counted when handed over: a span still open at shutdown is never exported.
                inner.stats.span_started();
            }
            OtelScope::new(span, inner.event_limit)
        })
    }

    fn current(&self) -> Context {
        if self.inner.disabled {
            Context::none()
        } else {
            Context::current()
        }
    }

    /// Reads `traceparent` + `tracestate` (propagator `tracecontext`) and `baggage`
    /// (propagator `baggage`), as `OTEL_PROPAGATORS` selects. Without `tracecontext` there is
    /// no remote parent to continue, so the result is `None`.
    fn extract(&self, carrier: &dyn Extractor) -> Option<RemoteParent> {
        let p = self.inner.propagators;
        if self.inner.disabled || !p.tracecontext {
            return None;
        }
        let mut remote = RemoteParent::extract(carrier)?;
        if !p.baggage {
            remote.baggage = None;
        }
        Some(remote)
    }

    /// Writes `traceparent` + `tracestate` and `baggage` for the propagators `OTEL_PROPAGATORS`
    /// selects. Baggage is the incoming `baggage` of the trace's remote caller, passed on.
    fn inject(&self, context: &Context, carrier: &mut dyn Injector) {
        let p = self.inner.propagators;
        if self.inner.disabled {
            return;
        }
        if p.tracecontext {
            // The flag is the sampler's decision for this span: a callee that follows its
            // parent must drop what this process dropped.
            let ids = context.correlation_id().zip(context.span_id());
            let traceparent = match (context.extension::<OtelScope>(), ids) {
                (Some(scope), Some((trace_id, span_id))) => Some(format_traceparent(
                    trace_id,
                    span_id,
                    scope.span_context.is_sampled(),
                )),
                _ => context.traceparent(),
            };
            let Some(traceparent) = traceparent else {
                return;
            };
            carrier.set(TRACEPARENT, traceparent);
            if let Some(state) = context.remote_parent().and_then(|r| r.trace_state.clone()) {
                carrier.set(TRACESTATE, state);
            }
        }
        if p.baggage {
            if let Some(b) = context.remote_parent().and_then(|r| r.baggage.clone()) {
                carrier.set(BAGGAGE, b);
            }
        }
    }
}

impl Logger for OpenTelemetry {
    /// True under `OTEL_SDK_DISABLED=true`: the bundle then holds a NoOp handle.
    fn is_noop(&self) -> bool {
        self.inner.disabled
    }

    #[inline]
    fn enabled(&self, level: LogLevel) -> bool {
        self.inner.level.enabled(level)
    }

    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        let inner = &*self.inner;
        if !inner.level.enabled(level) {
            return;
        }
        // Borrowed, not cloned: no reference-count traffic per log call.
        Context::with_current(|cx| {
            let scope = cx.extension::<OtelScope>();
            if let Some(s) = scope {
                s.log_event(level, message, attributes, &inner.stats);
            }
            self.log_record(level, None, message, attributes, cx, scope);
        });
    }

    /// A span event named `name` (the body, if any, in the attribute
    /// [`EVENT_BODY_ATTRIBUTE`](telemetry_core::EVENT_BODY_ATTRIBUTE), since span events have
    /// no body), and a log record with `EventName = name` and `Body = body`.
    fn log_event(
        &self,
        level: LogLevel,
        name: &'static str,
        body: Option<&str>,
        attributes: &[Attribute],
    ) {
        let inner = &*self.inner;
        if !inner.level.enabled(level) {
            return;
        }
        Context::with_current(|cx| {
            let scope = cx.extension::<OtelScope>();
            if let Some(s) = scope {
                match body {
                    None => s.log_event(level, name, attributes, &inner.stats),
                    Some(body) => {
                        let mut all = Vec::with_capacity(attributes.len() + 1);
                        all.extend_from_slice(attributes);
                        all.push(Attribute::new(EVENT_BODY_ATTRIBUTE, body.to_owned()));
                        s.log_event(level, name, &all, &inner.stats);
                    }
                }
            }
            self.log_record(
                level,
                Some(name),
                body.unwrap_or_default(),
                attributes,
                cx,
                scope,
            );
        });
    }

    fn level(&self) -> Option<LogLevel> {
        self.inner.level.get()
    }

    /// Changes the minimum level; ignored when disabled (NoOp behaviour).
    fn set_level(&self, level: Option<LogLevel>) {
        if !self.inner.disabled {
            self.inner.level.set(level);
        }
    }
}

impl Meter for OpenTelemetry {
    /// True under `OTEL_SDK_DISABLED=true`: the bundle then holds a NoOp handle.
    fn is_noop(&self) -> bool {
        self.inner.disabled
    }

    fn counter(&self, descriptor: &InstrumentDescriptor) -> Counter {
        match &self.inner.instruments {
            Some(i) => Counter::new(i.counter(descriptor)),
            None => Counter::noop(),
        }
    }

    fn up_down_counter(&self, descriptor: &InstrumentDescriptor) -> UpDownCounter {
        match &self.inner.instruments {
            Some(i) => UpDownCounter::new(i.up_down_counter(descriptor)),
            None => UpDownCounter::noop(),
        }
    }

    fn histogram(&self, descriptor: &InstrumentDescriptor) -> Histogram {
        match &self.inner.instruments {
            Some(i) => Histogram::new(i.histogram(descriptor)),
            None => Histogram::noop(),
        }
    }

    fn gauge(&self, descriptor: &InstrumentDescriptor) -> Gauge {
        match &self.inner.instruments {
            Some(i) => Gauge::new(i.gauge(descriptor)),
            None => Gauge::noop(),
        }
    }

    #[inline]
    fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]) {
        if self.inner.instruments.is_some() {
            self.inner
                .by_name
                .add_counter(self, name, value, attributes);
        }
    }

    #[inline]
    fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]) {
        if self.inner.instruments.is_some() {
            self.inner
                .by_name
                .record_histogram(self, name, value, attributes);
        }
    }

    #[inline]
    fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]) {
        if self.inner.instruments.is_some() {
            self.inner
                .by_name
                .record_duration(self, name, duration, attributes);
        }
    }
}

/// Waits for `f` (run on a dedicated thread) without blocking the executor: the result
/// arrives through a oneshot channel, and a watchdog thread bounds the wait by `timeout`.
async fn off_thread(
    what: &'static str,
    timeout: Duration,
    f: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Result<(), TelemetryError> {
    let (tx, rx) = futures::channel::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("telemetry-otel-{what}"))
        .spawn(move || {
            let r = pipeline::run_bounded("telemetry-otel-worker", timeout, f);
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return Err(TelemetryError::with_source(
            format!("OpenTelemetry {what}: could not start a thread"),
            e,
        ));
    }
    match rx.await {
        Ok(Some(Ok(()))) => Ok(()),
        Ok(Some(Err(e))) => Err(TelemetryError::new(format!(
            "OpenTelemetry {what} failed: {e}"
        ))),
        Ok(None) | Err(_) => Err(TelemetryError::new(format!(
            "OpenTelemetry {what} did not finish within {timeout:?}"
        ))),
    }
}

/// Flush and shutdown. Hold the `OpenTelemetry` (or a [`Telemetry`] made from it) until exit
/// and call `shutdown` once; see the [crate docs](crate#lifecycle).
#[async_trait::async_trait]
impl Lifecycle for OpenTelemetry {
    /// Exports everything queued on every signal, waiting at most `timeout`.
    ///
    /// # Errors
    /// [`TelemetryError`] when a signal failed to flush or the timeout passed. Export failures
    /// the SDK reports as success are in [`OpenTelemetry::export_failures`].
    async fn force_flush(&self, timeout: Duration) -> Result<(), TelemetryError> {
        let handles = self
            .inner
            .providers
            .lock()
            .as_ref()
            .map(|p| (p.tracer.clone(), p.logger.clone(), p.meter.clone()));
        let Some((t, l, m)) = handles else {
            return Ok(());
        };
        off_thread("flush", timeout, move || pipeline::force_flush(t, l, m)).await
    }

    /// Flushes and shuts every signal down, waiting at most `timeout`; later calls return
    /// `Ok(())` at once. Scopes opened afterwards still carry ids but export nothing.
    ///
    /// # Errors
    /// [`TelemetryError`] when a signal failed to shut down or the timeout passed.
    async fn shutdown(&self, timeout: Duration) -> Result<(), TelemetryError> {
        if self.inner.shut_down.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let Some(p) = self.inner.providers.lock().take() else {
            return Ok(());
        };
        off_thread(
            "shutdown",
            timeout + Duration::from_millis(100),
            move || p.shutdown(timeout),
        )
        .await
    }
}
