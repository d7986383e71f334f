//! Every pattern with the OpenTelemetry implementation exporting to an in-process OTLP
//! receiver: the exact tree that arrives (span count, every parent, one trace id equal to the
//! root's correlation id, no orphans), and the events for failures.

mod common;

use std::time::Duration;

use parallel_patterns::{Outcome, Pattern, run};
use telemetry_testkit::{RLog, RSpan, assert_no_orphans, assert_tree, mock};

/// Runs `pattern` against a fresh receiver and returns what arrived.
async fn exported(pattern: Pattern, spans: usize) -> (Outcome, Vec<RSpan>, Vec<RLog>) {
    let server = mock::receiver().await;
    let otel = common::otel(&server, &[]);
    let t = otel.telemetry();
    let outcome = run(pattern, &t).await.expect("the pattern runs");
    t.shutdown(Duration::from_secs(10))
        .await
        .expect("export within 10 s");
    server
        .wait_for_spans(spans, Duration::from_secs(10))
        .await
        .expect("every span arrives");
    let got = server.with_collector(mock::received).await;
    assert_eq!(got.spans.len(), spans, "nothing else was exported");
    assert_no_orphans(&got.spans);
    (outcome, got.spans, got.logs)
}

fn edges<'a>(
    fixed: &[(&'a str, &'a str)],
    names: &'a [String],
    parent: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut v = fixed.to_vec();
    v.extend(names.iter().map(|n| (n.as_str(), parent)));
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_pool() {
    let (o, all, _) = exported(Pattern::ThreadPool, 11).await;
    let items: Vec<String> = (0..10).map(|i| format!("process_{i}")).collect();
    let tree = assert_tree(
        &all,
        o.correlation_id.unwrap(),
        &edges(&[("batch_processing", "")], &items, "batch_processing"),
    );
    assert_eq!(tree["batch_processing"].attributes["results_count"], "10");
    assert_eq!(tree["process_7"].attributes["item_id"], "7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_concurrent() {
    let (o, all, logs) = exported(Pattern::AsyncConcurrent, 4).await;
    let calls: Vec<String> = (0..3).map(|i| format!("chat gpt-4o #{i}")).collect();
    let tree = assert_tree(
        &all,
        o.correlation_id.unwrap(),
        &edges(&[("async_batch", "")], &calls, "async_batch"),
    );
    assert_eq!(
        tree["chat gpt-4o #1"].attributes["gen_ai.operation.name"],
        "chat"
    );
    // Each call's log record carries the trace and the call's own span.
    assert_eq!(logs.len(), 3);
    for l in &logs {
        let i = &l.attributes["prompt_index"];
        assert_eq!(l.trace_id, o.correlation_id.unwrap().to_string());
        assert_eq!(l.span_id, tree[&format!("chat gpt-4o #{i}")].span_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn span_types() {
    let (o, all, _) = exported(Pattern::SpanTypes, 4).await;
    let tree = assert_tree(
        &all,
        o.correlation_id.unwrap(),
        &[
            ("parallel_operations", ""),
            ("database_search", "parallel_operations"),
            ("chat gpt-4o", "parallel_operations"),
            ("execute_tool calculator", "parallel_operations"),
        ],
    );
    assert_eq!(
        tree["execute_tool calculator"].attributes["gen_ai.tool.name"],
        "calculator"
    );
    assert_eq!(
        tree["chat gpt-4o"].attributes["gen_ai.usage.output_tokens"],
        "3"
    );
    assert_eq!(
        tree["parallel_operations"].attributes["operations_completed"],
        "3"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_reduce() {
    let (o, all, _) = exported(Pattern::MapReduce, 9).await;
    let maps: Vec<String> = (1..=5).map(|i| format!("map_{i}")).collect();
    let tree = assert_tree(
        &all,
        o.correlation_id.unwrap(),
        &edges(
            &[
                ("map_reduce", ""),
                ("map_phase", "map_reduce"),
                ("reduce_phase", "map_reduce"),
                ("reduce", "reduce_phase"),
            ],
            &maps,
            "map_phase",
        ),
    );
    assert_eq!(tree["map_3"].attributes["output"], "6");
    assert_eq!(tree["reduce"].attributes["total"], "30");
    assert_eq!(tree["map_reduce"].attributes["final_result"], "30");
    // `reduce` links to every map span it sums, each link naming the map's input.
    let mut linked: Vec<(String, String)> = tree["reduce"]
        .links
        .iter()
        .map(|l| {
            assert_eq!(l.trace_id, o.correlation_id.unwrap().to_string());
            (l.span_id.clone(), l.attributes["input"].clone())
        })
        .collect();
    linked.sort_by(|a, b| a.1.cmp(&b.1));
    let expected: Vec<(String, String)> = (1..=5)
        .map(|i| (tree[&format!("map_{i}")].span_id.clone(), i.to_string()))
        .collect();
    assert_eq!(linked, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming() {
    let (o, all, _) = exported(Pattern::Streaming, 4).await;
    let streams: Vec<String> = (0..3)
        .map(|i| format!("streaming_completion_{i}"))
        .collect();
    let tree = assert_tree(
        &all,
        o.correlation_id.unwrap(),
        &edges(&[("multi_stream", "")], &streams, "multi_stream"),
    );
    for s in &streams {
        let span = &tree[s];
        assert_eq!(
            span.attributes["response_length"],
            "An answer to Question 1".len().to_string(),
            "{s}"
        );
        assert_eq!(span.attributes["gen_ai.response.finish_reasons"], "stop");
        assert!(
            !span.attributes.contains_key("agent_telemetry.cancelled"),
            "{s} ran to its end"
        );
    }
    assert_eq!(tree["multi_stream"].attributes["total_responses"], "3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_fan_in_records_the_failing_source() {
    let (o, all, logs) = exported(Pattern::FanOutFanIn, 7).await;
    let id = o.correlation_id.unwrap();
    let tree = assert_tree(
        &all,
        id,
        &[
            ("fan_out_fan_in", ""),
            ("fan_out", "fan_out_fan_in"),
            ("query_database", "fan_out"),
            ("query_api", "fan_out"),
            ("query_cache", "fan_out"),
            ("fan_in", "fan_out_fan_in"),
            ("aggregate", "fan_in"),
        ],
    );
    // The failing source's own span: status ERROR, error.type, an exception event.
    let api = &tree["query_api"];
    assert_eq!(api.status_code, "STATUS_CODE_ERROR");
    assert_eq!(api.attributes["error.type"], "SourceUnavailable");
    let exception = api
        .events
        .iter()
        .find(|e| e.name == "exception")
        .expect("an exception event");
    assert_eq!(
        exception.attributes["exception.message"],
        "api is unavailable (HTTP 503)"
    );
    for ok in ["query_database", "query_cache"] {
        assert_eq!(tree[ok].status_code, "STATUS_CODE_UNSET", "{ok}");
        assert!(tree[ok].events.is_empty(), "{ok}");
    }
    // The fan-out span: an error-level log event for the failure.
    let fan_out = &tree["fan_out"];
    let failed = fan_out
        .events
        .iter()
        .find(|e| e.name == "api_failed")
        .expect("api_failed event");
    assert_eq!(failed.attributes["level"], "ERROR");
    assert_eq!(failed.attributes["source"], "api");
    assert_eq!(fan_out.attributes["successful_queries"], "2");
    // And the same call as a log record in the trace, on the fan-out span.
    let record = logs
        .iter()
        .find(|l| l.body == "api_failed")
        .expect("an api_failed log record");
    assert_eq!(record.severity_number, 17, "ERROR");
    assert_eq!(record.trace_id, id.to_string());
    assert_eq!(record.span_id, fan_out.span_id);
    assert_eq!(tree["aggregate"].attributes["total_items"], "6");
    // `aggregate` links to the two sources whose rows it combines, not to the failed one.
    let mut linked: Vec<(&str, &str)> = tree["aggregate"]
        .links
        .iter()
        .map(|l| (l.span_id.as_str(), l.attributes["source"].as_str()))
        .collect();
    linked.sort_by_key(|l| l.1);
    assert_eq!(
        linked,
        [
            (tree["query_cache"].span_id.as_str(), "cache"),
            (tree["query_database"].span_id.as_str(), "database"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited() {
    let (o, all, _) = exported(Pattern::RateLimited, 21).await;
    let ops: Vec<String> = (0..20).map(|i| format!("operation_{i}")).collect();
    let tree = assert_tree(
        &all,
        o.correlation_id.unwrap(),
        &edges(&[("rate_limited_batch", "")], &ops, "rate_limited_batch"),
    );
    for op in &ops {
        let wait: f64 = tree[op].attributes[telemetry_tasks::WAIT_DURATION_ATTRIBUTE]
            .parse()
            .expect("the wait in seconds");
        assert!(wait >= 0.0, "{op}");
    }
    assert_eq!(tree["rate_limited_batch"].attributes["completed"], "20");
}
