//! Shared by the OTLP tests: the OpenTelemetry implementation exporting to an in-process
//! receiver (mock-collector, HTTP/protobuf on 127.0.0.1:0), and a subscriber with the layer.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use mock_collector::ServerHandle;
use telemetry_core::{Lifecycle as _, Telemetry};
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::{Received, env_source, mock};
use telemetry_tracing::TelemetryLayer;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

pub const WAIT: Duration = Duration::from_secs(10);

/// A receiver and an OpenTelemetry implementation exporting every signal to it.
pub async fn otel() -> (OpenTelemetry, ServerHandle) {
    let server = mock::receiver().await;
    let otel = OpenTelemetry::builder("telemetry-tracing-test")
        .with_env_source(env_source(&[]))
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .expect("a valid configuration");
    (otel, server)
}

/// The layer over `t`, behind a per-layer INFO filter.
pub fn subscriber(t: Telemetry) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry().with(TelemetryLayer::new(t).with_filter(LevelFilter::INFO))
}

/// Shuts `otel` down (exporting everything) and reads what `server` got once it holds at
/// least `spans` spans.
pub async fn received(otel: OpenTelemetry, server: ServerHandle, spans: usize) -> Received {
    otel.shutdown(WAIT).await.expect("shutdown");
    server
        .wait_for_spans(spans, WAIT)
        .await
        .expect("spans arrive");
    let got = server.with_collector(mock::received).await;
    server.shutdown().await.expect("receiver stops");
    got
}
