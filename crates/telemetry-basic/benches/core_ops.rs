//! Cost of the core operations: NoOp against Basic (scopes, a log call, metric records).
//!
//! Run: `cargo bench -p telemetry-basic --bench core_ops -- --warm-up-time 1 --measurement-time 2`.
//! The NoOp results are the reference for the Basic ones measured in the same run.

use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use telemetry_basic::{BasicContextualCorrelator, BasicMeter, ColorChoice, StdoutLogger};
use telemetry_core::{
    ContextualCorrelator, CorrelatorExt, InstrumentDescriptor, Logger, Meter, NoOpCorrelator,
    NoOpLogger, NoOpMeter, attrs,
};

/// Polls a future to completion with a no-op waker (the futures here never wait).
fn run<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn noop(c: &mut Criterion) {
    let mut g = c.benchmark_group("noop");
    let correlator = NoOpCorrelator;
    g.bench_function("scope enter+exit", |b| {
        b.iter(|| drop(black_box(correlator.enter_scope("request", &[]).unwrap())))
    });
    let logger = NoOpLogger;
    g.bench_function("log call", |b| {
        b.iter(|| logger.info(black_box("session created"), &attrs!["agent" => "planner"]))
    });
    let meter = NoOpMeter;
    let counter = meter.counter(&InstrumentDescriptor::new("requests").unwrap());
    g.bench_function("counter by handle", |b| {
        b.iter(|| counter.add(black_box(1), &attrs!["route" => "/v1/sessions"]))
    });
    g.bench_function("counter by name", |b| {
        b.iter(|| {
            meter.record_counter(black_box("requests"), 1, &attrs!["route" => "/v1/sessions"])
        })
    });
    g.finish();
}

fn basic(c: &mut Criterion) {
    let mut g = c.benchmark_group("basic");
    let correlator = BasicContextualCorrelator::new();
    g.bench_function("scope enter+exit", |b| {
        b.iter(|| drop(black_box(correlator.enter_scope("request", &[]).unwrap())))
    });
    g.bench_function("async scope (scoped, polled to completion)", |b| {
        b.iter(|| {
            run(correlator
                .scoped("request", &[], async { black_box(1) })
                .unwrap())
        })
    });
    g.bench_function("nested scopes depth 3", |b| {
        b.iter(|| {
            let _a = correlator.enter_scope("request", &[]).unwrap();
            let _b = correlator.enter_scope("invoke_agent planner", &[]).unwrap();
            let _c = correlator.enter_scope("execute_tool clock", &[]).unwrap();
            black_box(&_c);
        })
    });

    let shared: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let logger = StdoutLogger::with_writer(shared.clone(), Box::new(std::io::sink()))
        .color(ColorChoice::Never);
    let scope = shared.enter_scope("POST /v1/sessions", &[]).unwrap();
    g.bench_function("stdout logger text log call (sink, in a scope)", |b| {
        b.iter(|| {
            logger.info(
                black_box("session created"),
                &attrs!["agent" => "planner", "turn" => 3],
            )
        })
    });
    g.bench_function("stdout logger disabled level", |b| {
        b.iter(|| logger.debug(black_box("session created"), &attrs!["agent" => "planner"]))
    });
    drop(scope);

    let meter = BasicMeter::new();
    let counter = meter.counter(&InstrumentDescriptor::new("requests").unwrap());
    let three = attrs!["route" => "/v1/sessions", "method" => "POST", "status" => 200];
    g.bench_function("counter by handle", |b| {
        b.iter(|| counter.add(black_box(1), &attrs!["route" => "/v1/sessions"]))
    });
    g.bench_function("counter by handle, 3 attributes", |b| {
        b.iter(|| counter.add(black_box(1), &three))
    });
    g.bench_function("counter by name", |b| {
        b.iter(|| {
            meter.record_counter(black_box("requests"), 1, &attrs!["route" => "/v1/sessions"])
        })
    });
    let histogram = meter.histogram(&InstrumentDescriptor::new("op.duration").unwrap().seconds());
    g.bench_function("histogram by handle", |b| {
        b.iter(|| histogram.record(black_box(0.042), &attrs!["route" => "/v1/sessions"]))
    });
    g.bench_function("histogram by name", |b| {
        b.iter(|| {
            meter.record_histogram(
                black_box("payload.size"),
                512.0,
                &attrs!["route" => "/v1/sessions"],
            )
        })
    });
    g.finish();
}

criterion_group!(benches, noop, basic);
criterion_main!(benches);
