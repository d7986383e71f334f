//! The libraries' own events (reqwest through `log`, hyper-util through `tracing`) during one
//! request reach the engine's Basic log lines with that request's correlation id. Its own
//! binary: the `tracing` subscriber and the `log` logger are process-wide.

mod common;

use std::sync::Arc;

use agent_engine::{ServerTelemetry, library_events, spawn_test_server};
use serde_json::Value;
use telemetry_basic::{
    BasicContextualCorrelator, BasicMeter, LogFormat, MemoryWriter, StdoutLogger,
};
use telemetry_core::{ContextualCorrelator, LogLevel, Telemetry};

fn is_library(target: &str) -> bool {
    ["reqwest", "hyper", "hyper_util"]
        .iter()
        .any(|l| target == *l || target.starts_with(&format!("{l}::")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_requests_library_events_share_the_responses_correlation_id() {
    let lines = MemoryWriter::new();
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let logger = Arc::new(
        StdoutLogger::with_writer(correlator.clone(), Box::new(lines.clone()))
            .format(LogFormat::Json)
            .level(LogLevel::Trace),
    );
    let t = Telemetry::new(logger, correlator, Arc::new(BasicMeter::new()));
    let filter = library_events::filter("info,reqwest=debug,hyper_util=trace", "test").unwrap();
    library_events::install(&t, filter).unwrap();
    let server = spawn_test_server(ServerTelemetry::from_telemetry(t))
        .await
        .unwrap();
    let http = agent_engine::tls::client().unwrap();
    let base = server.base_url();
    let session = common::api::new_session(&http, &base, Some("tester")).await;
    // research_task calls the local task API over HTTP with reqwest.
    let (_, turn) = common::api::say(&http, &base, &session, "research distributed tracing").await;
    server.shutdown().await.unwrap();
    let correlation_id = turn["correlation_id"].as_str().unwrap();
    let records: Vec<Value> = lines
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let library: Vec<&Value> = records
        .iter()
        .filter(|r| r["attributes"]["target"].as_str().is_some_and(is_library))
        .filter(|r| r["correlation_id"] == correlation_id)
        .collect();
    let targets: Vec<&str> = library
        .iter()
        .map(|r| r["attributes"]["target"].as_str().unwrap())
        .collect();
    assert!(
        targets.iter().any(|t| t.starts_with("reqwest")),
        "a reqwest (log) event in the request: {targets:?}\n{records:#?}"
    );
    assert!(
        targets.iter().any(|t| t.starts_with("hyper_util")),
        "a hyper-util (tracing) event in the request: {targets:?}\n{records:#?}"
    );
    // Those events sit in the request's scope tree, below its root.
    for r in &library {
        let path = r["scope_path"].as_array().unwrap();
        assert!(!path.is_empty(), "{r:#}");
    }
}
