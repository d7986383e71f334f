//! Group 7, HTTP server instrumentation: one request through an axum router with
//! `telemetry-http`'s `HttpServerLayer` into this project's OpenTelemetry implementation,
//! against the same router with no layer, in the same run.
//!
//! The router is called in-process as a `tower` service (no socket, no HTTP parsing), so the
//! ratio is the layer's own cost against the least work a request takes: route match,
//! handler, response. The layer does what it does in production: a SERVER span with its
//! attributes (the SDK's simple span processor in front of a discarding exporter), the
//! duration and active-request metrics, the request's log line (a span event), and the
//! correlation header.
#![allow(missing_docs)]

use std::hint::black_box;

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use http::Request;
use telemetry_http::HttpServerLayer;
use telemetry_otel::OpenTelemetry;
use tower_service::Service as _;

const GROUP: &str = "http";

fn ours() -> OpenTelemetry {
    agent_telemetry_benches::otel_discarding()
}

fn router() -> Router {
    Router::new().route("/v1/items/{id}", get(|| async { "item" }))
}

fn request() -> Request<Body> {
    Request::get("/v1/items/42")
        .header("host", "127.0.0.1:8080")
        .header("user-agent", "bench/1.0")
        .body(Body::empty())
        .expect("a valid request")
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
    g.finish();
    // Dropping would print the console metrics exporter's final export into the bench output.
    std::mem::forget(otel);
}

criterion_group!(benches, requests);
criterion_main!(benches);
