//! The cost of this crate's instrumentation against the raw OpenTelemetry SDK and `tracing` +
//! `tracing-opentelemetry`, all measured in one run with a discarding exporter, so the numbers
//! are the instrumentation itself. Read the results as ratios between the groups' lines.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use telemetry_core::{CorrelatorExt, InstrumentDescriptor, Logger, Meter, attrs};
use telemetry_otel::{ExporterKind, OpenTelemetry, Signal};
use tracing_subscriber::layer::SubscriberExt as _;

/// Drops every batch.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(black_box(batch));
        Ok(())
    }
}

fn ours() -> OpenTelemetry {
    OpenTelemetry::builder("bench")
        .with_env_source(|_| None)
        .with_exporters(Signal::Traces, &[])
        .with_exporters(Signal::Logs, &[])
        .with_exporters(Signal::Metrics, &[ExporterKind::Console])
        .with_metric_export_interval(std::time::Duration::from_secs(3600))
        .with_span_exporter(Discard)
        .build()
        .unwrap()
}

fn raw_provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(Discard).build())
        .build()
}

fn spans(c: &mut Criterion) {
    let mut g = c.benchmark_group("span_with_2_attributes_and_1_event");
    let otel = ours();
    g.bench_function("telemetry_otel", |b| {
        b.iter(|| {
            let s = otel
                .enter_scope("op", &attrs!["a" => 1, "b" => "x"])
                .unwrap();
            otel.info("event", &[]);
            drop(black_box(s));
        })
    });

    let provider = raw_provider();
    let tracer = provider.tracer("bench");
    g.bench_function("raw_otel_sdk", |b| {
        b.iter(|| {
            let mut span = tracer
                .span_builder("op")
                .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
                .start(&tracer);
            // The same two event attributes this crate writes (level, severity_number).
            span.add_event(
                "event",
                vec![
                    KeyValue::new("level", "INFO"),
                    KeyValue::new("severity_number", 9),
                ],
            );
            span.end();
        })
    });

    let tprovider = raw_provider();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tprovider.tracer("bench")));
    tracing::subscriber::with_default(subscriber, || {
        g.bench_function("tracing_opentelemetry", |b| {
            b.iter(|| {
                let span = tracing::info_span!("op", a = 1, b = "x");
                let _e = span.enter();
                tracing::info!("event");
            })
        });
    });
    g.finish();
    let _ = provider.shutdown();
    let _ = tprovider.shutdown();
    drop(otel);
}

fn counters(c: &mut Criterion) {
    let mut g = c.benchmark_group("counter_add");
    let otel = ours();
    let handle = otel.counter(&InstrumentDescriptor::new("bench.handle").unwrap());
    g.bench_function("telemetry_otel_handle", |b| {
        b.iter(|| handle.add(black_box(1), &[]))
    });
    otel.record_counter("bench.by_name", 1, &[]);
    g.bench_function("telemetry_otel_by_name", |b| {
        b.iter(|| otel.record_counter(black_box("bench.by_name"), 1, &[]))
    });
    let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
        .with_reader(
            opentelemetry_sdk::metrics::PeriodicReader::builder(
                opentelemetry_stdout::MetricExporter::default(),
            )
            .with_interval(std::time::Duration::from_secs(3600))
            .build(),
        )
        .build();
    let raw = provider.meter("bench").u64_counter("bench.raw").build();
    g.bench_function("raw_otel_sdk", |b| b.iter(|| raw.add(black_box(1), &[])));
    g.finish();
}

criterion_group!(benches, spans, counters);
criterion_main!(benches);
