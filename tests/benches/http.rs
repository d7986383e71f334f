//! Group 7, HTTP server instrumentation: one request through an axum router with
//! `telemetry-http`'s `HttpServerLayer` into this project's OpenTelemetry implementation,
//! against the same router with no layer, and against the peer most Rust services run:
//! `tower-http`'s `TraceLayer` with `tracing-opentelemetry` exporting through the same SDK
//! pipeline (see [`agent_telemetry_benches::http`] for its configuration).
//!
//! The router is called in-process as a `tower` service (no socket, no HTTP parsing), so the
//! ratio is the layer's own cost against the least work a request takes: route match,
//! handler, response. The layer does what it does in production: a SERVER span with its
//! attributes (the SDK's simple span processor in front of a discarding exporter), the
//! duration and active-request metrics, the request's log line (a span event), and the
//! correlation header. The peer does less: a span with `method`, `uri` and `version`, and one
//! event with the status and latency; no metrics, no semantic-convention attributes.
#![allow(missing_docs)]

use std::hint::black_box;

use agent_telemetry_benches::http::{
    peer_subscriber, peer_trace_layer, peer_tracer_provider, request, router,
};
use criterion::{Criterion, criterion_group, criterion_main};
use telemetry_http::HttpServerLayer;
use telemetry_otel::OpenTelemetry;
use tower_service::Service as _;

const GROUP: &str = "http";

fn ours() -> OpenTelemetry {
    agent_telemetry_benches::otel_discarding()
}

fn requests(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let mut g = c.benchmark_group(GROUP);
    let mut plain = router();
    g.bench_function("router_no_layer", |b| {
        b.iter(|| {
            let response = rt.block_on(plain.call(request())).expect("infallible");
            black_box(response);
        })
    });
    let otel = ours();
    let mut traced = router().layer(HttpServerLayer::new(otel.telemetry()));
    g.bench_function("router_server_layer_otel", |b| {
        b.iter(|| {
            let response = rt.block_on(traced.call(request())).expect("infallible");
            black_box(response);
        })
    });
    let provider = peer_tracer_provider();
    let mut peer = router().layer(peer_trace_layer());
    tracing::subscriber::with_default(peer_subscriber(&provider), || {
        g.bench_function("router_tower_http_trace_otel", |b| {
            b.iter(|| {
                let response = rt.block_on(peer.call(request())).expect("infallible");
                black_box(response);
            })
        });
    });
    g.finish();
    let _ = provider.shutdown();
    // Dropping would print the console metrics exporter's final export into the bench output.
    std::mem::forget(otel);
}

criterion_group!(benches, requests);
criterion_main!(benches);
