//! The real binary: `agent-engine serve --open-telemetry` as a child process exporting to an
//! in-process OTLP receiver, driven over HTTP, stopped with SIGTERM. Every span of every
//! request arrives (the batch delay is a minute, so they arrive through the shutdown flush),
//! nothing is counted as lost, and the process exits 0 within its drain and flush timeouts.
#![cfg(unix)]

mod common;

use serde_json::{Value, json};
use telemetry_testkit::{assert_no_orphans, mock};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_flushes_every_span_of_every_request_and_exits_zero() {
    let receiver = mock::receiver().await;
    let mut env = common::engine::otlp_env(
        &format!("http://{}", receiver.addr()),
        "http/protobuf",
        "agent-engine-sigterm",
    );
    // Metrics too, and every batch held a minute: what arrives came through the shutdown flush.
    for (k, v) in [
        ("OTEL_METRICS_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10000"),
        ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
        ("OTEL_BLRP_SCHEDULE_DELAY", "60000"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "60000"),
    ] {
        env.push((k.to_owned(), v.to_owned()));
    }
    let engine = common::engine::Engine::start(["--drain-timeout", "10"], &env);
    let http = agent_engine::tls::client().unwrap();
    let base = format!("http://{}", engine.addr);
    let mut traces = Vec::new();
    let mut record = |r: &reqwest::Response| {
        traces.push(r.headers()["x-correlation-id"].to_str().unwrap().to_owned());
    };
    for agent in ["planner", "researcher"] {
        let r = http
            .post(format!("{base}/v1/sessions"))
            .json(&json!({ "agent": agent }))
            .send()
            .await
            .unwrap();
        record(&r);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for content in [
            "what is 6 * 7 and what time is it?",
            "research rust observability",
            "thanks",
        ] {
            let r = http
                .post(format!("{base}/v1/sessions/{id}/messages"))
                .json(&json!({ "content": content }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            record(&r);
        }
        let r = http
            .get(format!("{base}/v1/sessions/{id}"))
            .send()
            .await
            .unwrap();
        record(&r);
    }
    let r = http
        .get(format!("{base}/v1/sessions/unknown"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    record(&r);

    // SIGTERM, then wait: drain (10 s) + telemetry flush (5 s) bound it.
    let stopped = engine.stop_timed();
    let (rest, took) = (stopped.stderr, stopped.after);
    eprintln!("exited 0 {took:?} after SIGTERM; stderr tail: {rest:?}");
    assert!(
        rest.iter()
            .any(|l| l.contains("telemetry lost: spans 0 in 0 failed exports + 0 not exported")),
        "{rest:?}"
    );

    let got = receiver.with_collector(mock::received).await;
    eprintln!(
        "{} requests, {} spans and {} log records received",
        traces.len(),
        got.spans.len(),
        got.logs.len()
    );
    // Every request's trace is there with its SERVER span, and no span lacks its parent.
    for trace in &traces {
        let spans: Vec<_> = got.spans.iter().filter(|s| &s.trace_id == trace).collect();
        assert!(
            spans
                .iter()
                .any(|s| s.kind == "SPAN_KIND_SERVER" && s.parent_span_id.is_empty()),
            "trace {trace}: {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
    let servers = got
        .spans
        .iter()
        .filter(|s| s.parent_span_id.is_empty() && traces.contains(&s.trace_id))
        .count();
    // One root per request (the research tool's calls to the task API are SERVER spans too,
    // but children within the turn's trace).
    assert_eq!(servers, traces.len());
    assert_no_orphans(&got.spans);
    // The turns' GenAI spans arrived too: six invoke_agent spans.
    assert_eq!(
        got.spans
            .iter()
            .filter(|s| s.name.starts_with("invoke_agent"))
            .count(),
        6
    );
    receiver.shutdown().await.unwrap();
}

/// A SIGTERM sent the moment the "listening" line appears (as an orchestrator or a rolling
/// restart may) is a graceful shutdown, not a kill: the handler is installed before that line,
/// so the engine drains, flushes its telemetry, prints its exit line and exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_right_after_listening_is_a_graceful_shutdown() {
    let receiver = mock::receiver().await;
    let env = common::engine::otlp_env(
        &format!("http://{}", receiver.addr()),
        "http/protobuf",
        "agent-engine-early-sigterm",
    );
    for _ in 0..5 {
        // `stop` sends SIGTERM at once and asserts exit code 0 (a process killed by the
        // signal has no code).
        let stderr = common::engine::Engine::start(std::iter::empty::<&str>(), &env).stop();
        assert!(
            stderr.iter().any(|l| l.contains("telemetry lost")),
            "no exit line: {stderr:?}"
        );
    }
}
