//! Group 1, the disabled path: what instrumentation costs when telemetry is off.
//!
//! NoOp through the `Telemetry::noop()` bundle (its shared handles hold nothing, so a call is
//! an inlined branch; as an application holds it), and a scope through a bare
//! `Arc<dyn ContextualCorrelator>` (a virtual call), against `tracing` with no subscriber
//! (and a `tracing` event filtered out with this project's `TelemetryLayer` installed), the OpenTelemetry API with no SDK installed (its
//! global no-op tracer and meter) and `metrics` with no recorder. Log and counter calls are
//! measured four ways: with a literal `attrs!` list at the call site (a constant, promoted to a
//! `'static` array), with an `attrs!` list holding a run-time value (built and dropped per
//! call), through the `info!` / `add!` macros with that run-time value (built only when the
//! call records) and with the attributes prepared outside (the call itself). Allocations per
//! operation come from a counting global allocator after the timing runs.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use agent_telemetry_benches::{CountingAllocator, record};
use criterion::{Criterion, criterion_group, criterion_main};
use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, Tracer as _};
use telemetry_basic::{BasicTelemetry, LogFormat};
use telemetry_core::{
    ContextualCorrelator, CorrelatorExt, InstrumentDescriptor, LogLevel, Logger, NoOpCorrelator,
    NoOpLogger, Telemetry, attrs,
};
use telemetry_tracing::TelemetryLayer;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

const GROUP: &str = "disabled";

fn disabled(c: &mut Criterion) {
    let t = Telemetry::noop();
    let counter = t
        .meter
        .counter(&InstrumentDescriptor::new("requests").unwrap());
    let prepared_log = attrs!["agent" => "planner"];
    let prepared_counter = attrs!["route" => "/v1/sessions"];
    let otel_tracer = opentelemetry::global::tracer("bench");
    let otel_counter = opentelemetry::global::meter("bench")
        .u64_counter("requests")
        .build();
    let metrics_counter = metrics::counter!("requests", "route" => "/v1/sessions");

    let mut g = c.benchmark_group(GROUP);
    let mut allocs = Vec::new();
    // Each case is timed and then its allocations counted, with the same statically
    // dispatched closure (a boxed closure would add an indirect call to every case).
    macro_rules! case {
        ($name:literal, $f:expr) => {{
            let f = $f;
            g.bench_function($name, |b| b.iter(&f));
            allocs.push(($name, ALLOC.per_op(100_000, &f)));
        }};
    }
    case!("noop_scope", || drop(black_box(
        t.correlator.enter_scope("request", &[])
    )));
    let dyn_noop: Arc<dyn ContextualCorrelator> = Arc::new(NoOpCorrelator);
    case!("noop_scope_dyn", || drop(black_box(
        dyn_noop.enter_scope("request", &[])
    )));
    // Statically typed NoOp (no `dyn`): what generic code over the traits pays.
    case!("noop_scope_static", || drop(black_box(
        NoOpCorrelator.enter_scope("request", &[])
    )));
    case!("noop_log_static", || NoOpLogger.info(
        black_box("session created"),
        &attrs!["agent" => "planner"]
    ));
    case!("noop_log", || t.logger.info(
        black_box("session created"),
        &attrs!["agent" => "planner"]
    ));
    // A value known only at run time: the array is built, and dropped, on every call.
    case!("noop_log_runtime", || t.logger.info(
        black_box("session created"),
        &attrs!["session.id" => black_box("s-42")]
    ));
    // The level-checked macro: attributes are built only when the level is enabled.
    case!("noop_log_macro", || telemetry_core::info!(
        t.logger,
        black_box("session created"),
        "session.id" => black_box("s-42")
    ));
    case!("noop_log_prepared", || t
        .logger
        .info(black_box("session created"), &prepared_log));
    case!("noop_counter", || counter
        .add(black_box(1), &attrs!["route" => "/v1/sessions"]));
    case!("noop_counter_runtime", || counter.add(
        black_box(1),
        &attrs!["route" => black_box("/v1/sessions")]
    ));
    // The handle-checked macro: attributes are built only for a live handle.
    case!("noop_counter_macro", || telemetry_core::add!(
        counter,
        black_box(1),
        "route" => black_box("/v1/sessions")
    ));
    case!("noop_counter_prepared", || counter
        .add(black_box(1), &prepared_counter));
    case!("noop_counter_by_name", || t.meter.record_counter(
        black_box("requests"),
        1,
        &attrs!["route" => "/v1/sessions"]
    ));
    case!("tracing_span", || drop(black_box(
        tracing::info_span!("request").entered()
    )));
    case!("tracing_event", || tracing::info!(
        agent = "planner",
        "session created"
    ));
    case!("otel_noop_span", || {
        let mut span = otel_tracer.start(black_box("request"));
        span.end();
    });
    case!("otel_noop_counter", || otel_counter
        .add(black_box(1), &[KeyValue::new("route", "/v1/sessions")]));
    case!("metrics_counter", || metrics_counter
        .increment(black_box(1)));
    case!("metrics_counter_macro", || metrics::counter!(
        "requests",
        "route" => "/v1/sessions"
    )
    .increment(black_box(1)));
    // Last: a scoped subscriber changes `tracing`'s callsite interest and global max level,
    // which the no-subscriber cases above must not see. The layer sits behind an INFO filter
    // (the agent engine's default), and the event is a `debug!`.
    let basic = BasicTelemetry::stdout(LogFormat::Text, LogLevel::Info);
    let subscriber = tracing_subscriber::registry()
        .with(TelemetryLayer::new(basic.telemetry.clone()).with_filter(LevelFilter::INFO));
    tracing::subscriber::with_default(subscriber, || {
        case!("tracing_layer_disabled_event", || tracing::debug!(
            agent = "planner",
            "session created"
        ));
    });
    g.finish();

    for (name, per_op) in allocs {
        record(GROUP, &format!("{name}_allocs"), per_op, "allocs/op");
    }
}

criterion_group!(benches, disabled);
criterion_main!(benches);
