//! The [`OpenTelemetryBuilder`]: configuration in code, with the `OTEL_*` environment applying
//! wherever code is silent, resolved into one validated configuration.
//!
//! Precedence, for every setting: code, then the signal-specific variable, then the generic
//! variable, then the default (OpenTelemetry specification, *OTLP Exporter Configuration*).
//! Each concern reads its own variables (see `env`, `exporter`, `otlp`, `batch`, `sampler`,
//! `limits`, `propagators`, `resource`); this file calls them in one fixed order, so of several
//! invalid values the same one is always reported.

use std::fmt;
use std::time::Duration;

use telemetry_core::{Attribute, LogLevel};

use crate::config::batch::{self, BatchSettings};
use crate::config::durable::DurableOverrides;
use crate::config::env::{Env, EnvSource};
use crate::config::error::ConfigError;
use crate::config::exporter::{self, ExporterKind};
use crate::config::limits::SpanLimitSettings;
use crate::config::otlp::{OtlpOverrides, OtlpSettings, Protocol, TemporalityPref};
use crate::config::propagators::Propagators;
use crate::config::resolved::Resolved;
use crate::config::resource;
use crate::config::sampler::SamplerConfig;
use crate::config::tail::TailSampling;
use crate::export::pipeline::ExtraSpanProcessor;
use crate::open_telemetry::OpenTelemetry;
use crate::signal::Signal;

/// Builds an [`OpenTelemetry`] from code, with the `OTEL_*` environment applying wherever code
/// is silent.
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
    resource: Vec<Attribute>,
    detect_resource: bool,
    exporters: [Option<Vec<ExporterKind>>; 3],
    otlp: OtlpOverrides,
    metric_interval: Option<Duration>,
    bsp_schedule_delay: Option<Duration>,
    blrp_schedule_delay: Option<Duration>,
    sampler: Option<SamplerConfig>,
    tail: TailSampling,
    propagators: Option<Propagators>,
    span_event_limit: Option<u32>,
    level: Option<Option<LogLevel>>,
    drop_timeout: Duration,
    self_observability: Option<bool>,
    durable: DurableOverrides,
    extra_span_processors: Vec<ExtraSpanProcessor>,
}

impl fmt::Debug for OpenTelemetryBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenTelemetryBuilder")
            .field("default_service_name", &self.default_service_name)
            .field("service_name", &self.service_name)
            .field("exporters", &self.exporters)
            .field("protocol", &self.otlp.protocol)
            .field("endpoint", &self.otlp.endpoint)
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
            detect_resource: true,
            exporters: [None, None, None],
            otlp: OtlpOverrides::default(),
            metric_interval: None,
            bsp_schedule_delay: None,
            blrp_schedule_delay: None,
            sampler: None,
            tail: TailSampling::new(),
            propagators: None,
            span_event_limit: None,
            level: None,
            drop_timeout: Duration::from_secs(5),
            self_observability: None,
            durable: DurableOverrides::default(),
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
            .push(ExtraSpanProcessor::exporter(exporter));
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
            .push(ExtraSpanProcessor::processor(processor));
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

    /// Adds a resource attribute, with its type (an integer stays an integer); code wins over
    /// `OTEL_RESOURCE_ATTRIBUTES` and over detected attributes on the same key (see the
    /// [crate](crate#resource) docs for the whole precedence).
    pub fn with_resource_attribute(mut self, attribute: &Attribute) -> Self {
        self.resource.push(attribute.clone());
        self
    }

    /// Whether to detect `service.instance.id` and the host, OS and process attributes
    /// ([`detect_resource`](crate::detect_resource)); default `true`. With `false` the resource
    /// is `telemetry.sdk.*`, `OTEL_RESOURCE_ATTRIBUTES`, code's attributes and `service.name`
    /// only. No environment variable switches it (see the [crate](crate#resource) docs).
    pub fn with_resource_detection(mut self, detect: bool) -> Self {
        self.detect_resource = detect;
        self
    }

    /// The resource the pipeline would export, as core attributes sorted by key:
    /// `service.name`, `telemetry.sdk.*`, the detected attributes (unless switched off) and
    /// `OTEL_RESOURCE_ATTRIBUTES` and code's, merged by the [crate](crate#resource) docs'
    /// precedence. Reads only `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` and starts
    /// nothing, so an application on another implementation (Basic) can show the same
    /// resource.
    ///
    /// # Errors
    /// [`ConfigError`] for an invalid `OTEL_RESOURCE_ATTRIBUTES`.
    ///
    /// ```
    /// use telemetry_core::Attribute;
    /// let resource = telemetry_otel::OpenTelemetry::builder("my-agent")
    ///     .with_env_source(|k| (k == "OTEL_RESOURCE_ATTRIBUTES").then(|| "host.name=web-1".into()))
    ///     .with_resource_attribute(&Attribute::new("deployment.environment.name", "prod"))
    ///     .resource_attributes()?;
    /// let get = |k: &str| resource.iter().find(|a| a.key == k).map(|a| a.value.to_string());
    /// assert_eq!(get("service.name").as_deref(), Some("my-agent"));
    /// assert_eq!(get("host.name").as_deref(), Some("web-1")); // the variable wins over detection
    /// assert_eq!(get("deployment.environment.name").as_deref(), Some("prod"));
    /// assert_eq!(get("telemetry.sdk.language").as_deref(), Some("rust"));
    /// # Ok::<(), telemetry_otel::ConfigError>(())
    /// ```
    pub fn resource_attributes(&self) -> Result<Vec<Attribute>, ConfigError> {
        self.resolve_resource(&Env(&*self.env))
    }

    fn resolve_resource(&self, env: &Env<'_>) -> Result<Vec<Attribute>, ConfigError> {
        let (service_name, configured) = resource::resolve(
            env,
            self.service_name.clone(),
            &self.resource,
            &self.default_service_name,
        )?;
        Ok(resource::attributes(
            &service_name,
            &configured,
            self.detect_resource,
        ))
    }

    /// The exporters of one signal, overriding `OTEL_{signal}_EXPORTER`; empty means none.
    pub fn with_exporters(mut self, signal: Signal, exporters: &[ExporterKind]) -> Self {
        self.exporters[signal.index()] = Some(exporters.to_vec());
        self
    }

    /// The OTLP protocol of every signal, overriding `OTEL_EXPORTER_OTLP_{,signal_}PROTOCOL`.
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.otlp.protocol = Some(protocol);
        self
    }

    /// The base OTLP endpoint of every signal, such as `http://collector:4318`. As with
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`, HTTP protocols append `/v1/traces`, `/v1/metrics` or
    /// `/v1/logs`; gRPC uses it as given.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.otlp.endpoint = Some(endpoint.into());
        self
    }

    /// The full endpoint of one signal, used exactly as given (as with
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): an HTTP one must include its path.
    pub fn with_signal_endpoint(mut self, signal: Signal, endpoint: impl Into<String>) -> Self {
        self.otlp.signal_endpoint[signal.index()] = Some(endpoint.into());
        self
    }

    /// Adds an OTLP header (gRPC metadata) sent with every export; code wins over
    /// `OTEL_EXPORTER_OTLP_HEADERS` on the same name.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.otlp.headers.push((name.into(), value.into()));
        self
    }

    /// The per-export timeout, overriding `OTEL_EXPORTER_OTLP_{,signal_}TIMEOUT`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.otlp.timeout = Some(timeout);
        self
    }

    /// Gzip-compresses exports (or not), overriding `OTEL_EXPORTER_OTLP_{,signal_}COMPRESSION`.
    pub fn with_gzip(mut self, gzip: bool) -> Self {
        self.otlp.gzip = Some(gzip);
        self
    }

    /// A PEM bundle of CA certificates to trust for `https://` endpoints instead of the
    /// platform's and webpki's roots, overriding `OTEL_EXPORTER_OTLP_{,signal_}CERTIFICATE`.
    /// An unreadable or non-PEM file makes [`build`](Self::build) fail.
    pub fn with_certificate(mut self, path: impl Into<String>) -> Self {
        self.otlp.tls.certificate = Some(path.into());
        self
    }

    /// Mutual TLS: the PEM client certificate (chain) and its PEM private key, overriding
    /// `OTEL_EXPORTER_OTLP_{,signal_}CLIENT_CERTIFICATE` and `..._CLIENT_KEY`. A key that does
    /// not match the certificate makes [`build`](Self::build) fail.
    pub fn with_client_certificate(
        mut self,
        certificate: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        self.otlp.tls.client_certificate = Some(certificate.into());
        self.otlp.tls.client_key = Some(key.into());
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

    /// The rules and bounds of `agent_tail` sampling (see [`TailSampling`]); each setting
    /// given here overrides its `AGENT_TELEMETRY_TAIL_*` variable. They apply when the sampler
    /// is `agent_tail` (`OTEL_TRACES_SAMPLER=agent_tail`, or
    /// [`with_sampler`](Self::with_sampler)`(SamplerConfig::AgentTail(p))`); otherwise they
    /// are still validated.
    ///
    /// ```
    /// use std::time::Duration;
    /// use telemetry_otel::{OpenTelemetry, SamplerConfig, TailSampling};
    /// # let env = |k: &str| k.ends_with("_EXPORTER").then(|| "none".to_owned());
    /// let otel = OpenTelemetry::builder("my-agent")
    ///     # .with_env_source(env)
    ///     .with_sampler(SamplerConfig::AgentTail(0.1))
    ///     .with_tail_sampling(TailSampling::new().keep_slower_than(Duration::from_secs(30)))
    ///     .build()?;
    /// # drop(otel);
    /// # Ok::<(), telemetry_otel::ConfigError>(())
    /// ```
    pub fn with_tail_sampling(mut self, tail: TailSampling) -> Self {
        self.tail = tail;
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

    /// Whether to export the pipeline's own counts (spans started, exported, lost; log records
    /// likewise) as metrics named after the SDK self-observability conventions; see the
    /// [crate](crate) docs. Off by default (those conventions are at Development status, and
    /// the metrics exporter then always has data to send); wins over
    /// `AGENT_TELEMETRY_SELF_OBSERVABILITY` (`true` or `false`).
    pub fn with_self_observability(mut self, on: bool) -> Self {
        self.self_observability = Some(on);
        self
    }

    /// The byte bound of each signal's OTLP export queue, overriding
    /// `AGENT_TELEMETRY_EXPORT_QUEUE_BYTES` (default 64 MiB). While the collector is away,
    /// encoded batches wait there; past the bound the oldest are dropped (and counted in
    /// [`DroppedItems::queue_full`](crate::DroppedItems::queue_full)), or, with a spool, kept
    /// on disk only. See the [crate](crate#delivery-through-outages) docs. Zero is refused.
    pub fn with_export_queue_bytes(mut self, bytes: u64) -> Self {
        self.durable.queue_bytes = Some(bytes);
        self
    }

    /// How long a batch that keeps failing with a retryable outcome is retried before it is
    /// dropped (or, with a spool, kept on disk), overriding
    /// `AGENT_TELEMETRY_EXPORT_RETRY_WINDOW` (default 5 minutes, as the OpenTelemetry
    /// Collector's `retry_on_failure.max_elapsed_time`).
    pub fn with_export_retry_window(mut self, window: Duration) -> Self {
        self.durable.retry_window = Some(window);
        self
    }

    /// Keeps undeliverable OTLP batches on disk in `dir`, overriding
    /// `AGENT_TELEMETRY_SPOOL_DIR` (default: no spool): every batch is written there when the
    /// SDK hands it to the exporter and deleted once delivered, and a process that starts on
    /// the same directory delivers what it finds, oldest first. The directory is created if
    /// missing; see the [crate](crate#delivery-through-outages) docs for the crash bound, the
    /// lock and what happens on a full or read-only disk.
    pub fn with_spool_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.durable.spool_dir = Some(dir.into());
        self
    }

    /// The byte bound of each signal's spool, overriding `AGENT_TELEMETRY_SPOOL_MAX_BYTES`
    /// (default 256 MiB); past it the oldest files are deleted and counted in
    /// [`DroppedItems::spool_full`](crate::DroppedItems::spool_full). Zero is refused.
    pub fn with_spool_max_bytes(mut self, bytes: u64) -> Self {
        self.durable.spool_max_bytes = Some(bytes);
        self
    }

    /// Validates everything and starts the pipeline.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid variable (or builder value), the value and
    /// what is accepted.
    pub fn build(mut self) -> Result<OpenTelemetry, ConfigError> {
        let extras = std::mem::take(&mut self.extra_span_processors);
        let resolved = self.resolve()?;
        OpenTelemetry::start(resolved, extras)
    }

    /// Validates everything without starting anything.
    pub(crate) fn resolve(self) -> Result<Resolved, ConfigError> {
        let env = Env(&*self.env);
        let disabled = match self.disabled {
            Some(d) => d,
            None => env.bool("OTEL_SDK_DISABLED")?.unwrap_or(false),
        };
        let resource = self.resolve_resource(&env)?;
        let exporters = exporter::resolve(&self.exporters, &env)?;
        let mut otlp = Vec::with_capacity(3);
        for signal in Signal::ALL {
            otlp.push(self.otlp.resolve(&env, signal)?);
        }
        let otlp: [OtlpSettings; 3] = otlp.try_into().expect("three signals");
        let durable = self.durable.resolve(&env)?;
        // With a spool, what a crash can lose is what the batch processors still hold: at
        // most one schedule delay's worth, so a spool caps the spans' default at 1 s.
        let bsp_default = if durable.spool_dir.is_some() {
            1000
        } else {
            5000
        };
        let bsp = BatchSettings::resolve(&env, "BSP", self.bsp_schedule_delay, bsp_default)?;
        let blrp = BatchSettings::resolve(&env, "BLRP", self.blrp_schedule_delay, 1000)?;
        batch::validate_export_timeouts(&env)?;
        let metric_interval = batch::metric_interval(self.metric_interval, &env)?;
        let temporality = TemporalityPref::from_env(&env)?;
        let sampler = SamplerConfig::resolve(self.sampler, &env)?;
        let tail = self
            .tail
            .resolve(&env, sampler.tail_probability().unwrap_or(1.0))?;
        let tail = sampler.tail_probability().map(|_| tail);
        let span_limits = SpanLimitSettings::resolve(self.span_event_limit, &env)?;
        let propagators = Propagators::resolve(self.propagators, &env)?;
        let self_observability = match self.self_observability {
            Some(on) => on,
            None => env.bool(crate::export::self_metrics::ENV)?.unwrap_or(false),
        };

        Ok(Resolved {
            disabled,
            resource,
            exporters,
            otlp,
            bsp,
            blrp,
            metric_interval,
            temporality,
            sampler,
            tail,
            span_limits,
            propagators,
            level: self.level.unwrap_or(Some(LogLevel::Info)),
            drop_timeout: self.drop_timeout,
            self_observability,
            durable,
        })
    }
}

// The entry points live here rather than beside the struct, so that `otel` does not depend on
// the builder.
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
    /// silent. Makes `ring` rustls' process default if none is installed
    /// ([`ensure_crypto_provider`](crate::ensure_crypto_provider)).
    pub fn builder(default_service_name: &str) -> OpenTelemetryBuilder {
        crate::crypto::ensure_crypto_provider();
        OpenTelemetryBuilder::new(default_service_name)
    }
}

#[cfg(test)]
mod tests;
