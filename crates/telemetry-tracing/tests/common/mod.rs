//! Shared by the OTLP tests (the OpenTelemetry pipeline and its receiver are
//! `telemetry_testkit::otel`'s): a subscriber with the layer.
#![allow(dead_code, unreachable_pub)]

use telemetry_core::Telemetry;
use telemetry_tracing::TelemetryLayer;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt as _;

/// The service name of the tests' pipelines.
pub const SERVICE: &str = "telemetry-tracing-test";

/// The layer over `t`, behind a per-layer INFO filter.
pub fn subscriber(t: Telemetry) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry().with(TelemetryLayer::new(t).with_filter(LevelFilter::INFO))
}
