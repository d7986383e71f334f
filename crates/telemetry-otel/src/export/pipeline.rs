//! Building the SDK pipeline from the resolved configuration: the tracer provider (sampler,
//! limits, id generator, span processors), the logger provider and the meter provider; the
//! OTLP exporters with their delivery queues (`durable`), the others wrapped for counting.
//!
//! The batch span processor, batch log processor and periodic metric reader of SDK 0.33 each
//! run on their own OS thread. gRPC exporters are built inside a small private tokio runtime
//! (one worker) that the pipeline owns, because tonic spawns its connection tasks on the
//! runtime current at build time; HTTP exporters (reqwest blocking client) must not be built
//! on a tokio worker. So [`build`] runs on a dedicated thread, and construction works inside
//! any runtime and outside one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanProcessor};

use crate::config::error::ConfigError;
use crate::config::exporter::ExporterKind;
use crate::config::otlp::Protocol;
use crate::config::resolved::Resolved;
use crate::config::resource;
use crate::export::counting::{Counting, CountingLogProcessor, Target};
use crate::export::durable::{self, delivery::Delivery, exporter::DurableExporter};
use crate::export::tail::{TailHandle, TailProcessor};
use crate::failures::Stats;
use crate::mapping::ids::ScopeIdGenerator;
use crate::signal::Signal;

/// The SDK providers and the runtime their gRPC exporters need.
pub(crate) struct Providers {
    pub(crate) tracer: Option<SdkTracerProvider>,
    pub(crate) logger: Option<SdkLoggerProvider>,
    pub(crate) meter: Option<SdkMeterProvider>,
    /// The OTLP exporters' delivery queues, flushed and shut down after the providers.
    pub(crate) deliveries: Vec<Arc<Delivery>>,
    pub(crate) runtime: Option<tokio::runtime::Runtime>,
}

/// One signal's OTLP exporter (see `durable`) and its delivery handle, which `deliveries`
/// collects for the lifecycle's flush and shutdown.
fn otlp_exporter(
    cfg: &Resolved,
    signal: Signal,
    stats: &Arc<Stats>,
    runtime: Option<&tokio::runtime::Runtime>,
    refused: Arc<AtomicBool>,
    deliveries: &mut Vec<Arc<Delivery>>,
) -> Result<DurableExporter, ConfigError> {
    let (exporter, delivery) = durable::start(durable::Start {
        signal,
        otlp: &cfg.otlp[signal.index()],
        durable: &cfg.durable,
        stats,
        runtime: runtime.map(|rt| rt.handle().clone()),
        refused,
        temporality: cfg.temporality.sdk(),
    })?;
    deliveries.push(delivery);
    Ok(exporter)
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
    let rt = runtime.as_ref();
    let mut deliveries = Vec::new();
    let d = &mut deliveries;
    let mut tail = None;
    let tracer = if cfg.exporters[0].is_empty() && extras.is_empty() {
        None
    } else {
        Some(tracer_provider(
            cfg,
            stats,
            resource.clone(),
            extras,
            rt,
            d,
            &mut tail,
        )?)
    };
    let logger = if cfg.exporters[2].is_empty() {
        None
    } else {
        Some(logger_provider(cfg, stats, resource.clone(), rt, d)?)
    };
    let meter = if cfg.exporters[1].is_empty() {
        None
    } else {
        Some(meter_provider(cfg, stats, resource, rt, d)?)
    };
    drop(_entered);
    Ok((
        Providers {
            tracer,
            logger,
            meter,
            deliveries,
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
    runtime: Option<&tokio::runtime::Runtime>,
    deliveries: &mut Vec<Arc<Delivery>>,
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
                let refused = Arc::new(AtomicBool::new(false));
                let e = otlp_exporter(cfg, Signal::Traces, stats, runtime, refused, deliveries)?;
                Box::new(
                    BatchSpanProcessor::builder(e)
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
    runtime: Option<&tokio::runtime::Runtime>,
    deliveries: &mut Vec<Arc<Delivery>>,
) -> Result<SdkLoggerProvider, ConfigError> {
    let mut b = SdkLoggerProvider::builder().with_resource(resource);
    let batch = || cfg.blrp.log_config();
    for kind in &cfg.exporters[2] {
        let (processor, refused) = match kind {
            ExporterKind::Otlp => {
                let refused = Arc::new(AtomicBool::new(false));
                let e = otlp_exporter(
                    cfg,
                    Signal::Logs,
                    stats,
                    runtime,
                    refused.clone(),
                    deliveries,
                )?;
                let p = BatchLogProcessor::builder(e)
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
    runtime: Option<&tokio::runtime::Runtime>,
    deliveries: &mut Vec<Arc<Delivery>>,
) -> Result<SdkMeterProvider, ConfigError> {
    let temporality = cfg.temporality.sdk();
    let mut b = SdkMeterProvider::builder().with_resource(resource);
    for kind in &cfg.exporters[1] {
        b = match kind {
            ExporterKind::Otlp => {
                let refused = Arc::new(AtomicBool::new(false));
                let e = otlp_exporter(cfg, Signal::Metrics, stats, runtime, refused, deliveries)?;
                b.with_reader(
                    PeriodicReader::builder(e)
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
