//! The recorder over Basic telemetry: trees, late children, bounds, counted evictions,
//! concurrent traces, and the terminal tree of a two-tool turn.

use std::sync::Arc;
use std::time::Duration;

use telemetry_basic::{BasicContextualCorrelator, BasicMeter, MemoryWriter, StdoutLogger};
use telemetry_core::{
    ContextualCorrelator, CorrelatorExt, LogLevel, ScopeEnd, ScopeOptions, SpanKind, Telemetry,
    attrs,
};
use telemetry_recorder::{
    Recorder, RecorderConfig, SpanStatus, SpanTree, TreeStyle, json, render_tree,
};

/// Basic telemetry logging to memory at `Info`, with `recorder` attached.
fn basic(recorder: &Recorder) -> (Telemetry, MemoryWriter) {
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let writer = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(writer.clone()))
        .level(LogLevel::Info);
    let t = Telemetry::new(Arc::new(logger), correlator, Arc::new(BasicMeter::new()));
    (recorder.attach(&t), writer)
}

#[test]
fn a_trace_is_rebuilt_as_a_tree_with_attributes_status_and_events() {
    let recorder = Recorder::default();
    let (t, log) = basic(&recorder);
    let root = t.correlator.open_scope(
        ScopeOptions::new("POST /v1/x")
            .kind(SpanKind::Server)
            .attributes(&attrs!["http.request.method" => "POST"]),
    );
    let trace_id = root.correlation_id().unwrap();
    {
        let _root = root.enter();
        let child = t.correlator.enter_scope("child", &[]);
        t.logger.info("inside child", &attrs!["n" => 1]);
        t.logger
            .debug("below the level: neither logged nor recorded", &[]);
        child.set_attribute("late", "yes");
        child.record_error("timeout", "too slow");
        drop(child);
        t.correlator.in_scope("second", &[], || {});
    }
    root.set_attribute("http.response.status_code", 200);
    drop(root);
    // The inner logger still got the line.
    assert_eq!(log.lines().len(), 1);

    let trace = recorder.trace(trace_id).expect("held");
    assert_eq!(trace.spans.len(), 3);
    let tree = SpanTree::new(&trace);
    assert_eq!(tree.roots.len(), 1);
    let root = &tree.roots[0];
    assert_eq!(root.span.name, "POST /v1/x");
    assert_eq!(root.span.kind, SpanKind::Server);
    assert!(root.span.is_local_root && root.span.parent_span_id.is_none());
    assert_eq!(
        root.span
            .attribute("http.response.status_code")
            .and_then(|v| v.as_i64()),
        Some(200)
    );
    let names: Vec<&str> = root.children.iter().map(|c| c.span.name.as_ref()).collect();
    assert_eq!(names, ["child", "second"]);
    let child = root.children[0].span;
    assert_eq!(child.parent_span_id, Some(root.span.span_id));
    assert_eq!(
        child.attribute("late").and_then(|v| v.as_str()),
        Some("yes")
    );
    assert_eq!(
        child.status,
        SpanStatus::Error {
            error_type: "timeout".into(),
            message: "too slow".into()
        }
    );
    assert_eq!(child.events.len(), 1);
    assert_eq!(child.events[0].message, "inside child");
    assert!(child.start >= root.span.start && child.end() <= root.span.end());

    let j = json::trace_json(&trace);
    assert_eq!(j["trace_id"], trace_id.to_string());
    assert_eq!(j["status"], "error");
    assert_eq!(j["span_count"], 3);
    let spans = j["spans"].as_array().unwrap();
    assert_eq!(spans[0]["kind"], "SERVER");
    assert_eq!(spans[1]["depth"], 1);
    assert_eq!(spans[1]["events"][0]["attributes"]["n"], 1);
    assert_eq!(spans[1]["error_type"], "timeout");
}

#[test]
fn a_call_the_process_makes_to_itself_is_one_tree_with_one_root() {
    use telemetry_core::propagation::RemoteParent;

    let recorder = Recorder::default();
    let (t, _) = basic(&recorder);
    let ended_roots = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let seen = ended_roots.clone();
    recorder.on_root_end(move |trace| seen.lock().push(trace.spans.len()));

    let request = t
        .correlator
        .open_scope(ScopeOptions::new("POST /run").kind(SpanKind::Server));
    let trace_id = request.correlation_id().unwrap();
    let call = t.correlator.open_scope(
        ScopeOptions::new("GET /items")
            .kind(SpanKind::Client)
            .child_of(request.context()),
    );
    // The callee, in this process, continues the CLIENT span's traceparent.
    let remote = RemoteParent::new(trace_id, call.context().span_id().unwrap());
    let callee = t.correlator.open_scope(
        ScopeOptions::new("GET /items")
            .kind(SpanKind::Server)
            .remote_parent(Some(remote)),
    );
    drop(callee);
    assert!(
        ended_roots.lock().is_empty(),
        "the callee is not a root here"
    );
    drop(call);
    drop(request);
    assert_eq!(
        *ended_roots.lock(),
        [3],
        "the hook saw the whole trace once"
    );

    let trace = recorder.trace(trace_id).unwrap();
    assert_eq!(trace.root().unwrap().name, "POST /run");
    assert_eq!(trace.summary().root_name, "POST /run");
    let tree = SpanTree::new(&trace);
    assert_eq!(tree.roots.len(), 1);
    let client = &tree.roots[0].children[0];
    assert_eq!(client.span.kind, SpanKind::Client);
    assert_eq!(client.children[0].span.kind, SpanKind::Server);

    // A caller from elsewhere (not an open span here) still makes a root.
    let outside = RemoteParent::new(trace_id, telemetry_core::SpanId::from_int(7).unwrap());
    let _ = t.correlator.open_scope(
        ScopeOptions::new("GET /other")
            .kind(SpanKind::Server)
            .remote_parent(Some(outside)),
    );
    assert_eq!(ended_roots.lock().len(), 2);
}

#[test]
fn a_span_of_another_kind_whose_context_goes_out_is_a_local_parent_while_open() {
    use std::collections::HashMap;
    use telemetry_core::propagation::RemoteParent;

    // An `execute_tool` span that describes the MCP call it makes (INTERNAL, its context
    // injected into the request), and the in-process server's span continuing it.
    let recorder = Recorder::default();
    let (t, _) = basic(&recorder);
    let ended_roots = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let seen = ended_roots.clone();
    recorder.on_root_end(move |trace| seen.lock().push(trace.spans.len()));

    let agent = t.correlator.open_scope(ScopeOptions::new("invoke_agent a"));
    let trace_id = agent.correlation_id().unwrap();
    let tool = t
        .correlator
        .open_scope(ScopeOptions::new("execute_tool calc").child_of(agent.context()));
    let mut meta = HashMap::new();
    t.correlator.inject(tool.context(), &mut meta);
    let remote = RemoteParent::extract(&meta).unwrap();
    let server = t.correlator.open_scope(
        ScopeOptions::new("tools/call calc")
            .kind(SpanKind::Server)
            .remote_parent(Some(remote.clone())),
    );
    drop(server);
    assert!(
        ended_roots.lock().is_empty(),
        "the server span is not a root here"
    );
    drop(tool);
    drop(agent);
    assert_eq!(*ended_roots.lock(), [3]);
    let trace = recorder.trace(trace_id).unwrap();
    let tree = SpanTree::new(&trace);
    assert_eq!(tree.roots.len(), 1);
    assert_eq!(
        tree.roots[0].children[0].children[0].span.name,
        "tools/call calc"
    );

    // Once the tool span has ended it is no longer listed: a late message continuing it is
    // a root again, as one from another process would be.
    drop(
        t.correlator.open_scope(
            ScopeOptions::new("tools/call late")
                .kind(SpanKind::Server)
                .remote_parent(Some(remote)),
        ),
    );
    assert_eq!(ended_roots.lock().len(), 2);
}

#[test]
fn a_child_ending_after_its_root_joins_the_same_trace() {
    let recorder = Recorder::default();
    let (t, _) = basic(&recorder);
    let ended_roots = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let seen = ended_roots.clone();
    recorder.on_root_end(move |trace| seen.lock().push(trace.spans.len()));

    let root = t.correlator.enter_scope("root", &[]);
    let trace_id = root.correlation_id().unwrap();
    let late = t.correlator.open_scope(ScopeOptions::new("background"));
    drop(root);
    assert_eq!(*ended_roots.lock(), [1], "the hook saw the root alone");
    std::thread::spawn(move || {
        let _entered = late.entered();
    })
    .join()
    .unwrap();
    let trace = recorder.trace(trace_id).unwrap();
    assert_eq!(trace.spans.len(), 2);
    let tree = SpanTree::new(&trace);
    assert_eq!(tree.roots.len(), 1);
    assert_eq!(tree.roots[0].children[0].span.name, "background");
    assert_eq!(recorder.stats().traces, 1);
}

#[test]
fn a_cancelled_scope_and_an_orphan_are_shown() {
    let recorder = Recorder::default();
    let (t, _) = basic(&recorder);
    let root = t.correlator.open_scope(ScopeOptions::new("root"));
    let child = t
        .correlator
        .open_scope(ScopeOptions::new("open child").child_of(root.context()));
    let grandchild = t
        .correlator
        .open_scope(ScopeOptions::new("grandchild").child_of(child.context()));
    grandchild.end_as(ScopeEnd::Cancelled);
    // The child never ends before we look: its child is shown on top.
    let trace = recorder.trace(root.correlation_id().unwrap()).unwrap();
    let tree = SpanTree::new(&trace);
    assert_eq!(tree.roots.len(), 1);
    assert_eq!(tree.roots[0].span.name, "grandchild");
    assert_eq!(tree.roots[0].span.ended, ScopeEnd::Cancelled);
    assert!(
        render_tree(
            &trace,
            TreeStyle {
                color: false,
                mask_timings: true
            }
        )
        .contains("grandchild … cancelled")
    );
    drop((child, root));
}

#[test]
fn the_oldest_traces_are_evicted_by_count_and_counted() {
    let recorder = Recorder::new(RecorderConfig::default().max_traces(3));
    let (t, _) = basic(&recorder);
    let mut ids = Vec::new();
    for i in 0..5 {
        let root = t.correlator.enter_scope(format!("request {i}"), &[]);
        ids.push(root.correlation_id().unwrap());
        t.correlator.in_scope("child", &[], || {});
    }
    let stats = recorder.stats();
    assert_eq!(
        (stats.traces, stats.evicted_traces, stats.dropped),
        (3, 2, 0)
    );
    assert!(recorder.trace(ids[0]).is_none() && recorder.trace(ids[1]).is_none());
    let held: Vec<String> = recorder
        .traces()
        .iter()
        .map(|t| t.root().unwrap().name.to_string())
        .collect();
    assert_eq!(
        held,
        ["request 4", "request 3", "request 2"],
        "newest first"
    );
    assert!(recorder.traces().iter().all(|t| t.spans.len() == 2));
}

#[test]
fn the_oldest_traces_are_evicted_by_bytes_and_an_oversized_span_is_dropped() {
    let one_span = {
        let r = Recorder::default();
        let (t, _) = basic(&r);
        t.correlator
            .in_scope("request", &attrs!["payload" => "x"], || {});
        r.stats().bytes
    };
    assert!(one_span > 0);
    // Room for three such traces, not four.
    let recorder = Recorder::new(RecorderConfig::default().max_bytes(one_span * 3 + one_span / 2));
    let (t, _) = basic(&recorder);
    for _ in 0..5 {
        t.correlator
            .in_scope("request", &attrs!["payload" => "x"], || {});
    }
    let stats = recorder.stats();
    assert_eq!((stats.traces, stats.evicted_traces), (3, 2));
    assert!(stats.bytes <= one_span * 3 + one_span / 2);

    // A span bigger than the whole bound is dropped and counted; what is held stays.
    let big = "y".repeat(one_span * 4);
    t.correlator.in_scope(
        "huge",
        &[telemetry_core::Attribute::new("payload", big)],
        || {},
    );
    let after = recorder.stats();
    assert_eq!(after.dropped, 1);
    assert_eq!(after.traces, 3);
    assert!(
        recorder
            .traces()
            .iter()
            .all(|t| t.root().unwrap().name == "request")
    );
}

#[test]
fn concurrent_traces_do_not_mix() {
    let recorder = Recorder::default();
    let (t, _) = basic(&recorder);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let t = t.clone();
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                for j in 0..20 {
                    let root = t
                        .correlator
                        .enter_scope(format!("thread {i} request {j}"), &[]);
                    ids.push(root.correlation_id().unwrap());
                    for k in 0..3 {
                        t.correlator
                            .in_scope(format!("thread {i} step {k}"), &[], || {
                                t.logger.info(&format!("thread {i} request {j}"), &[]);
                            });
                    }
                }
                ids
            })
        })
        .collect();
    for (i, handle) in threads.into_iter().enumerate() {
        for (j, id) in handle.join().unwrap().into_iter().enumerate() {
            let trace = recorder.trace(id).unwrap();
            assert_eq!(trace.spans.len(), 4);
            let tree = SpanTree::new(&trace);
            assert_eq!(tree.roots.len(), 1);
            assert_eq!(tree.roots[0].span.name, format!("thread {i} request {j}"));
            for c in &tree.roots[0].children {
                assert!(c.span.name.starts_with(&format!("thread {i} step")));
                assert_eq!(c.span.trace_id, id);
                assert_eq!(c.span.events.len(), 1);
                assert_eq!(c.span.events[0].message, format!("thread {i} request {j}"));
            }
        }
    }
    assert_eq!(recorder.stats().traces, 160);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_scopes_and_concurrent_tool_calls_nest_under_their_agent() {
    let recorder = Recorder::default();
    let (t, _) = basic(&recorder);
    let c = t.correlator.clone();
    let root = c.open_scope(ScopeOptions::new("turn"));
    let id = root.correlation_id().unwrap();
    root.instrument(async {
        let a = c.scoped("tool a", &[], tokio::time::sleep(Duration::from_millis(20)));
        let b = c.scoped("tool b", &[], tokio::time::sleep(Duration::from_millis(20)));
        futures::future::join(a, b).await;
    })
    .await;
    let trace = recorder.trace(id).unwrap();
    let tree = SpanTree::new(&trace);
    let kids = &tree.roots[0].children;
    assert_eq!(kids.len(), 2);
    // Both ran at once: each started before the other ended.
    assert!(kids[0].span.start < kids[1].span.end() && kids[1].span.start < kids[0].span.end());
}

#[test]
fn cost_and_a_late_evaluation_show_on_the_span_in_the_tree_and_json() {
    use telemetry_genai::{GenAi, GenAiConfig, Usage, provider};
    let recorder = Recorder::default();
    let (t, _log) = basic(&recorder);
    let genai = GenAi::new(&t, GenAiConfig::default());
    let agent = genai.invoke_agent(provider::OPENAI, "helper").start();
    let mut chat = agent.chat(provider::OPENAI, "gpt-4o").start();
    chat.usage(Usage::new(1000, 100));
    chat.end();
    let judged = agent.context().clone();
    let trace_id = judged.correlation_id().unwrap();
    agent.end();
    // After the whole trace has ended: the recorder attaches it to the span it judges.
    genai
        .evaluation("user_feedback")
        .score(1.0)
        .label("thumbs_up")
        .record(&judged)
        .unwrap();
    let trace = recorder.trace(trace_id).unwrap();
    assert!(
        trace.pending_events.is_empty(),
        "{:?}",
        trace.pending_events
    );
    let agent_span = trace
        .spans
        .iter()
        .find(|s| s.name == "invoke_agent helper")
        .unwrap();
    assert_eq!(agent_span.evaluations().count(), 1);
    // gpt-4o: $2.50 per million input tokens, $10 per million output tokens (the bundled
    // LiteLLM table).
    let tree = render_tree(
        &trace,
        TreeStyle {
            color: false,
            mask_timings: true,
        },
    );
    assert!(
        tree.contains("chat gpt-4o CLIENT … ok model=gpt-4o tokens=1000→100 cost=$0.0035"),
        "{tree}"
    );
    assert!(
        tree.contains("gen_ai.evaluation.score.label=thumbs_up"),
        "{tree}"
    );
    let summary = trace.summary();
    assert_eq!(summary.cost_usd, Some(0.0035));
    assert_eq!(summary.evaluations, 1);
    let j = json::trace_json(&trace);
    assert_eq!(j["cost_usd"], 0.0035);
    let agent_json = j["spans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "invoke_agent helper")
        .unwrap();
    assert_eq!(agent_json["cost_usd"], 0.0035);
    assert_eq!(agent_json["evaluations"][0]["name"], "user_feedback");
    assert_eq!(agent_json["evaluations"][0]["score"], 1.0);
    assert_eq!(agent_json["evaluations"][0]["label"], "thumbs_up");
}
