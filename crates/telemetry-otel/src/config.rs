//! Configuration: the [`OpenTelemetryBuilder`] for code, the `OTEL_*` environment variables, and
//! the [`ConfigError`] an invalid value produces.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables* and *OTLP Exporter
//! Configuration* (v1.x). Precedence, for every setting: code, then the signal-specific
//! variable, then the generic variable, then the default. Empty values count as unset, and enum
//! values are case-insensitive, as the spec says. Every variable below is read and validated
//! here, from one env source, and the result is set explicitly in code on the SDK and exporter,
//! so what the SDK would read by itself can never disagree with what was validated.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use telemetry_core::{Attribute, LogLevel};

/// Where environment values come from: the process environment by default, any function in
/// tests (environment mutation is `unsafe` in edition 2024 and races between parallel tests).
pub type EnvSource = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// An invalid configuration value: which variable (or builder method), the value, and what is
/// accepted.
///
/// ```
/// use telemetry_otel::OpenTelemetry;
/// let err = OpenTelemetry::builder("svc")
///     .with_env_source(|k| (k == "OTEL_TRACES_SAMPLER").then(|| "sometimes".to_owned()))
///     .build()
///     .unwrap_err();
/// assert_eq!(err.variable(), "OTEL_TRACES_SAMPLER");
/// assert_eq!(err.value(), "sometimes");
/// assert!(err.to_string().contains("always_on"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    variable: Cow<'static, str>,
    value: String,
    expected: Cow<'static, str>,
}

impl ConfigError {
    pub(crate) fn new(
        variable: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
        expected: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            variable: variable.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// The environment variable (or builder method) that held the value.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// The rejected value, as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What would have been accepted.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {}={:?}: expected {}",
            self.variable, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

/// An OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `grpc`: OTLP/gRPC, default endpoint `http://localhost:4317`.
    Grpc,
    /// `http/protobuf`: OTLP/HTTP with binary protobuf bodies, default endpoint
    /// `http://localhost:4318/v1/{traces,metrics,logs}`. The default protocol.
    HttpProtobuf,
    /// `http/json`: OTLP/HTTP with JSON bodies (for JSON-only backends such as Parseable).
    HttpJson,
}

impl Protocol {
    const ACCEPTED: &'static str = "one of grpc, http/protobuf, http/json";

    fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "grpc" => Some(Self::Grpc),
            "http/protobuf" => Some(Self::HttpProtobuf),
            "http/json" => Some(Self::HttpJson),
            _ => None,
        }
    }
}

/// Where a signal goes (`OTEL_{TRACES,METRICS,LOGS}_EXPORTER`, a comma list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExporterKind {
    /// OTLP, with the protocol and endpoint of the `OTEL_EXPORTER_OTLP_*` variables.
    Otlp,
    /// Readable text on stdout (`console`; the deprecated `logging` is accepted too).
    Console,
}

/// The three OpenTelemetry signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Spans.
    Traces,
    /// Metrics.
    Metrics,
    /// Log records.
    Logs,
}

impl Signal {
    pub(crate) const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    /// `TRACES`, `METRICS` or `LOGS`, as in the variable names.
    pub(crate) fn upper(self) -> &'static str {
        match self {
            Self::Traces => "TRACES",
            Self::Metrics => "METRICS",
            Self::Logs => "LOGS",
        }
    }

    /// The OTLP/HTTP path: `/v1/traces`, `/v1/metrics`, `/v1/logs`.
    pub(crate) fn http_path(self) -> &'static str {
        match self {
            Self::Traces => "/v1/traces",
            Self::Metrics => "/v1/metrics",
            Self::Logs => "/v1/logs",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Traces => "traces",
            Self::Metrics => "metrics",
            Self::Logs => "logs",
        })
    }
}

/// A sampler (`OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SamplerConfig {
    /// `always_on`.
    AlwaysOn,
    /// `always_off`.
    AlwaysOff,
    /// `traceidratio` with the ratio in `[0, 1]`.
    TraceIdRatio(f64),
    /// `parentbased_always_on`, the default.
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio` with the root ratio in `[0, 1]`.
    ParentBasedTraceIdRatio(f64),
}

/// Which context propagators `extract`/`inject` use (`OTEL_PROPAGATORS`). Default
/// `tracecontext,baggage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Propagators {
    /// W3C `traceparent` and `tracestate`.
    pub tracecontext: bool,
    /// W3C `baggage`.
    pub baggage: bool,
}

impl Default for Propagators {
    fn default() -> Self {
        Self {
            tracecontext: true,
            baggage: true,
        }
    }
}

/// Metric aggregation temporality (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TemporalityPref {
    Cumulative,
    Delta,
    LowMemory,
}

/// Batch processor settings (`OTEL_BSP_*` for spans, `OTEL_BLRP_*` for log records).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BatchSettings {
    pub(crate) schedule_delay: Duration,
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
}

/// Everything the OTLP exporter of one signal needs, fully resolved.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OtlpSettings {
    pub(crate) protocol: Protocol,
    pub(crate) endpoint: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Duration,
    pub(crate) gzip: bool,
}

/// The resolved configuration.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    pub(crate) disabled: bool,
    pub(crate) service_name: String,
    pub(crate) resource: Vec<(String, String)>,
    pub(crate) exporters: [Vec<ExporterKind>; 3],
    pub(crate) otlp: [OtlpSettings; 3],
    pub(crate) bsp: BatchSettings,
    pub(crate) blrp: BatchSettings,
    pub(crate) metric_interval: Duration,
    pub(crate) temporality: TemporalityPref,
    pub(crate) sampler: SamplerConfig,
    pub(crate) span_limits: SpanLimitSettings,
    pub(crate) propagators: Propagators,
    pub(crate) level: Option<LogLevel>,
    pub(crate) drop_timeout: Duration,
}

/// `OTEL_SPAN_*_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`, `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SpanLimitSettings {
    pub(crate) attributes: u32,
    pub(crate) events: u32,
    pub(crate) links: u32,
    pub(crate) attributes_per_event: u32,
    pub(crate) attributes_per_link: u32,
}

/// Builds an [`OpenTelemetry`](crate::OpenTelemetry) from code, with the `OTEL_*` environment
/// applying wherever code is silent.
///
/// ```
/// use telemetry_otel::{ExporterKind, OpenTelemetry, Protocol};
/// let otel = OpenTelemetry::builder("my-agent")
///     .with_protocol(Protocol::HttpProtobuf)
///     .with_endpoint("http://127.0.0.1:4318")
///     .with_exporters(telemetry_otel::Signal::Metrics, &[]) // no metrics
///     .build()?;
/// # drop(otel);
/// # Ok::<(), telemetry_otel::ConfigError>(())
/// ```
#[must_use = "call build() to get an OpenTelemetry"]
pub struct OpenTelemetryBuilder {
    default_service_name: String,
    env: EnvSource,
    disabled: Option<bool>,
    service_name: Option<String>,
    resource: Vec<(String, String)>,
    exporters: [Option<Vec<ExporterKind>>; 3],
    protocol: Option<Protocol>,
    endpoint: Option<String>,
    signal_endpoint: [Option<String>; 3],
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    gzip: Option<bool>,
    metric_interval: Option<Duration>,
    bsp_schedule_delay: Option<Duration>,
    blrp_schedule_delay: Option<Duration>,
    sampler: Option<SamplerConfig>,
    propagators: Option<Propagators>,
    span_event_limit: Option<u32>,
    level: Option<Option<LogLevel>>,
    drop_timeout: Duration,
    extra_span_processors: Vec<crate::pipeline::ExtraSpanProcessor>,
}

impl fmt::Debug for OpenTelemetryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenTelemetryBuilder")
            .field("default_service_name", &self.default_service_name)
            .field("service_name", &self.service_name)
            .field("exporters", &self.exporters)
            .field("protocol", &self.protocol)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl OpenTelemetryBuilder {
    pub(crate) fn new(default_service_name: &str) -> Self {
        Self {
            default_service_name: default_service_name.to_owned(),
            env: Box::new(|k| std::env::var(k).ok()),
            disabled: None,
            service_name: None,
            resource: Vec::new(),
            exporters: [None, None, None],
            protocol: None,
            endpoint: None,
            signal_endpoint: [None, None, None],
            headers: Vec::new(),
            timeout: None,
            gzip: None,
            metric_interval: None,
            bsp_schedule_delay: None,
            blrp_schedule_delay: None,
            sampler: None,
            propagators: None,
            span_event_limit: None,
            level: None,
            drop_timeout: Duration::from_secs(5),
            extra_span_processors: Vec::new(),
        }
    }

    /// Adds a span exporter of your own (behind a batch processor with the `OTEL_BSP_*`
    /// settings, counted like the others), in addition to `OTEL_TRACES_EXPORTER`'s. For
    /// example an in-memory exporter in tests, or a discarding one in benchmarks.
    pub fn with_span_exporter<E>(mut self, exporter: E) -> Self
    where
        E: opentelemetry_sdk::trace::SpanExporter + 'static,
    {
        self.extra_span_processors
            .push(crate::pipeline::ExtraSpanProcessor::exporter(exporter));
        self
    }

    /// Adds a span processor of your own, as given (no batching added), in addition to
    /// `OTEL_TRACES_EXPORTER`'s. For example a filtering processor, or a
    /// `SimpleSpanProcessor` in front of a test exporter. What it exports is not counted in
    /// [`ExportFailures`](crate::ExportFailures): only this crate's exporters are.
    pub fn with_span_processor<P>(mut self, processor: P) -> Self
    where
        P: opentelemetry_sdk::trace::SpanProcessor + 'static,
    {
        self.extra_span_processors
            .push(crate::pipeline::ExtraSpanProcessor::processor(processor));
        self
    }

    /// Reads `OTEL_*` values from `env` instead of the process environment.
    pub fn with_env_source(
        mut self,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Box::new(env);
        self
    }

    /// Switches everything off (NoOp behaviour) or on, overriding `OTEL_SDK_DISABLED`.
    pub fn with_disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// The `service.name` resource attribute, overriding `OTEL_SERVICE_NAME`.
    pub fn with_service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Adds a resource attribute; code wins over `OTEL_RESOURCE_ATTRIBUTES` on the same key.
    pub fn with_resource_attribute(mut self, attribute: &Attribute) -> Self {
        self.resource
            .push((attribute.key.to_string(), attribute.value.to_string()));
        self
    }

    /// The exporters of one signal, overriding `OTEL_{signal}_EXPORTER`; empty means none.
    pub fn with_exporters(mut self, signal: Signal, exporters: &[ExporterKind]) -> Self {
        self.exporters[signal.index()] = Some(exporters.to_vec());
        self
    }

    /// The OTLP protocol of every signal, overriding `OTEL_EXPORTER_OTLP_{,signal_}PROTOCOL`.
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// The base OTLP endpoint of every signal, such as `http://collector:4318`. As with
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, HTTP protocols append `/v1/traces`, `/v1/metrics` or
    /// `/v1/logs`; gRPC uses it as given.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// The full endpoint of one signal, used exactly as given (as with
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): an HTTP one must include its path.
    pub fn with_signal_endpoint(mut self, signal: Signal, endpoint: impl Into<String>) -> Self {
        self.signal_endpoint[signal.index()] = Some(endpoint.into());
        self
    }

    /// Adds an OTLP header (gRPC metadata) sent with every export; code wins over
    /// `OTEL_EXPORTER_OTLP_HEADERS` on the same name.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The per-export timeout, overriding `OTEL_EXPORTER_OTLP_{,signal_}TIMEOUT`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Gzip-compresses exports (or not), overriding `OTEL_EXPORTER_OTLP_{,signal_}COMPRESSION`.
    pub fn with_gzip(mut self, gzip: bool) -> Self {
        self.gzip = Some(gzip);
        self
    }

    /// How often metrics are exported, overriding `OTEL_METRIC_EXPORT_INTERVAL` (default 60 s).
    pub fn with_metric_export_interval(mut self, interval: Duration) -> Self {
        self.metric_interval = Some(interval);
        self
    }

    /// How long the span and log batch processors wait before exporting a partial batch,
    /// overriding `OTEL_BSP_SCHEDULE_DELAY` (default 5 s) and `OTEL_BLRP_SCHEDULE_DELAY`
    /// (default 1 s).
    pub fn with_batch_schedule_delay(mut self, delay: Duration) -> Self {
        self.bsp_schedule_delay = Some(delay);
        self.blrp_schedule_delay = Some(delay);
        self
    }

    /// The sampler, overriding `OTEL_TRACES_SAMPLER{,_ARG}`.
    pub fn with_sampler(mut self, sampler: SamplerConfig) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The propagators, overriding `OTEL_PROPAGATORS`.
    pub fn with_propagators(mut self, propagators: Propagators) -> Self {
        self.propagators = Some(propagators);
        self
    }

    /// Events kept per span, overriding `OTEL_SPAN_EVENT_COUNT_LIMIT` (default 128).
    pub fn with_span_event_limit(mut self, limit: u32) -> Self {
        self.span_event_limit = Some(limit);
        self
    }

    /// The minimum log level (default `Info`); `None` turns log calls off.
    pub fn with_level(mut self, level: Option<LogLevel>) -> Self {
        self.level = Some(level);
        self
    }

    /// How long dropping the last handle without an explicit shutdown may wait for the final
    /// flush (default 5 s).
    pub fn with_drop_timeout(mut self, timeout: Duration) -> Self {
        self.drop_timeout = timeout;
        self
    }

    /// Validates everything and starts the pipeline.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid variable (or builder value), the value and
    /// what is accepted.
    pub fn build(mut self) -> Result<crate::OpenTelemetry, ConfigError> {
        let extras = std::mem::take(&mut self.extra_span_processors);
        let resolved = self.resolve()?;
        crate::OpenTelemetry::start(resolved, extras)
    }

    /// Validates everything without starting anything.
    pub(crate) fn resolve(self) -> Result<Resolved, ConfigError> {
        let env = Env(&*self.env);
        let disabled = match self.disabled {
            Some(d) => d,
            None => env.bool("OTEL_SDK_DISABLED")?.unwrap_or(false),
        };

        // Resource: OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME, then code.
        let mut resource = match env.get("OTEL_RESOURCE_ATTRIBUTES") {
            Some(v) => parse_key_values("OTEL_RESOURCE_ATTRIBUTES", &v, "resource attributes")?,
            None => Vec::new(),
        };
        for (k, v) in self.resource.clone() {
            upsert(&mut resource, k, v);
        }
        let service_name = self
            .service_name
            .clone()
            .or_else(|| env.get("OTEL_SERVICE_NAME"))
            .or_else(|| {
                resource
                    .iter()
                    .find(|(k, _)| k == "service.name")
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_else(|| self.default_service_name.clone());
        resource.retain(|(k, _)| k != "service.name");

        let mut exporters: [Vec<ExporterKind>; 3] = Default::default();
        for signal in Signal::ALL {
            exporters[signal.index()] = match &self.exporters[signal.index()] {
                Some(e) => e.clone(),
                None => {
                    let var = format!("OTEL_{}_EXPORTER", signal.upper());
                    match env.get(&var) {
                        Some(v) => parse_exporters(var, &v)?,
                        None => vec![ExporterKind::Otlp],
                    }
                }
            };
        }

        let mut otlp = Vec::with_capacity(3);
        for signal in Signal::ALL {
            otlp.push(self.resolve_otlp(&env, signal)?);
        }
        let otlp: [OtlpSettings; 3] = otlp.try_into().expect("three signals");

        let bsp = resolve_batch(&env, "BSP", self.bsp_schedule_delay, 5000)?;
        let blrp = resolve_batch(&env, "BLRP", self.blrp_schedule_delay, 1000)?;
        // Validated so that a typo is an error; the thread-based processors and periodic
        // reader of SDK 0.33 bound each export by the exporter timeout instead.
        env.millis("OTEL_BSP_EXPORT_TIMEOUT")?;
        env.millis("OTEL_BLRP_EXPORT_TIMEOUT")?;
        env.millis("OTEL_METRIC_EXPORT_TIMEOUT")?;

        let metric_interval = match self.metric_interval {
            Some(d) if d.is_zero() => {
                return Err(ConfigError::new(
                    "OpenTelemetryBuilder::with_metric_export_interval",
                    "0ms",
                    "a positive duration",
                ));
            }
            Some(d) => d,
            None => match env.millis("OTEL_METRIC_EXPORT_INTERVAL")? {
                Some(d) if d.is_zero() => {
                    return Err(ConfigError::new(
                        "OTEL_METRIC_EXPORT_INTERVAL",
                        "0",
                        "a positive integer number of milliseconds",
                    ));
                }
                Some(d) => d,
                None => Duration::from_secs(60),
            },
        };

        let temporality = match env.get("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE") {
            None => TemporalityPref::Cumulative,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "cumulative" => TemporalityPref::Cumulative,
                "delta" => TemporalityPref::Delta,
                "lowmemory" => TemporalityPref::LowMemory,
                _ => {
                    return Err(ConfigError::new(
                        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                        v,
                        "one of cumulative, delta, lowmemory",
                    ));
                }
            },
        };

        let sampler = match self.sampler {
            Some(s) => validate_sampler(s)?,
            None => parse_sampler(&env)?,
        };

        let span_limits = SpanLimitSettings {
            attributes: env.count("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT")?.unwrap_or(128),
            events: match self.span_event_limit {
                Some(n) => n,
                None => env.count("OTEL_SPAN_EVENT_COUNT_LIMIT")?.unwrap_or(128),
            },
            links: env.count("OTEL_SPAN_LINK_COUNT_LIMIT")?.unwrap_or(128),
            attributes_per_event: env
                .count("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT")?
                .unwrap_or(128),
            attributes_per_link: env.count("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT")?.unwrap_or(128),
        };

        let propagators = match self.propagators {
            Some(p) => p,
            None => match env.get("OTEL_PROPAGATORS") {
                Some(v) => parse_propagators(&v)?,
                None => Propagators::default(),
            },
        };

        Ok(Resolved {
            disabled,
            service_name,
            resource,
            exporters,
            otlp,
            bsp,
            blrp,
            metric_interval,
            temporality,
            sampler,
            span_limits,
            propagators,
            level: self.level.unwrap_or(Some(LogLevel::Info)),
            drop_timeout: self.drop_timeout,
        })
    }

    fn resolve_otlp(&self, env: &Env<'_>, signal: Signal) -> Result<OtlpSettings, ConfigError> {
        let s = signal.upper();
        let signal_var = |name: &str| format!("OTEL_EXPORTER_OTLP_{s}_{name}");
        // Code, then signal-specific, then generic; each variable validated when it is used.
        let pick = |name: &str| -> Option<(String, String)> {
            let sv = signal_var(name);
            if let Some(v) = env.get(&sv) {
                return Some((sv, v));
            }
            let gv = format!("OTEL_EXPORTER_OTLP_{name}");
            env.get(&gv).map(|v| (gv, v))
        };

        let protocol = match self.protocol {
            Some(p) => p,
            None => match pick("PROTOCOL") {
                Some((var, v)) => Protocol::parse(&v)
                    .ok_or_else(|| ConfigError::new(var, v, Protocol::ACCEPTED))?,
                None => Protocol::HttpProtobuf,
            },
        };

        let insecure = {
            let sv = signal_var("INSECURE");
            match env.bool(&sv)? {
                Some(b) => b,
                None => env.bool("OTEL_EXPORTER_OTLP_INSECURE")?.unwrap_or(false),
            }
        };

        let http = protocol != Protocol::Grpc;
        // (endpoint, variable it came from, whether the signal path must be appended)
        let (endpoint, source, append) = if let Some(e) = &self.signal_endpoint[signal.index()] {
            (
                e.clone(),
                "OpenTelemetryBuilder::with_signal_endpoint".to_owned(),
                false,
            )
        } else if let Some(e) = &self.endpoint {
            (
                e.clone(),
                "OpenTelemetryBuilder::with_endpoint".to_owned(),
                http,
            )
        } else if let Some(v) = env.get(&signal_var("ENDPOINT")) {
            (v, signal_var("ENDPOINT"), false)
        } else if let Some(v) = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") {
            (v, "OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(), http)
        } else if http {
            ("http://localhost:4318".to_owned(), String::new(), true)
        } else {
            ("http://localhost:4317".to_owned(), String::new(), false)
        };
        let endpoint = validate_endpoint(&source, &endpoint, http, insecure)?;
        let endpoint = if append {
            format!("{}{}", endpoint.trim_end_matches('/'), signal.http_path())
        } else {
            endpoint
        };

        let mut headers = match pick("HEADERS") {
            Some((var, v)) => {
                let parsed = parse_key_values(var.clone(), &v, "headers")?;
                if parsed.iter().any(|(k, val)| !valid_header(k, val)) {
                    return Err(ConfigError::new(var, v, HEADER_EXPECTED));
                }
                parsed
            }
            None => Vec::new(),
        };
        for (k, v) in &self.headers {
            if !valid_header(k, v) {
                return Err(ConfigError::new(
                    "OpenTelemetryBuilder::with_header",
                    format!("{k}={v}"),
                    HEADER_EXPECTED,
                ));
            }
            upsert(&mut headers, k.clone(), v.clone());
        }

        let timeout = match self.timeout {
            Some(t) => t,
            None => match pick("TIMEOUT") {
                Some((var, v)) => parse_millis(var, &v)?,
                None => Duration::from_secs(10),
            },
        };

        let gzip = match self.gzip {
            Some(g) => g,
            None => match pick("COMPRESSION") {
                Some((var, v)) => match v.to_ascii_lowercase().as_str() {
                    "gzip" => true,
                    "none" => false,
                    _ => return Err(ConfigError::new(var, v, "one of gzip, none")),
                },
                None => false,
            },
        };

        Ok(OtlpSettings {
            protocol,
            endpoint,
            headers,
            timeout,
            gzip,
        })
    }
}

/// Reads the env source; empty or white-space values count as unset (spec: "empty value").
struct Env<'a>(&'a (dyn Fn(&str) -> Option<String> + Send + Sync));

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, ConfigError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ConfigError::new(name.to_owned(), v, "true or false")),
        }
    }

    fn millis(&self, name: &str) -> Result<Option<Duration>, ConfigError> {
        self.get(name)
            .map(|v| parse_millis(name.to_owned(), &v))
            .transpose()
    }

    fn count(&self, name: &str) -> Result<Option<u32>, ConfigError> {
        self.get(name)
            .map(|v| {
                v.parse::<u32>().map_err(|_| {
                    ConfigError::new(
                        name.to_owned(),
                        v,
                        "a non-negative integer (at most 4294967295)",
                    )
                })
            })
            .transpose()
    }

    fn positive(&self, name: &str) -> Result<Option<usize>, ConfigError> {
        self.get(name)
            .map(|v| match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(ConfigError::new(name.to_owned(), v, "a positive integer")),
            })
            .transpose()
    }
}

fn parse_millis(var: impl Into<Cow<'static, str>>, v: &str) -> Result<Duration, ConfigError> {
    v.parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| ConfigError::new(var, v, "a non-negative integer number of milliseconds"))
}

fn upsert(list: &mut Vec<(String, String)>, k: String, v: String) {
    match list.iter_mut().find(|(key, _)| *key == k) {
        Some(e) => e.1 = v,
        None => list.push((k, v)),
    }
}

/// `key=value,key2=value2` with percent-encoded values (W3C Baggage octet rules), as both
/// `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS` use.
fn parse_key_values(
    var: impl Into<Cow<'static, str>>,
    v: &str,
    what: &str,
) -> Result<Vec<(String, String)>, ConfigError> {
    let var = var.into();
    let mut out = Vec::new();
    for item in v.split(',') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let bad = || {
            ConfigError::new(
                var.clone(),
                v,
                format!(
                    "{what} as comma-separated key=value pairs with non-empty keys and \
                     percent-encoded values, e.g. key1=value1,key2=value%202"
                ),
            )
        };
        let (k, val) = item.split_once('=').ok_or_else(bad)?;
        let k = k.trim();
        if k.is_empty() {
            return Err(bad());
        }
        let val = percent_decode(val.trim()).ok_or_else(bad)?;
        upsert(&mut out, k.to_owned(), val);
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

const HEADER_EXPECTED: &str = "comma-separated name=value pairs with HTTP header names (RFC 9110 \
                               token characters) and visible-ASCII values";

fn valid_header(k: &str, v: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

fn validate_endpoint(
    source: &str,
    endpoint: &str,
    http: bool,
    insecure: bool,
) -> Result<String, ConfigError> {
    let var = if source.is_empty() {
        "default endpoint".to_owned()
    } else {
        source.to_owned()
    };
    let with_scheme = if endpoint.contains("://") {
        endpoint.to_owned()
    } else if !http {
        // gRPC: OTEL_EXPORTER_OTLP_INSECURE decides the scheme of a schemeless endpoint.
        format!("{}://{endpoint}", if insecure { "http" } else { "https" })
    } else {
        endpoint.to_owned()
    };
    let expected = "an absolute http:// URL with a host, e.g. http://localhost:4318 (this build \
                    has no TLS, so https:// is not supported)";
    let Some(rest) = with_scheme.strip_prefix("http://") else {
        return Err(ConfigError::new(var, endpoint, expected));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(ConfigError::new(var, endpoint, expected));
    }
    if let Some((_, port)) = host.rsplit_once(':') {
        if !host.ends_with(']') && port.parse::<u16>().is_err() {
            return Err(ConfigError::new(var, endpoint, expected));
        }
    }
    Ok(with_scheme)
}

fn resolve_batch(
    env: &Env<'_>,
    prefix: &str,
    code_delay: Option<Duration>,
    default_delay_ms: u64,
) -> Result<BatchSettings, ConfigError> {
    let schedule_delay = match code_delay {
        Some(d) => d,
        None => env
            .millis(&format!("OTEL_{prefix}_SCHEDULE_DELAY"))?
            .unwrap_or(Duration::from_millis(default_delay_ms)),
    };
    let queue_var = format!("OTEL_{prefix}_MAX_QUEUE_SIZE");
    let batch_var = format!("OTEL_{prefix}_MAX_EXPORT_BATCH_SIZE");
    let max_queue_size = env.positive(&queue_var)?.unwrap_or(2048);
    let max_export_batch_size = match env.positive(&batch_var)? {
        Some(n) if n > max_queue_size => {
            return Err(ConfigError::new(
                batch_var,
                n.to_string(),
                format!("a positive integer no larger than {queue_var} ({max_queue_size})"),
            ));
        }
        Some(n) => n,
        None => 512.min(max_queue_size),
    };
    Ok(BatchSettings {
        schedule_delay,
        max_queue_size,
        max_export_batch_size,
    })
}

fn parse_exporters(var: String, v: &str) -> Result<Vec<ExporterKind>, ConfigError> {
    let mut out = Vec::new();
    let mut none = false;
    for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.to_ascii_lowercase().as_str() {
            "otlp" => out.push(ExporterKind::Otlp),
            "console" | "logging" => out.push(ExporterKind::Console),
            "none" => none = true,
            _ => {
                return Err(ConfigError::new(
                    var,
                    v,
                    "a comma list of otlp, console; or none",
                ));
            }
        }
    }
    if none && !out.is_empty() {
        return Err(ConfigError::new(
            var,
            v,
            "none alone, or a comma list of otlp, console",
        ));
    }
    out.dedup();
    Ok(out)
}

const SAMPLERS: &str = "one of always_on, always_off, traceidratio, parentbased_always_on, \
                        parentbased_always_off, parentbased_traceidratio";

fn parse_sampler(env: &Env<'_>) -> Result<SamplerConfig, ConfigError> {
    let Some(v) = env.get("OTEL_TRACES_SAMPLER") else {
        return Ok(SamplerConfig::ParentBasedAlwaysOn);
    };
    let ratio = || -> Result<f64, ConfigError> {
        match env.get("OTEL_TRACES_SAMPLER_ARG") {
            None => Ok(1.0),
            Some(a) => match a.parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
                _ => Err(ConfigError::new(
                    "OTEL_TRACES_SAMPLER_ARG",
                    a,
                    "a probability between 0 and 1, e.g. 0.25",
                )),
            },
        }
    };
    Ok(match v.to_ascii_lowercase().as_str() {
        "always_on" => SamplerConfig::AlwaysOn,
        "always_off" => SamplerConfig::AlwaysOff,
        "traceidratio" => SamplerConfig::TraceIdRatio(ratio()?),
        "parentbased_always_on" => SamplerConfig::ParentBasedAlwaysOn,
        "parentbased_always_off" => SamplerConfig::ParentBasedAlwaysOff,
        "parentbased_traceidratio" => SamplerConfig::ParentBasedTraceIdRatio(ratio()?),
        _ => return Err(ConfigError::new("OTEL_TRACES_SAMPLER", v, SAMPLERS)),
    })
}

fn validate_sampler(s: SamplerConfig) -> Result<SamplerConfig, ConfigError> {
    match s {
        SamplerConfig::TraceIdRatio(r) | SamplerConfig::ParentBasedTraceIdRatio(r)
            if !(0.0..=1.0).contains(&r) =>
        {
            Err(ConfigError::new(
                "OpenTelemetryBuilder::with_sampler",
                r.to_string(),
                "a ratio between 0 and 1",
            ))
        }
        s => Ok(s),
    }
}

fn parse_propagators(v: &str) -> Result<Propagators, ConfigError> {
    let mut p = Propagators {
        tracecontext: false,
        baggage: false,
    };
    let mut none = false;
    for item in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item.to_ascii_lowercase().as_str() {
            "tracecontext" => p.tracecontext = true,
            "baggage" => p.baggage = true,
            "none" => none = true,
            _ => {
                return Err(ConfigError::new(
                    "OTEL_PROPAGATORS",
                    v,
                    "a comma list of tracecontext, baggage; or none",
                ));
            }
        }
    }
    if none && (p.tracecontext || p.baggage) {
        return Err(ConfigError::new(
            "OTEL_PROPAGATORS",
            v,
            "none alone, or a comma list of tracecontext, baggage",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(vars: &[(&str, &str)]) -> Result<Resolved, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        OpenTelemetryBuilder::new("default-svc")
            .with_env_source(move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
            .resolve()
    }

    #[test]
    fn defaults_follow_the_spec() {
        let r = resolve(&[]).unwrap();
        assert!(!r.disabled);
        assert_eq!(r.service_name, "default-svc");
        assert_eq!(
            r.exporters,
            [
                vec![ExporterKind::Otlp],
                vec![ExporterKind::Otlp],
                vec![ExporterKind::Otlp]
            ]
        );
        assert_eq!(r.otlp[0].protocol, Protocol::HttpProtobuf);
        assert_eq!(r.otlp[0].endpoint, "http://localhost:4318/v1/traces");
        assert_eq!(r.otlp[2].endpoint, "http://localhost:4318/v1/logs");
        assert_eq!(r.otlp[0].timeout, Duration::from_secs(10));
        assert_eq!(r.bsp.schedule_delay, Duration::from_secs(5));
        assert_eq!(r.blrp.schedule_delay, Duration::from_secs(1));
        assert_eq!(r.metric_interval, Duration::from_secs(60));
        assert_eq!(r.sampler, SamplerConfig::ParentBasedAlwaysOn);
        assert_eq!(r.span_limits.events, 128);
        assert_eq!(r.propagators, Propagators::default());
    }

    #[test]
    fn precedence_is_code_then_signal_then_generic() {
        let r = resolve(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318/"),
            (
                "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
                "http://logs:9999/custom",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_HEADERS", "a=1,b=x%20y"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "c=3"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "GZIP"),
            ("OTEL_SERVICE_NAME", "from-env"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "service.name=ignored,deployment.environment.name=prod%2Feu",
            ),
            ("OTEL_TRACES_EXPORTER", "otlp, console"),
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ("OTEL_PROPAGATORS", "tracecontext"),
        ])
        .unwrap();
        assert_eq!(r.otlp[0].endpoint, "http://generic:4318/v1/traces");
        assert_eq!(r.otlp[0].protocol, Protocol::HttpJson);
        assert_eq!(r.otlp[1].protocol, Protocol::Grpc);
        assert_eq!(r.otlp[1].endpoint, "http://generic:4318/");
        assert_eq!(r.otlp[2].endpoint, "http://logs:9999/custom");
        assert_eq!(r.otlp[0].headers, vec![("c".to_owned(), "3".to_owned())]);
        assert_eq!(r.otlp[1].headers[1], ("b".to_owned(), "x y".to_owned()));
        assert_eq!(r.otlp[1].timeout, Duration::from_millis(2500));
        assert!(r.otlp[2].gzip);
        assert_eq!(r.service_name, "from-env");
        assert_eq!(
            r.resource,
            vec![(
                "deployment.environment.name".to_owned(),
                "prod/eu".to_owned()
            )]
        );
        assert_eq!(
            r.exporters[0],
            vec![ExporterKind::Otlp, ExporterKind::Console]
        );
        assert!(r.exporters[2].is_empty());
        assert_eq!(r.sampler, SamplerConfig::ParentBasedTraceIdRatio(0.25));
        assert_eq!(
            r.propagators,
            Propagators {
                tracecontext: true,
                baggage: false
            }
        );

        let code = OpenTelemetryBuilder::new("d")
            .with_env_source(|k| {
                (k == "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").then(|| "http/json".into())
            })
            .with_protocol(Protocol::Grpc)
            .with_endpoint("http://code:4317")
            .resolve()
            .unwrap();
        assert_eq!(code.otlp[0].protocol, Protocol::Grpc);
        assert_eq!(code.otlp[0].endpoint, "http://code:4317");
    }

    #[test]
    fn service_name_falls_back_to_resource_attribute_then_default() {
        let r = resolve(&[("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-resource")]).unwrap();
        assert_eq!(r.service_name, "from-resource");
    }
}
