//! Building the SDK providers and exporters, and running their blocking calls off the caller's
//! thread.
//!
//! Threads (field notes §1): the batch span processor, batch log processor and periodic metric
//! reader each run on their own OS thread. gRPC exporters are built inside a small private
//! tokio runtime (one worker) that the pipeline owns, and HTTP exporters (reqwest blocking
//! client) are built on a dedicated std thread, so construction works inside any runtime and
//! outside one. Flush and shutdown run on dedicated threads too, and the caller waits a bounded
//! time for them.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::InstrumentationScope;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_otlp::{Compression, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{BatchLogProcessor, LogProcessor, SdkLogRecord, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, Sampler, SdkTracerProvider, SpanLimits, SpanProcessor,
    TracerProviderBuilder,
};

use crate::config::{
    ConfigError, ExporterKind, OtlpSettings, Protocol, Resolved, SamplerConfig, Signal,
    TemporalityPref,
};
use crate::export::{Counting, Stats};
use crate::ids::ScopeIdGenerator;

/// The SDK providers and the runtime their gRPC exporters need.
pub(crate) struct Providers {
    pub(crate) tracer: Option<SdkTracerProvider>,
    pub(crate) logger: Option<SdkLoggerProvider>,
    pub(crate) meter: Option<SdkMeterProvider>,
    pub(crate) runtime: Option<tokio::runtime::Runtime>,
}

impl Providers {
    /// Shuts every provider down in parallel, each bounded by `timeout`, then stops the gRPC
    /// runtime. Runs on a dedicated thread (it blocks).
    pub(crate) fn shutdown(self, timeout: Duration) -> Result<(), String> {
        let Providers {
            tracer,
            logger,
            meter,
            runtime,
        } = self;
        let mut errors = Vec::new();
        std::thread::scope(|s| {
            let t = tracer
                .as_ref()
                .map(|p| s.spawn(move || p.shutdown_with_timeout(timeout)));
            let l = logger
                .as_ref()
                .map(|p| s.spawn(move || p.shutdown_with_timeout(timeout)));
            let m = meter
                .as_ref()
                .map(|p| s.spawn(move || p.shutdown_with_timeout(timeout)));
            for (signal, h) in [(Signal::Traces, t), (Signal::Logs, l), (Signal::Metrics, m)] {
                if let Some(h) = h {
                    match h.join() {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => errors.push(format!("{signal}: {e}")),
                        Err(_) => errors.push(format!("{signal}: shutdown panicked")),
                    }
                }
            }
        });
        drop((tracer, logger, meter));
        if let Some(rt) = runtime {
            rt.shutdown_timeout(Duration::from_millis(100));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// Flushes every provider in parallel. Runs on a dedicated thread (it blocks).
pub(crate) fn force_flush(
    tracer: Option<SdkTracerProvider>,
    logger: Option<SdkLoggerProvider>,
    meter: Option<SdkMeterProvider>,
) -> Result<(), String> {
    let mut errors = Vec::new();
    std::thread::scope(|s| {
        let t = tracer.as_ref().map(|p| s.spawn(move || p.force_flush()));
        let l = logger.as_ref().map(|p| s.spawn(move || p.force_flush()));
        let m = meter.as_ref().map(|p| s.spawn(move || p.force_flush()));
        for (signal, h) in [(Signal::Traces, t), (Signal::Logs, l), (Signal::Metrics, m)] {
            if let Some(h) = h {
                match h.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => errors.push(format!("{signal}: {e}")),
                    Err(_) => errors.push(format!("{signal}: flush panicked")),
                }
            }
        }
    });
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

/// Runs `f` on a new thread and waits at most `timeout` for its result; `None` on timeout
/// (the thread finishes in the background).
pub(crate) fn run_bounded<T: Send + 'static>(
    name: &str,
    timeout: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let _ = tx.send(f());
        });
    match spawned {
        Ok(_) => rx.recv_timeout(timeout).ok(),
        Err(_) => None,
    }
}

/// Counts log records handed to the pipeline, so that what never reached an exporter (queue
/// full) can be computed: submitted − exported − failed. (Spans are counted where they end,
/// in `OtelScope::end`.)
#[derive(Debug)]
struct CountingLogProcessor<P> {
    inner: P,
    stats: Arc<Stats>,
}

impl<P: LogProcessor> LogProcessor for CountingLogProcessor<P> {
    fn emit(&self, data: &mut SdkLogRecord, instrumentation: &InstrumentationScope) {
        self.stats
            .signal(Signal::Logs)
            .submitted
            .fetch_add(1, Ordering::Relaxed);
        self.inner.emit(data, instrumentation);
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

fn resource(cfg: &Resolved) -> Resource {
    Resource::builder_empty()
        .with_detector(Box::new(
            opentelemetry_sdk::resource::TelemetryResourceDetector,
        ))
        .with_attributes(
            cfg.resource
                .iter()
                .map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone())),
        )
        .with_service_name(cfg.service_name.clone())
        .build()
}

fn sampler(s: SamplerConfig) -> Sampler {
    match s {
        SamplerConfig::AlwaysOn => Sampler::AlwaysOn,
        SamplerConfig::AlwaysOff => Sampler::AlwaysOff,
        SamplerConfig::TraceIdRatio(r) => Sampler::TraceIdRatioBased(r),
        SamplerConfig::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        SamplerConfig::ParentBasedAlwaysOff => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        SamplerConfig::ParentBasedTraceIdRatio(r) => {
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(r)))
        }
    }
}

fn build_error(signal: Signal, s: &OtlpSettings, e: impl std::fmt::Display) -> ConfigError {
    ConfigError::new(
        format!("OTEL_EXPORTER_OTLP_{}_ENDPOINT", signal.upper()),
        s.endpoint.clone(),
        format!("an endpoint the OTLP {signal} exporter accepts ({e})"),
    )
}

fn metadata(
    headers: &[(String, String)],
) -> opentelemetry_otlp::tonic_types::metadata::MetadataMap {
    let mut map = http::HeaderMap::new();
    for (k, v) in headers {
        // Validated in config; a failure here cannot happen, skipping is the safe fallback.
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::from_bytes(k.to_ascii_lowercase().as_bytes()),
            http::HeaderValue::from_str(v),
        ) {
            map.insert(k, v);
        }
    }
    opentelemetry_otlp::tonic_types::metadata::MetadataMap::from_headers(map)
}

fn http_protocol(p: Protocol) -> opentelemetry_otlp::Protocol {
    match p {
        Protocol::HttpJson => opentelemetry_otlp::Protocol::HttpJson,
        _ => opentelemetry_otlp::Protocol::HttpBinary,
    }
}

/// One OTLP exporter builder per signal, with the protocol always set explicitly (the
/// `http-json` feature changes the default through feature unification).
macro_rules! otlp_exporter {
    ($ty:ty, $s:expr, $signal:expr, $temporality:expr) => {{
        let s: &OtlpSettings = $s;
        let r = match s.protocol {
            Protocol::Grpc => {
                let mut b = <$ty>::builder()
                    .with_tonic()
                    .with_protocol(opentelemetry_otlp::Protocol::Grpc)
                    .with_endpoint(s.endpoint.clone())
                    .with_timeout(s.timeout)
                    .with_metadata(metadata(&s.headers));
                if s.gzip {
                    b = b.with_compression(Compression::Gzip);
                }
                $temporality(b).build()
            }
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                let mut b = <$ty>::builder()
                    .with_http()
                    .with_protocol(http_protocol(s.protocol))
                    .with_endpoint(s.endpoint.clone())
                    .with_timeout(s.timeout)
                    .with_headers(s.headers.iter().cloned().collect::<HashMap<_, _>>());
                if s.gzip {
                    b = b.with_compression(Compression::Gzip);
                }
                $temporality(b).build()
            }
        };
        r.map_err(|e| build_error($signal, s, e))
    }};
}

type AddProcessor = Box<
    dyn FnOnce(
            TracerProviderBuilder,
            Arc<Stats>,
            opentelemetry_sdk::trace::BatchConfig,
        ) -> TracerProviderBuilder
        + Send,
>;

/// A span exporter or processor given in code, added to the tracer provider at build time.
pub(crate) struct ExtraSpanProcessor {
    add: AddProcessor,
    /// Whether its exports are counted in `ExportFailures` (exporters are; processors of
    /// the caller's own are opaque).
    counted: bool,
}

impl ExtraSpanProcessor {
    /// An exporter behind a batch processor with the `OTEL_BSP_*` settings, counted.
    pub(crate) fn exporter<E: opentelemetry_sdk::trace::SpanExporter + 'static>(
        exporter: E,
    ) -> Self {
        Self {
            add: Box::new(move |b, stats, batch| {
                b.with_span_processor(
                    BatchSpanProcessor::builder(Counting {
                        inner: exporter,
                        stats,
                    })
                    .with_batch_config(batch)
                    .build(),
                )
            }),
            counted: true,
        }
    }

    /// A processor as given, not counted.
    pub(crate) fn processor<P: SpanProcessor + 'static>(processor: P) -> Self {
        Self {
            add: Box::new(move |b, _, _| b.with_span_processor(processor)),
            counted: false,
        }
    }
}

/// Builds everything. Call on a dedicated thread that is not a tokio worker.
pub(crate) fn build(
    cfg: &Resolved,
    stats: &Arc<Stats>,
    extras: Vec<ExtraSpanProcessor>,
) -> Result<Providers, ConfigError> {
    let uses = |signal: Signal| cfg.exporters[signal.index()].contains(&ExporterKind::Otlp);
    let needs_runtime = Signal::ALL
        .into_iter()
        .any(|s| uses(s) && cfg.otlp[s.index()].protocol == Protocol::Grpc);
    let runtime = if needs_runtime {
        Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("telemetry-otel-grpc")
                .enable_all()
                .build()
                .map_err(|e| {
                    ConfigError::new(
                        "OTEL_EXPORTER_OTLP_PROTOCOL",
                        "grpc",
                        format!("a protocol whose runtime can start ({e})"),
                    )
                })?,
        )
    } else {
        None
    };
    // tonic spawns its connection tasks on the runtime entered here.
    let _entered = runtime.as_ref().map(|rt| rt.enter());
    let resource = resource(cfg);

    let tracer = if cfg.exporters[0].is_empty() && extras.is_empty() {
        None
    } else {
        let lim = cfg.span_limits;
        let mut b = SdkTracerProvider::builder()
            .with_resource(resource.clone())
            .with_id_generator(ScopeIdGenerator::default())
            .with_sampler(sampler(cfg.sampler))
            .with_span_limits(SpanLimits {
                max_events_per_span: lim.events,
                max_attributes_per_span: lim.attributes,
                max_links_per_span: lim.links,
                max_attributes_per_event: lim.attributes_per_event,
                max_attributes_per_link: lim.attributes_per_link,
            });
        let batch = || {
            opentelemetry_sdk::trace::BatchConfigBuilder::default()
                .with_max_queue_size(cfg.bsp.max_queue_size)
                .with_max_export_batch_size(cfg.bsp.max_export_batch_size)
                .with_scheduled_delay(cfg.bsp.schedule_delay)
                .build()
        };
        for kind in &cfg.exporters[0] {
            let processor = match kind {
                ExporterKind::Otlp => {
                    let e = otlp_exporter!(
                        opentelemetry_otlp::SpanExporter,
                        &cfg.otlp[0],
                        Signal::Traces,
                        |b| b
                    )?;
                    BatchSpanProcessor::builder(Counting {
                        inner: e,
                        stats: stats.clone(),
                    })
                    .with_batch_config(batch())
                    .build()
                }
                ExporterKind::Console => BatchSpanProcessor::builder(Counting {
                    inner: opentelemetry_stdout::SpanExporter::default(),
                    stats: stats.clone(),
                })
                .with_batch_config(batch())
                .build(),
            };
            b = b.with_span_processor(processor);
        }
        let processors = cfg.exporters[0].len() + extras.iter().filter(|e| e.counted).count();
        for extra in extras {
            b = (extra.add)(b, stats.clone(), batch());
        }
        // Each ended span is handed to every processor; `OtelScope::end` counts that.
        stats
            .span_processors
            .store(processors as u64, Ordering::Relaxed);
        Some(b.build())
    };

    let logger = if cfg.exporters[2].is_empty() {
        None
    } else {
        let mut b = SdkLoggerProvider::builder().with_resource(resource.clone());
        let batch = || {
            opentelemetry_sdk::logs::BatchConfigBuilder::default()
                .with_max_queue_size(cfg.blrp.max_queue_size)
                .with_max_export_batch_size(cfg.blrp.max_export_batch_size)
                .with_scheduled_delay(cfg.blrp.schedule_delay)
                .build()
        };
        for kind in &cfg.exporters[2] {
            let processor = match kind {
                ExporterKind::Otlp => {
                    let e = otlp_exporter!(
                        opentelemetry_otlp::LogExporter,
                        &cfg.otlp[2],
                        Signal::Logs,
                        |b| b
                    )?;
                    BatchLogProcessor::builder(Counting {
                        inner: e,
                        stats: stats.clone(),
                    })
                    .with_batch_config(batch())
                    .build()
                }
                ExporterKind::Console => BatchLogProcessor::builder(Counting {
                    inner: opentelemetry_stdout::LogExporter::default(),
                    stats: stats.clone(),
                })
                .with_batch_config(batch())
                .build(),
            };
            b = b.with_log_processor(CountingLogProcessor {
                inner: processor,
                stats: stats.clone(),
            });
        }
        Some(b.build())
    };

    let meter = if cfg.exporters[1].is_empty() {
        None
    } else {
        let temporality = match cfg.temporality {
            TemporalityPref::Cumulative => Temporality::Cumulative,
            TemporalityPref::Delta => Temporality::Delta,
            TemporalityPref::LowMemory => Temporality::LowMemory,
        };
        let mut b = SdkMeterProvider::builder().with_resource(resource);
        for kind in &cfg.exporters[1] {
            b = match kind {
                ExporterKind::Otlp => {
                    let e = otlp_exporter!(
                        opentelemetry_otlp::MetricExporter,
                        &cfg.otlp[1],
                        Signal::Metrics,
                        |b: opentelemetry_otlp::MetricExporterBuilder<_>| b
                            .with_temporality(temporality)
                    )?;
                    b.with_reader(
                        PeriodicReader::builder(Counting {
                            inner: e,
                            stats: stats.clone(),
                        })
                        .with_interval(cfg.metric_interval)
                        .build(),
                    )
                }
                ExporterKind::Console => b.with_reader(
                    PeriodicReader::builder(Counting {
                        inner: opentelemetry_stdout::MetricExporter::builder()
                            .with_temporality(temporality)
                            .build(),
                        stats: stats.clone(),
                    })
                    .with_interval(cfg.metric_interval)
                    .build(),
                ),
            };
        }
        Some(b.build())
    };

    drop(_entered);
    Ok(Providers {
        tracer,
        logger,
        meter,
        runtime,
    })
}

/// A parent OpenTelemetry context holding only a span context (no span object to share).
pub(crate) fn parent_context(sc: opentelemetry::trace::SpanContext) -> Context {
    Context::new().with_remote_span_context(sc)
}
