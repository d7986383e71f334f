//! The hot paths under Callgrind: each benchmark runs one operation `n` times (the bench id,
//! `x<n>`) on a fixture its setup built and warmed up, so the count excludes setup, first-call
//! work (callsite registration, lazy statics, interning) and the fixture's drop (the fixture is
//! returned, and dropped outside the measured function).
//!
//! `cargo xtask iai` runs this and compares each row with `tests/iai/baselines.json`. Rows in
//! the `peers` group are what users would run instead (the raw OpenTelemetry SDK,
//! `tracing-opentelemetry`, `tower-http`'s `TraceLayer`) or the floor under a row (the
//! `tracing` registry with no layer, the router with no layer): they give the ratios in the
//! same metric and are reported, not gated.
//!
//! Nothing measured may depend on chance: ids come from seeded-per-thread generators whose
//! instruction count does not depend on the random seed, and no row's hash map grows while measured.
#![allow(missing_docs)]

use std::hint::black_box;
use std::mem::ManuallyDrop;

use agent_telemetry_benches::http::{
    peer_subscriber, peer_trace_layer, peer_tracer_provider, request, router,
};
use agent_telemetry_benches::{SECRETS, agent_message, otel_discarding};
use agent_telemetry_iai::{repeat, warm};
use axum::Router;
use gungraun::{library_benchmark, library_benchmark_group, main};
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry::{Context as OtelContext, KeyValue};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use telemetry_basic::BasicContextualCorrelator;
use telemetry_core::{
    CorrelatorExt, Counter, InstrumentDescriptor, Logger, Meter as _, ScopeGuard, Telemetry, attrs,
};
use telemetry_genai::{DefaultRedactor, Redactor};
use telemetry_http::HttpServerLayer;
use telemetry_otel::OpenTelemetry;
use telemetry_tracing::TelemetryLayer;
use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::SubscriberExt as _;

// --- NoOp ---------------------------------------------------------------------------------

fn noop_log_op(t: &Telemetry) {
    t.logger
        .info(black_box("session created"), &attrs!["agent" => "planner"]);
}

fn noop_scope_op(t: &Telemetry) {
    drop(black_box(t.correlator.enter_scope("request", &[])));
}

fn setup_noop(n: usize) -> (Telemetry, usize) {
    let t = Telemetry::noop();
    noop_log_op(&t);
    noop_scope_op(&t);
    (t, n)
}

#[library_benchmark]
#[bench::x1000(args = (1000), setup = setup_noop)]
fn log((t, n): (Telemetry, usize)) -> Telemetry {
    repeat(t, n, noop_log_op)
}

#[library_benchmark]
#[bench::x1000(args = (1000), setup = setup_noop)]
fn scope((t, n): (Telemetry, usize)) -> Telemetry {
    repeat(t, n, noop_scope_op)
}

library_benchmark_group!(name = noop; benchmarks = log, scope);

// --- Basic ----------------------------------------------------------------------------------

fn basic_scope_op(c: &BasicContextualCorrelator) {
    drop(black_box(c.enter_scope("request", &[])));
}

fn setup_basic(n: usize) -> (BasicContextualCorrelator, usize) {
    (warm(BasicContextualCorrelator::new(), basic_scope_op), n)
}

#[library_benchmark]
#[bench::x1000(args = (1000), setup = setup_basic)]
fn basic_scope((c, n): (BasicContextualCorrelator, usize)) -> BasicContextualCorrelator {
    repeat(c, n, basic_scope_op)
}

library_benchmark_group!(name = basic; benchmarks = basic_scope);

// --- OpenTelemetry --------------------------------------------------------------------------

/// This project's OpenTelemetry implementation (simple span processor, discarding exporter)
/// with a parent scope entered, as in a request.
struct Otel {
    otel: ManuallyDrop<OpenTelemetry>,
    counter: Counter,
    _parent: ScopeGuard,
}

fn otel_fixture() -> Otel {
    let otel = otel_discarding();
    let counter = otel.counter(&InstrumentDescriptor::new("bench.handle").expect("a valid name"));
    let parent = otel.enter_scope("request", &[]);
    Otel {
        // Dropping would print the console metrics exporter's final export.
        otel: ManuallyDrop::new(otel),
        counter,
        _parent: parent,
    }
}

fn otel_scope_event_op(f: &Otel) {
    let s = f.otel.enter_scope("op", &attrs!["a" => 1, "b" => "x"]);
    f.otel.info(black_box("event"), &[]);
    drop(black_box(s));
}

fn otel_counter_op(f: &Otel) {
    f.counter.add(black_box(1), &[]);
}

fn otel_counter_3_attributes_op(f: &Otel) {
    f.counter.add(
        black_box(1),
        &attrs!["route" => "/v1/sessions", "method" => "POST", "status" => 200],
    );
}

fn setup_otel(n: usize, op: fn(&Otel)) -> (Otel, usize, fn(&Otel)) {
    (warm(otel_fixture(), op), n, op)
}

#[library_benchmark]
#[bench::x1000(args = (1000, otel_scope_event_op), setup = setup_otel)]
fn scope_2_attributes_1_event((f, n, op): (Otel, usize, fn(&Otel))) -> Otel {
    repeat(f, n, op)
}

#[library_benchmark]
#[bench::x1000(args = (1000, otel_counter_op), setup = setup_otel)]
fn counter((f, n, op): (Otel, usize, fn(&Otel))) -> Otel {
    repeat(f, n, op)
}

#[library_benchmark]
#[bench::x1000(args = (1000, otel_counter_3_attributes_op), setup = setup_otel)]
fn counter_3_attributes((f, n, op): (Otel, usize, fn(&Otel))) -> Otel {
    repeat(f, n, op)
}

library_benchmark_group!(
    name = otel;
    benchmarks = scope_2_attributes_1_event, counter, counter_3_attributes
);

// --- tracing --------------------------------------------------------------------------------

/// A `tracing` subscriber set as this thread's default, with a parent span entered.
struct Tracing {
    _parent: tracing::span::EnteredSpan,
    _default: DefaultGuard,
    _keep: Box<dyn std::any::Any>,
}

fn tracing_span_op(_: &Tracing) {
    let span = tracing::info_span!("op", a = 1, b = "x");
    let _e = span.enter();
    tracing::info!("event");
}

fn tracing_fixture(
    subscriber: impl tracing::Subscriber + Send + Sync,
    keep: Box<dyn std::any::Any>,
) -> Tracing {
    let default = tracing::subscriber::set_default(subscriber);
    let parent = tracing::info_span!("request").entered();
    warm(
        Tracing {
            _parent: parent,
            _default: default,
            _keep: keep,
        },
        tracing_span_op,
    )
}

fn setup_tracing_layer(n: usize) -> (Tracing, usize) {
    let otel = otel_discarding();
    let subscriber = tracing_subscriber::registry().with(TelemetryLayer::new(otel.telemetry()));
    (
        tracing_fixture(subscriber, Box::new(ManuallyDrop::new(otel))),
        n,
    )
}

#[library_benchmark]
#[bench::x1000(args = (1000), setup = setup_tracing_layer)]
fn layer_span_2_fields_1_event((f, n): (Tracing, usize)) -> Tracing {
    repeat(f, n, tracing_span_op)
}

library_benchmark_group!(name = tracing_layer; benchmarks = layer_span_2_fields_1_event);

// --- HTTP -----------------------------------------------------------------------------------

/// A router called in-process as a `tower` service on a current-thread runtime.
struct Http<S> {
    runtime: tokio::runtime::Runtime,
    service: std::cell::RefCell<S>,
    _keep: Box<dyn std::any::Any>,
}

fn http_op<S>(f: &Http<S>)
where
    S: tower_service::Service<http::Request<axum::body::Body>, Error = std::convert::Infallible>,
{
    let mut service = f.service.borrow_mut();
    let response = f.runtime.block_on(service.call(request()));
    drop(black_box(response));
}

fn http_fixture<S>(service: S, keep: Box<dyn std::any::Any>) -> Http<S>
where
    S: tower_service::Service<http::Request<axum::body::Body>, Error = std::convert::Infallible>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    warm(
        Http {
            runtime,
            service: service.into(),
            _keep: keep,
        },
        http_op,
    )
}

fn setup_http_server_layer(n: usize) -> (Http<Router>, usize) {
    let otel = otel_discarding();
    let service = router().layer(HttpServerLayer::new(otel.telemetry()));
    (http_fixture(service, Box::new(ManuallyDrop::new(otel))), n)
}

#[library_benchmark]
#[bench::x100(args = (100), setup = setup_http_server_layer)]
fn server_layer_otel((f, n): (Http<Router>, usize)) -> Http<Router> {
    repeat(f, n, http_op)
}

library_benchmark_group!(name = http_server; benchmarks = server_layer_otel);

// --- redaction ------------------------------------------------------------------------------

// `&String`: every op takes `&Fixture`, and this fixture is the message.
#[allow(clippy::ptr_arg)]
fn redact_op(message: &String) {
    drop(black_box(DefaultRedactor.redact(black_box(message))));
}

fn setup_redact(secrets: usize) -> String {
    warm(agent_message(&SECRETS[..secrets]), redact_op)
}

#[library_benchmark]
#[bench::x10(args = (0), setup = setup_redact)]
fn default_4k_no_secret(message: String) -> String {
    repeat(message, 10, redact_op)
}

#[library_benchmark]
#[bench::x10(args = (8), setup = setup_redact)]
fn default_4k_8_secrets(message: String) -> String {
    repeat(message, 10, redact_op)
}

library_benchmark_group!(
    name = redact;
    benchmarks = default_4k_no_secret, default_4k_8_secrets
);

// --- peers (reported, not gated) ------------------------------------------------------------

/// The raw SDK doing what a scope + log call does: a child span with 2 attributes made
/// current (`Context::attach`), an event with `level` and `severity_number` on the active
/// span, then detached and ended.
struct RawSdk {
    tracer: SdkTracer,
    _parent: opentelemetry::ContextGuard,
    _provider: SdkTracerProvider,
}

fn raw_sdk_op(f: &RawSdk) {
    let span = f
        .tracer
        .span_builder("op")
        .with_attributes([KeyValue::new("a", 1), KeyValue::new("b", "x")])
        .start(&f.tracer);
    let cx = OtelContext::current_with_span(span);
    let guard = cx.clone().attach();
    OtelContext::map_current(|cx| {
        cx.span().add_event(
            black_box("event"),
            vec![
                KeyValue::new("level", "INFO"),
                KeyValue::new("severity_number", 9),
            ],
        )
    });
    drop(guard);
    cx.span().end();
}

fn setup_raw_sdk(n: usize) -> (RawSdk, usize) {
    let provider = peer_tracer_provider();
    let tracer = provider.tracer("bench");
    let parent = OtelContext::current_with_span(tracer.start("request")).attach();
    let f = RawSdk {
        tracer,
        _parent: parent,
        _provider: provider,
    };
    (warm(f, raw_sdk_op), n)
}

#[library_benchmark]
#[bench::x1000(args = (1000), setup = setup_raw_sdk)]
fn raw_sdk_attached_span_2_attributes_1_event((f, n): (RawSdk, usize)) -> RawSdk {
    repeat(f, n, raw_sdk_op)
}

fn setup_tracing_otel(n: usize) -> (Tracing, usize) {
    let provider = peer_tracer_provider();
    let subscriber = peer_subscriber(&provider);
    (tracing_fixture(subscriber, Box::new(provider)), n)
}

#[library_benchmark]
#[bench::x1000(args = (1000), setup = setup_tracing_otel)]
fn tracing_otel_span_2_fields_1_event((f, n): (Tracing, usize)) -> Tracing {
    repeat(f, n, tracing_span_op)
}

fn setup_tower_http(n: usize) -> (Http<Router>, usize) {
    let provider = peer_tracer_provider();
    let default = tracing::subscriber::set_default(peer_subscriber(&provider));
    let service = router().layer(peer_trace_layer());
    (http_fixture(service, Box::new((provider, default))), n)
}

#[library_benchmark]
#[bench::x100(args = (100), setup = setup_tower_http)]
fn tower_http_trace_otel((f, n): (Http<Router>, usize)) -> Http<Router> {
    repeat(f, n, http_op)
}

/// The floor under the tracing rows: `tracing-subscriber`'s registry with no layer.
fn setup_tracing_registry(n: usize) -> (Tracing, usize) {
    (
        tracing_fixture(tracing_subscriber::registry(), Box::new(())),
        n,
    )
}

#[library_benchmark]
#[bench::x1000(args = (1000), setup = setup_tracing_registry)]
fn tracing_registry_span_2_fields_1_event((f, n): (Tracing, usize)) -> Tracing {
    repeat(f, n, tracing_span_op)
}

/// The floor under the HTTP rows: the same router with no layer.
fn setup_router(n: usize) -> (Http<Router>, usize) {
    (http_fixture(router(), Box::new(())), n)
}

#[library_benchmark]
#[bench::x100(args = (100), setup = setup_router)]
fn router_no_layer((f, n): (Http<Router>, usize)) -> Http<Router> {
    repeat(f, n, http_op)
}

library_benchmark_group!(
    name = peers;
    benchmarks = raw_sdk_attached_span_2_attributes_1_event,
        tracing_otel_span_2_fields_1_event,
        tracing_registry_span_2_fields_1_event,
        tower_http_trace_otel,
        router_no_layer
);

main!(
    library_benchmark_groups = noop,
    basic,
    otel,
    tracing_layer,
    http_server,
    redact,
    peers
);
