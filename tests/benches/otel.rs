//! Group 3, OpenTelemetry: this project's OpenTelemetry implementation against the raw
//! OpenTelemetry SDK and `tracing` + `tracing-opentelemetry`, each with the SDK's simple span
//! processor in front of a discarding exporter, so the figures are the instrumentation itself.
//! The `tracing` case is also run through this project's `TelemetryLayer` into its
//! OpenTelemetry implementation (`tracing_layer_…`), the same `tracing` code on both sides, and
//! through `tracing-subscriber`'s registry with no layer (`tracing_registry_…`), the part of
//! both that no layer can remove.
//!
//! Why the simple processor: with a batch processor, each ended span crosses to the
//! processor's thread, and when that thread falls behind (it does at millions of spans per
//! second) the queue fills and the application thread drops spans itself. Which of the two
//! happens, and how often, changes from run to run and from case to case: the raw SDK's
//! figures moved by 2× between identical runs. The simple processor ends and frees every span
//! on the calling thread, the same processor code for all three contenders, so the ratios
//! compare the instrumentation. The export group measures the batch path.
//!
//! The span case is nested: a parent scope (span) is current, and each iteration opens a child
//! with 2 attributes, records one log event on it, and ends it. The raw SDK does the same work
//! two ways: `raw_sdk` builds the child from an explicit parent context and adds the event to
//! the span value (the least work the SDK allows), and `raw_sdk_attached` also makes the child
//! current (`Context::attach`) and adds the event to the active span, which is what this
//! project's scope + logger do. The event carries the same two attributes this project writes
//! (`level`, `severity_number`).
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use agent_telemetry_benches::Discard;
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{Span as _, TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry::{Context as OtelContext, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor};
use telemetry_core::{CorrelatorExt, InstrumentDescriptor, Logger, Meter, attrs};
use telemetry_otel::OpenTelemetry;
use telemetry_tracing::TelemetryLayer;
use tracing_subscriber::layer::SubscriberExt as _;

const GROUP: &str = "otel";

fn ours() -> OpenTelemetry {
    agent_telemetry_benches::otel_discarding()
}

fn raw_tracer_provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(SimpleSpanProcessor::new(Discard))
        .build()
}

/// A metric exporter that drops everything; with a one-hour interval it never runs during
/// the benchmark, like the console exporter behind this project's meter here.
struct DiscardMetrics;

impl PushMetricExporter for DiscardMetrics {
    async fn export(&self, _metrics: &ResourceMetrics) -> OTelSdkResult {
        Ok(())
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

fn event_attributes() -> Vec<KeyValue> {
    vec![
        KeyValue::new("level", "INFO"),
        KeyValue::new("severity_number", 9),
    ]
}

fn spans(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);

    let otel = ours();
    let parent = otel.enter_scope("request", &[]);
    g.bench_function("scope_2_attributes_1_event", |b| {
        b.iter(|| {
            let s = otel.enter_scope("op", &attrs!["a" => 1, "b" => "x"]);
            otel.info(black_box("event"), &[]);
            drop(black_box(s));
        })
    });
    g.bench_function("scope", |b| {
        b.iter(|| drop(black_box(otel.enter_scope("op", &[]))))
    });
    drop(parent);

    let provider = raw_tracer_provider();
    let tracer = provider.tracer("bench");
    let parent_cx = OtelContext::current_with_span(tracer.start("request"));
    g.bench_function("raw_sdk_span_2_attributes_1_event", |b| {
        b.iter(|| {
            let mut span = tracer
                .span_builder("op")
                .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
                .start_with_context(&tracer, &parent_cx);
            span.add_event(black_box("event"), event_attributes());
            span.end();
        })
    });
    g.bench_function("raw_sdk_attached_span_2_attributes_1_event", |b| {
        let _parent = parent_cx.clone().attach();
        b.iter(|| {
            let span = tracer
                .span_builder("op")
                .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
                .start(&tracer);
            let cx = OtelContext::current_with_span(span);
            let guard = cx.clone().attach();
            OtelContext::map_current(|cx| {
                cx.span().add_event(black_box("event"), event_attributes())
            });
            drop(guard);
            cx.span().end();
        })
    });
    g.bench_function("raw_sdk_span", |b| {
        b.iter(|| {
            let mut span = tracer.start_with_context(black_box("op"), &parent_cx);
            span.end();
        })
    });
    drop(parent_cx);

    let tprovider = raw_tracer_provider();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tprovider.tracer("bench")));
    tracing::subscriber::with_default(subscriber, || {
        let parent = tracing::info_span!("request").entered();
        g.bench_function("tracing_otel_span_2_attributes_1_event", |b| {
            b.iter(|| {
                let span = tracing::info_span!("op", a = 1, b = "x");
                let _e = span.enter();
                tracing::info!("event");
            })
        });
        drop(parent);
    });
    // The floor under every layer: the same `tracing` code with `tracing-subscriber`'s
    // registry alone (span ids, parent tracking, enter/exit stacks, no layer).
    tracing::subscriber::with_default(tracing_subscriber::registry(), || {
        let parent = tracing::info_span!("request").entered();
        g.bench_function("tracing_registry_span_2_fields_1_event", |b| {
            b.iter(|| {
                let span = tracing::info_span!("op", a = 1, b = "x");
                let _e = span.enter();
                tracing::info!("event");
            })
        });
        drop(parent);
    });
    // The same `tracing` instrumentation through this project's layer into `ours`.
    let subscriber = tracing_subscriber::registry().with(TelemetryLayer::new(otel.telemetry()));
    tracing::subscriber::with_default(subscriber, || {
        let parent = tracing::info_span!("request").entered();
        g.bench_function("tracing_layer_span_2_fields_1_event", |b| {
            b.iter(|| {
                let span = tracing::info_span!("op", a = 1, b = "x");
                let _e = span.enter();
                tracing::info!("event");
            })
        });
        drop(parent);
    });
    g.finish();
    let _ = provider.shutdown();
    let _ = tprovider.shutdown();
    // Dropping would print the console metrics exporter's final export into the bench output.
    std::mem::forget(otel);
}

fn instruments(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    let otel = ours();
    let three = attrs!["route" => "/v1/sessions", "method" => "POST", "status" => 200];
    let handle = otel.counter(&InstrumentDescriptor::new("bench.handle").unwrap());
    g.bench_function("counter", |b| b.iter(|| handle.add(black_box(1), &[])));
    g.bench_function("counter_3_attributes", |b| {
        b.iter(|| handle.add(black_box(1), &three))
    });
    otel.record_counter("bench.by_name", 1, &[]);
    g.bench_function("counter_by_name", |b| {
        b.iter(|| otel.record_counter(black_box("bench.by_name"), 1, &[]))
    });
    let histogram = otel.histogram(
        &InstrumentDescriptor::new("bench.duration")
            .unwrap()
            .seconds(),
    );
    g.bench_function("histogram", |b| {
        b.iter(|| histogram.record(black_box(0.042), &[]))
    });

    let provider = SdkMeterProvider::builder()
        .with_reader(
            PeriodicReader::builder(DiscardMetrics)
                .with_interval(Duration::from_secs(3600))
                .build(),
        )
        .build();
    let meter = provider.meter("bench");
    let raw = meter.u64_counter("bench.raw").build();
    g.bench_function("raw_sdk_counter", |b| b.iter(|| raw.add(black_box(1), &[])));
    let raw_three = [
        KeyValue::new("route", "/v1/sessions"),
        KeyValue::new("method", "POST"),
        KeyValue::new("status", 200),
    ];
    g.bench_function("raw_sdk_counter_3_attributes", |b| {
        b.iter(|| raw.add(black_box(1), &raw_three))
    });
    let raw_histogram = meter
        .f64_histogram("bench.raw.duration")
        .with_unit("s")
        .with_boundaries(telemetry_core::DURATION_BUCKETS_SECONDS.to_vec())
        .build();
    g.bench_function("raw_sdk_histogram", |b| {
        b.iter(|| raw_histogram.record(black_box(0.042), &[]))
    });
    g.finish();
    std::mem::forget(otel);
}

criterion_group!(benches, spans, instruments);
criterion_main!(benches);
