//! The HTTP benchmark's router, request and the peer stack (`benches/http.rs`, `iai/`).

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::Request;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

use crate::Discard;

/// One route with a path parameter, whose handler returns a constant body.
pub fn router() -> Router {
    Router::new().route("/v1/items/{id}", get(|| async { "item" }))
}

/// `GET /v1/items/42` with the `Host` and `User-Agent` headers a client sends.
///
/// # Panics
/// Never for this fixed request.
pub fn request() -> Request<Body> {
    Request::get("/v1/items/42")
        .header("host", "127.0.0.1:8080")
        .header("user-agent", "bench/1.0")
        .body(Body::empty())
        .expect("a valid request")
}

/// `tower-http`'s trace layer as a service in production configures it: an INFO span per
/// request (`method`, `uri`, `version`) and an INFO event with the status and latency when the
/// response is ready. The defaults make both DEBUG, which an INFO filter would drop, and log
/// the request's start too, which services usually turn off.
pub type PeerTraceLayer =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, DefaultMakeSpan, (), DefaultOnResponse>;

/// See [`PeerTraceLayer`].
pub fn peer_trace_layer() -> PeerTraceLayer {
    TraceLayer::new_for_http()
        .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
        .on_request(())
        .on_response(DefaultOnResponse::new().level(Level::INFO))
}

/// The SDK pipeline the peer exports through: the same simple span processor in front of
/// [`Discard`] as [`otel_discarding`](crate::otel_discarding) uses.
pub fn peer_tracer_provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_processor(SimpleSpanProcessor::new(Discard))
        .build()
}

/// `tracing-subscriber`'s registry with `tracing-opentelemetry` behind an INFO filter (the
/// usual `RUST_LOG=info`), exporting through `provider`.
pub fn peer_subscriber(provider: &SdkTracerProvider) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry().with(
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("bench"))
            .with_filter(LevelFilter::INFO),
    )
}
