//! Group 2, Basic: scopes (sync enter/exit, with a span link, async, nested to depth 3, with the
//! local span recorder attached), a log call to a discarding sink, counter and histogram records.
//!
//! References in the same run: a fastrace local span under a live root (with a discarding
//! reporter; the root is renewed every 1,000 children, so its own cost is amortised into the
//! figure) and a `metrics` counter handle backed by an in-memory atomic (`metrics` implements
//! its `CounterFn` for `AtomicU64`), the cheapest real counter `metrics` offers.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use agent_telemetry_benches::run_ready;
use criterion::{Criterion, criterion_group, criterion_main};
use fastrace::collector::{Config, Reporter, SpanContext, SpanRecord};
use fastrace::local::LocalSpan;
use fastrace::prelude::Span as FastraceSpan;
use telemetry_basic::{BasicContextualCorrelator, BasicMeter, ColorChoice, StdoutLogger};
use telemetry_core::{
    ContextualCorrelator, CorrelatorExt, InstrumentDescriptor, Logger, Meter, ScopeOptions,
    Telemetry, attrs,
};
use telemetry_recorder::Recorder;

const GROUP: &str = "basic";

struct DiscardReporter;

impl Reporter for DiscardReporter {
    fn report(&mut self, spans: Vec<SpanRecord>) {
        drop(black_box(spans));
    }
}

fn basic(c: &mut Criterion) {
    let mut g = c.benchmark_group(GROUP);
    let correlator = BasicContextualCorrelator::new();
    g.bench_function("scope", |b| {
        b.iter(|| drop(black_box(correlator.enter_scope("request", &[]))))
    });
    let dyn_correlator: Arc<dyn ContextualCorrelator> = Arc::new(correlator);
    g.bench_function("scope_dyn", |b| {
        b.iter(|| drop(black_box(dyn_correlator.enter_scope("request", &[]))))
    });
    let two = attrs!["gen_ai.operation.name" => "chat", "gen_ai.request.model" => "gpt-4o"];
    g.bench_function("scope_2_attributes", |b| {
        b.iter(|| drop(black_box(correlator.enter_scope("chat gpt-4o", &two))))
    });
    // A span link (a fan-in's input): the link's attribute is copied into the scope.
    let input = correlator.open_scope(ScopeOptions::new("map 0").root());
    let index = attrs!["task.index" => 0];
    g.bench_function("scope_1_link", |b| {
        b.iter(|| {
            let options = ScopeOptions::new("reduce").link(input.context(), &index);
            drop(black_box(correlator.open_scope(options).entered()))
        })
    });
    g.bench_function("scope_async", |b| {
        b.iter(|| run_ready(correlator.scoped("request", &[], async { black_box(1) })))
    });
    g.bench_function("scope_nested_3", |b| {
        b.iter(|| {
            let _a = correlator.enter_scope("request", &[]);
            let _b = correlator.enter_scope("invoke_agent planner", &[]);
            let c = correlator.enter_scope("execute_tool clock", &[]);
            black_box(&c);
        })
    });

    // The local span recorder: the same Basic scope through a `Telemetry` bundle, without and
    // with a recorder attached. Each iteration is a new trace, so the recorder runs at its
    // steady state: full at 500 traces, evicting the oldest one per new trace.
    let bundle = Telemetry::new(
        Arc::new(telemetry_core::NoOpLogger),
        Arc::new(BasicContextualCorrelator::new()),
        Arc::new(telemetry_core::NoOpMeter),
    );
    g.bench_function("scope_bundle", |b| {
        b.iter(|| drop(black_box(bundle.correlator.enter_scope("request", &[]))))
    });
    let recorded = Recorder::default().attach(&bundle);
    g.bench_function("scope_recorded", |b| {
        b.iter(|| drop(black_box(recorded.correlator.enter_scope("request", &[]))))
    });

    fastrace::set_reporter(DiscardReporter, Config::default());
    g.bench_function("fastrace_local_span", |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(1000);
                left -= n;
                let start = Instant::now();
                let root = FastraceSpan::root("request", SpanContext::random());
                let guard = root.set_local_parent();
                for _ in 0..n {
                    drop(black_box(LocalSpan::enter_with_local_parent("child")));
                }
                drop(guard);
                drop(root);
                elapsed += start.elapsed();
            }
            elapsed
        })
    });

    let shared: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let logger = StdoutLogger::with_writer(shared.clone(), Box::new(std::io::sink()))
        .color(ColorChoice::Never);
    let scope = shared.enter_scope("POST /v1/sessions", &[]);
    g.bench_function("log_text_sink", |b| {
        b.iter(|| {
            logger.info(
                black_box("session created"),
                &attrs!["agent" => "planner", "turn" => 3],
            )
        })
    });
    g.bench_function("log_disabled_level", |b| {
        b.iter(|| logger.debug(black_box("session created"), &attrs!["agent" => "planner"]))
    });
    drop(scope);

    let meter = BasicMeter::new();
    let counter = meter.counter(&InstrumentDescriptor::new("requests").unwrap());
    let route = attrs!["route" => "/v1/sessions"];
    g.bench_function("counter", |b| b.iter(|| counter.add(black_box(1), &[])));
    g.bench_function("counter_1_attribute", |b| {
        b.iter(|| counter.add(black_box(1), &route))
    });
    g.bench_function("counter_by_name", |b| {
        b.iter(|| meter.record_counter(black_box("requests"), 1, &route))
    });
    let histogram = meter.histogram(&InstrumentDescriptor::new("op.duration").unwrap().seconds());
    g.bench_function("histogram", |b| {
        b.iter(|| histogram.record(black_box(0.042), &[]))
    });
    g.bench_function("histogram_1_attribute", |b| {
        b.iter(|| histogram.record(black_box(0.042), &route))
    });
    let reference = metrics::Counter::from_arc(Arc::new(AtomicU64::new(0)));
    g.bench_function("metrics_counter_handle", |b| {
        b.iter(|| reference.increment(black_box(1)))
    });
    g.finish();
}

criterion_group!(benches, basic);
criterion_main!(benches);
