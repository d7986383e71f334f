//! What telemetry lost is visible without Rust: Basic telemetry's `GET /metrics` ends with
//! the loss counters.

use agent_engine::{ServerTelemetry, spawn_test_server};
use telemetry_basic::LogFormat;
use telemetry_core::LogLevel;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_metrics_include_the_loss_counters() {
    let server = spawn_test_server(ServerTelemetry::basic(LogFormat::Text, LogLevel::Error))
        .await
        .unwrap();
    let http = agent_engine::tls::client().unwrap();
    let text = http
        .get(format!("{}/metrics", server.base_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        "# TYPE agent_telemetry_log_lines_dropped_total counter",
        "agent_telemetry_log_lines_dropped_total 0",
        "# TYPE agent_telemetry_measurements_dropped_total counter",
        "agent_telemetry_measurements_dropped_total{reason=\"invalid_name\"} ",
        "agent_telemetry_measurements_dropped_total{reason=\"non_finite\"} ",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    server.shutdown().await.unwrap();
}
