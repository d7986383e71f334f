//! The OpenTelemetry implementation wired to an in-process OTLP receiver
//! (`telemetry_testkit::mock::receiver`).

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use mock_collector::ServerHandle;
use telemetry_otel::{OpenTelemetry, Signal};
use telemetry_testkit::env_source;

/// OpenTelemetry exporting traces and logs to `server`, configured in code only (the process
/// environment is ignored); `extra` supplies further `OTEL_*` values.
pub fn otel(server: &ServerHandle, extra: &[(&str, &str)]) -> OpenTelemetry {
    OpenTelemetry::builder("parallel-patterns-test")
        .with_env_source(env_source(extra))
        .with_protocol(telemetry_otel::Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", server.addr()))
        .with_exporters(Signal::Metrics, &[])
        .with_batch_schedule_delay(Duration::from_millis(50))
        .build()
        .expect("a valid OpenTelemetry configuration")
}
