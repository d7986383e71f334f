//! Building the SDK pipeline from the resolved configuration: the tracer provider (sampler,
//! limits, id generator, span processors), the logger provider and the meter provider, each
//! exporter wrapped for counting.
//!
//! The batch span processor, batch log processor and periodic metric reader of SDK 0.33 each
//! run on their own OS thread. gRPC exporters are built inside a small private tokio runtime
//! (one worker) that the pipeline owns, because tonic spawns its connection tasks on the
//! runtime current at build time; HTTP exporters (reqwest blocking client) must not be built
//! on a tokio worker. So [`build`] runs on a dedicated thread, and construction works inside
//! any runtime and outside one.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use opentelemetry_otlp::{Compression, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanProcessor};

use crate::config::error::ConfigError;
use crate::config::exporter::ExporterKind;
use crate::config::otlp::{OtlpSettings, Protocol};
use crate::config::resolved::Resolved;
use crate::config::resource;
use crate::export::counting::{Counting, CountingLogProcessor, Target, Wire};
use crate::export::http_client::RecordingClient;
use crate::export::tail::{TailHandle, TailProcessor};
use crate::failures::Stats;
use crate::mapping::ids::ScopeIdGenerator;
use crate::signal::Signal;

/// The SDK providers and the runtime their gRPC exporters need.
pub(crate) struct Providers {
    pub(crate) tracer: Option<SdkTracerProvider>,
    pub(crate) logger: Option<SdkLoggerProvider>,
    pub(crate) meter: Option<SdkMeterProvider>,
    pub(crate) runtime: Option<tokio::runtime::Runtime>,
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
        // Validated in `otlp`; a failure here cannot happen, skipping is the safe fallback.
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

/// One OTLP exporter per signal, with the protocol always set explicitly (the `http-json`
/// feature changes the default through feature unification), and the [`Target`] its
/// failures are reported with. gRPC over `https://` gets tonic's TLS configuration; HTTP
/// always gets our reqwest client (rustls on ring, with the TLS files), since reqwest is built
/// without a default crypto provider.
macro_rules! otlp_exporter {
    ($ty:ty, $s:expr, $signal:expr, $temporality:expr) => {{
        let s: &OtlpSettings = $s;
        let mut target = Target::new(&s.endpoint);
        let r = match s.protocol {
            Protocol::Grpc => {
                target.wire = Wire::Grpc;
                let mut b = <$ty>::builder()
                    .with_tonic()
                    .with_protocol(opentelemetry_otlp::Protocol::Grpc)
                    .with_endpoint(s.endpoint.clone())
                    .with_timeout(s.timeout)
                    .with_metadata(metadata(&s.headers));
                if s.https() {
                    b = b.with_tls_config(s.tls.grpc());
                }
                if s.gzip {
                    b = b.with_compression(Compression::Gzip);
                }
                $temporality(b).build()
            }
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                let (client, last) =
                    RecordingClient::new(s.tls.http(s.https())?, s.timeout, &s.endpoint)?;
                target.wire = Wire::Http(last);
                let mut b = <$ty>::builder()
                    .with_http()
                    .with_http_client(client)
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
        r.map(|e| (e, target))
            .map_err(|e| build_error($signal, s, e))
    }};
}

type AddProcessor = Box<
    dyn FnOnce(Arc<Stats>, opentelemetry_sdk::trace::BatchConfig) -> Box<dyn SpanProcessor> + Send,
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
            add: Box::new(move |stats, batch| {
                Box::new(
                    BatchSpanProcessor::builder(Counting {
                        inner: exporter,
                        stats,
                        target: Target::new("a span exporter given in code"),
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
            add: Box::new(move |_, _| Box::new(processor)),
            counted: false,
        }
    }
}

/// Builds everything, and the tail sampler's handle under `agent_tail`. Call on a dedicated
/// thread that is not a tokio worker.
pub(crate) fn build(
    cfg: &Resolved,
    stats: &Arc<Stats>,
    extras: Vec<ExtraSpanProcessor>,
) -> Result<(Providers, Option<TailHandle>), ConfigError> {
    let runtime = grpc_runtime(cfg)?;
    // tonic spawns its connection tasks on the runtime entered here.
    let _entered = runtime.as_ref().map(|rt| rt.enter());
    let resource = resource::sdk(&cfg.resource);
    let mut tail = None;
    let tracer = if cfg.exporters[0].is_empty() && extras.is_empty() {
        None
    } else {
        Some(tracer_provider(
            cfg,
            stats,
            resource.clone(),
            extras,
            &mut tail,
        )?)
    };
    let logger = if cfg.exporters[2].is_empty() {
        None
    } else {
        Some(logger_provider(cfg, stats, resource.clone())?)
    };
    let meter = if cfg.exporters[1].is_empty() {
        None
    } else {
        Some(meter_provider(cfg, stats, resource)?)
    };
    drop(_entered);
    Ok((
        Providers {
            tracer,
            logger,
            meter,
            runtime,
        },
        tail,
    ))
}

/// The private runtime gRPC exporters run on, when any signal exports over OTLP/gRPC.
fn grpc_runtime(cfg: &Resolved) -> Result<Option<tokio::runtime::Runtime>, ConfigError> {
    let uses = |signal: Signal| cfg.exporters[signal.index()].contains(&ExporterKind::Otlp);
    let needs_runtime = Signal::ALL
        .into_iter()
        .any(|s| uses(s) && cfg.otlp[s.index()].protocol == Protocol::Grpc);
    if !needs_runtime {
        return Ok(None);
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("telemetry-otel-grpc")
        .enable_all()
        .build()
        .map(Some)
        .map_err(|e| {
            ConfigError::new(
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                "grpc",
                format!("a protocol whose runtime can start ({e})"),
            )
        })
}

/// The tracer provider: scope ids, sampler, limits, a counted batch processor per exporter,
/// then the span exporters and processors given in code; under `agent_tail`, all of them
/// behind one [`TailProcessor`], whose handle goes to `tail`.
fn tracer_provider(
    cfg: &Resolved,
    stats: &Arc<Stats>,
    resource: Resource,
    extras: Vec<ExtraSpanProcessor>,
    tail: &mut Option<TailHandle>,
) -> Result<SdkTracerProvider, ConfigError> {
    let mut processors: Vec<Box<dyn SpanProcessor>> = Vec::new();
    let mut b = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_id_generator(ScopeIdGenerator::default())
        .with_sampler(cfg.sampler.sdk())
        .with_span_limits(cfg.span_limits.sdk());
    let batch = || cfg.bsp.span_config();
    for kind in &cfg.exporters[0] {
        let processor: Box<dyn SpanProcessor> = match kind {
            ExporterKind::Otlp => {
                let (e, target) = otlp_exporter!(
                    opentelemetry_otlp::SpanExporter,
                    &cfg.otlp[0],
                    Signal::Traces,
                    |b| b
                )?;
                Box::new(
                    BatchSpanProcessor::builder(Counting {
                        inner: e,
                        stats: stats.clone(),
                        target,
                    })
                    .with_batch_config(batch())
                    .build(),
                )
            }
            ExporterKind::Console => Box::new(crate::export::console::stdout(
                stats.clone(),
                batch(),
                cfg.bsp.schedule_delay,
            )),
        };
        processors.push(processor);
    }
    let counted = cfg.exporters[0].len() + extras.iter().filter(|e| e.counted).count();
    for extra in extras {
        processors.push((extra.add)(stats.clone(), batch()));
    }
    // Each ended span is handed to every processor; `Stats::span_started` counts that.
    stats
        .span_processors
        .store(counted as u64, Ordering::Relaxed);
    match &cfg.tail {
        Some(settings) => {
            for p in &mut processors {
                p.set_resource(&resource);
            }
            if cfg.exporters[0].contains(&ExporterKind::Console) {
                // The console tree prints what the sampler kept; say so once, where it prints.
                println!(
                    "telemetry-otel: tail sampling (agent_tail) is on: only kept traces are \
                     printed (errors, rule matches, and {:.4} of the rest)",
                    settings.probability
                );
            }
            let processor = TailProcessor::new(settings, processors, stats.clone());
            *tail = Some(processor.handle());
            b = b.with_span_processor(processor);
        }
        None => {
            for p in processors {
                b = b.with_span_processor(Boxed(p));
            }
        }
    }
    Ok(b.build())
}

/// A boxed processor as a processor (the SDK builder takes concrete ones).
#[derive(Debug)]
struct Boxed(Box<dyn SpanProcessor>);

impl SpanProcessor for Boxed {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.0.on_start(span, cx);
    }
    fn on_end(&self, span: opentelemetry_sdk::trace::SpanData) {
        self.0.on_end(span);
    }
    fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.force_flush()
    }
    fn shutdown_with_timeout(
        &self,
        timeout: std::time::Duration,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

/// The logger provider: a counted batch processor per exporter.
fn logger_provider(
    cfg: &Resolved,
    stats: &Arc<Stats>,
    resource: Resource,
) -> Result<SdkLoggerProvider, ConfigError> {
    let mut b = SdkLoggerProvider::builder().with_resource(resource);
    let batch = || cfg.blrp.log_config();
    for kind in &cfg.exporters[2] {
        let (processor, refused) = match kind {
            ExporterKind::Otlp => {
                let (e, target) = otlp_exporter!(
                    opentelemetry_otlp::LogExporter,
                    &cfg.otlp[2],
                    Signal::Logs,
                    |b| b
                )?;
                let refused = target.refused.clone();
                let counted = Counting {
                    inner: e,
                    stats: stats.clone(),
                    target,
                };
                let p = BatchLogProcessor::builder(counted)
                    .with_batch_config(batch())
                    .build();
                (p, refused)
            }
            ExporterKind::Console => {
                let target = Target::new("stdout");
                let refused = target.refused.clone();
                let p = BatchLogProcessor::builder(Counting {
                    inner: opentelemetry_stdout::LogExporter::default(),
                    stats: stats.clone(),
                    target,
                })
                .with_batch_config(batch())
                .build();
                (p, refused)
            }
        };
        b = b.with_log_processor(CountingLogProcessor {
            inner: processor,
            stats: stats.clone(),
            refused,
        });
    }
    Ok(b.build())
}

/// The meter provider: a counted periodic reader per exporter.
fn meter_provider(
    cfg: &Resolved,
    stats: &Arc<Stats>,
    resource: Resource,
) -> Result<SdkMeterProvider, ConfigError> {
    let temporality = cfg.temporality.sdk();
    let mut b = SdkMeterProvider::builder().with_resource(resource);
    for kind in &cfg.exporters[1] {
        b = match kind {
            ExporterKind::Otlp => {
                let (e, target) = otlp_exporter!(
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
                        target,
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
                    target: Target::new("stdout"),
                })
                .with_interval(cfg.metric_interval)
                .build(),
            ),
        };
    }
    Ok(b.build())
}
