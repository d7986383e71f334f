//! The same patterns with NoOp and Basic telemetry: same results, Basic log lines carry the
//! root's correlation id.

use std::sync::Arc;

use parallel_patterns::{Pattern, run};
use telemetry_basic::{
    BasicContextualCorrelator, BasicMeter, LogFormat, MemoryWriter, StdoutLogger,
};
use telemetry_core::{ContextualCorrelator, LogLevel, Telemetry};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_pattern_runs_the_same_with_noop_and_basic() {
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let out = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()))
        .format(LogFormat::Json)
        .level(LogLevel::Info);
    let basic = Telemetry::new(Arc::new(logger), correlator, Arc::new(BasicMeter::new()));
    let noop = Telemetry::noop();
    for pattern in Pattern::ALL {
        let n = run(pattern, &noop).await.unwrap();
        let b = run(pattern, &basic).await.unwrap();
        assert_eq!(n.summary, b.summary, "{pattern:?}");
        assert_eq!(n.correlation_id, None);
        let id = b
            .correlation_id
            .expect("Basic scopes carry ids")
            .to_string();
        for line in out.lines() {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_eq!(
                v["correlation_id"].as_str(),
                Some(id.as_str()),
                "{pattern:?}: {line}"
            );
        }
        if pattern == Pattern::FanOutFanIn {
            let lines = out.lines();
            assert_eq!(lines.len(), 1);
            assert!(lines[0].contains(r#""level":"error""#) && lines[0].contains("api_failed"));
        }
        out.clear();
    }
}
