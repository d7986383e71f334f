//! `agent_tail` sampling, checked on what an OTLP receiver got: whole traces or nothing,
//! errors and rule matches always kept, the rest by the trace id at the configured
//! probability (consistent probability sampling, OpenTelemetry specification v1.60.0,
//! *TraceState: Probability Sampling*), a remote sampled parent never dropped, a root that
//! never ends decided at the timeout and marked, the trace and byte limits, counts by reason (also as
//! self-observability metrics), and no sampled-out span reported as lost.

mod common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use common::{builder, traces_only};
use telemetry_core::propagation::RemoteParent;
use telemetry_core::{
    ContextualCorrelator, CorrelationId, CorrelatorExt, Lifecycle, ScopeOptions, SpanId, attrs,
};
use telemetry_otel::{OpenTelemetry, SamplerConfig, TAIL_DECIDED_EARLY_ATTRIBUTE, TailSampling};
use telemetry_testkit::{Received, mock};

const WAIT: Duration = Duration::from_secs(10);
/// 2^56 − 1: the randomness bits of a trace id.
const LOW_56: u128 = (1 << 56) - 1;

fn tail(addr: impl std::fmt::Display, p: f64, rules: TailSampling) -> OpenTelemetry {
    traces_only("tail", format!("http://{addr}"), &[])
        .with_batch_schedule_delay(Duration::from_millis(50))
        .with_sampler(SamplerConfig::AgentTail(p))
        .with_tail_sampling(rules)
        .build()
        .unwrap()
}

/// Whether the probability rule keeps a trace at 25%: randomness >= 0xc0000000000000.
fn kept_at_quarter(trace_hex: &str) -> bool {
    u128::from_str_radix(trace_hex, 16).unwrap() & LOW_56 >= 0xc0_0000_0000_0000
}

/// Trace id → its spans, by name.
fn by_trace(received: &Received) -> HashMap<String, BTreeMap<String, usize>> {
    let mut out: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    for s in &received.spans {
        *out.entry(s.trace_id.clone())
            .or_default()
            .entry(s.name.clone())
            .or_default() += 1;
    }
    out
}

/// A turn: root > agent > (tool, chat), the tool failing when `fail`.
fn turn(otel: &OpenTelemetry, fail: bool) -> String {
    let root = otel.enter_scope("turn", &attrs!["i" => 1]);
    {
        let agent = otel.enter_scope("invoke_agent", &attrs!["gen_ai.agent.name" => "helper"]);
        {
            let tool = otel.enter_scope("execute_tool", &[]);
            if fail {
                tool.record_error("invalid_expression", "cannot evaluate");
            }
        }
        drop(otel.enter_scope("chat", &attrs!["gen_ai.usage.input_tokens" => 10]));
        drop(agent);
    }
    root.correlation_id().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_traces_arrive_whole_and_healthy_ones_by_trace_id() {
    let server = mock::receiver().await;
    let otel = tail(server.addr(), 0.25, TailSampling::new());
    let mut traces = Vec::new();
    for i in 0..400 {
        let fail = i % 5 == 0;
        traces.push((turn(&otel, fail), fail));
    }
    let counts = otel.tail_sampling().unwrap();
    assert_eq!(
        counts.held_traces, 0,
        "every trace is decided when its root ends"
    );
    assert_eq!(counts.kept_error, 80);
    let expected: HashSet<&String> = traces
        .iter()
        .filter(|(id, fail)| *fail || kept_at_quarter(id))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(counts.kept() as usize, expected.len());
    assert_eq!(counts.kept() + counts.dropped(), 400);
    assert_eq!(counts.spans_kept as usize, 4 * expected.len());
    // Every decision can be read back (the trace view uses it).
    for (id, _) in &traces {
        let cid = CorrelationId::parse(id).unwrap();
        assert_eq!(otel.tail_decision(cid), Some(expected.contains(id)));
    }

    otel.shutdown(WAIT).await.unwrap();
    server
        .wait_for_spans(4 * expected.len(), WAIT)
        .await
        .unwrap();
    let received = server.with_collector(mock::received).await;
    let arrived = by_trace(&received);
    let whole: BTreeMap<String, usize> = ["turn", "invoke_agent", "execute_tool", "chat"]
        .into_iter()
        .map(|n| (n.to_owned(), 1))
        .collect();
    for (id, names) in &arrived {
        assert!(expected.contains(id), "a dropped trace arrived: {id}");
        assert_eq!(names, &whole, "trace {id} arrived partial");
    }
    assert_eq!(arrived.len(), expected.len());
    // Sampled out is not lost.
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_keep_slow_expensive_and_matching_traces_at_probability_zero() {
    let server = mock::receiver().await;
    let rules = TailSampling::new()
        .keep_slower_than(Duration::from_millis(20))
        .keep_tokens_over(1000)
        .keep_cost_over(0.5)
        .keep_attribute("gen_ai.agent.name", "planner");
    let otel = tail(server.addr(), 0.0, rules);
    let named = |name: &'static str, attributes: &[telemetry_core::Attribute]| {
        let root = otel.enter_scope(name, attributes);
        drop(otel.enter_scope("child", &[]));
        root.correlation_id().unwrap().to_string()
    };
    let slow = {
        let root = otel.enter_scope("slow", &[]);
        std::thread::sleep(Duration::from_millis(30));
        root.correlation_id().unwrap().to_string()
    };
    let tokens = named(
        "tokens",
        &attrs!["gen_ai.usage.input_tokens" => 600, "gen_ai.usage.output_tokens" => 400],
    );
    let cost = named("cost", &attrs!["gen_ai.usage.cost" => 0.75]);
    let planner = named("planner", &attrs!["gen_ai.agent.name" => "planner"]);
    let plain = named(
        "plain",
        &attrs!["gen_ai.agent.name" => "critic", "gen_ai.usage.input_tokens" => 999],
    );
    let c = otel.tail_sampling().unwrap();
    assert_eq!(
        (
            c.kept_latency,
            c.kept_tokens,
            c.kept_cost,
            c.kept_attribute,
            c.dropped_probability
        ),
        (1, 1, 1, 1, 1),
        "{c:?}"
    );
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(7, WAIT).await.unwrap();
    let arrived = by_trace(&server.with_collector(mock::received).await);
    for id in [&slow, &tokens, &cost, &planner] {
        assert!(arrived.contains_key(id), "{id} was not kept");
    }
    assert!(!arrived.contains_key(&plain));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_sampled_parent_is_never_dropped_an_unsampled_one_is_decided_here() {
    let server = mock::receiver().await;
    let otel = tail(server.addr(), 0.0, TailSampling::new());
    let serve = |sampled: bool| {
        let mut remote = RemoteParent::new(CorrelationId::random(), SpanId::random());
        remote.sampled = sampled;
        let root = otel.open_scope(ScopeOptions::new("server").remote_parent(Some(remote)));
        let _current = root.enter();
        drop(otel.enter_scope("work", &[]));
        let mut headers = HashMap::new();
        otel.inject(root.context(), &mut headers);
        (root.correlation_id().unwrap().to_string(), headers)
    };
    let (kept, kept_headers) = serve(true);
    let (dropped, dropped_headers) = serve(false);
    // The flag passed on says what this process will do with the trace.
    assert!(
        kept_headers["traceparent"].ends_with("-01"),
        "{kept_headers:?}"
    );
    assert!(
        dropped_headers["traceparent"].ends_with("-00"),
        "{dropped_headers:?}"
    );
    let c = otel.tail_sampling().unwrap();
    assert_eq!((c.kept_remote_sampled, c.dropped_probability), (1, 1));
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(2, WAIT).await.unwrap();
    let arrived = by_trace(&server.with_collector(mock::received).await);
    assert_eq!(arrived.keys().collect::<Vec<_>>(), [&kept]);
    assert!(!arrived.contains_key(&dropped));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgoing_calls_carry_the_threshold_of_the_probability_rule() {
    let server = mock::receiver().await;
    let otel = tail(server.addr(), 0.25, TailSampling::new());
    let (mut yes, mut no) = (0, 0);
    for _ in 0..200 {
        let root = otel.enter_scope("root", &[]);
        let client = otel.enter_scope("call", &[]);
        let mut headers = HashMap::new();
        otel.inject(client.context(), &mut headers);
        let id = root.correlation_id().unwrap().to_string();
        if kept_at_quarter(&id) {
            yes += 1;
            assert!(headers["traceparent"].ends_with("-03"), "{headers:?}");
            assert_eq!(headers["tracestate"], "ot=th:c");
        } else {
            no += 1;
            assert!(headers["traceparent"].ends_with("-02"), "{headers:?}");
            assert!(!headers.contains_key("tracestate"), "{headers:?}");
        }
    }
    assert!(yes > 0 && no > 0);
    // A caller's other members and explicit randomness are kept; its threshold replaced.
    let mut remote = RemoteParent::new(CorrelationId::random(), SpanId::random());
    remote.sampled = false;
    remote.trace_state = Some("ot=rv:ffffffffffffff;th:8,rojo=1".parse().unwrap());
    let root = otel.open_scope(ScopeOptions::new("server").remote_parent(Some(remote)));
    let mut headers = HashMap::new();
    otel.inject(root.context(), &mut headers);
    assert!(headers["traceparent"].ends_with("-01"), "{headers:?}");
    assert_eq!(headers["tracestate"], "ot=th:c;rv:ffffffffffffff,rojo=1");
    drop(root);
    otel.shutdown(WAIT).await.unwrap();
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_root_that_never_ends_is_decided_at_the_timeout_and_marked() {
    let server = mock::receiver().await;
    let otel = tail(
        server.addr(),
        1.0,
        TailSampling::new().decision_timeout(Duration::from_millis(100)),
    );
    let root = otel.enter_scope("stuck", &[]);
    drop(otel.enter_scope("done", &[]));
    let id = root.correlation_id().unwrap();
    let deadline = Instant::now() + WAIT;
    while otel.tail_sampling().unwrap().decided_on_timeout == 0 {
        assert!(Instant::now() < deadline, "not decided at the timeout");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(otel.tail_decision(id), Some(true));
    // The root, ending late, follows the decision.
    drop(root);
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(2, WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    let done = received.span_named("done");
    assert_eq!(done.attr(TAIL_DECIDED_EARLY_ATTRIBUTE), Some("timeout"));
    assert_eq!(
        received
            .span_named("stuck")
            .attr(TAIL_DECIDED_EARLY_ATTRIBUTE),
        None
    );
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oldest_trace_is_decided_when_the_trace_limit_is_reached() {
    let server = mock::receiver().await;
    let otel = tail(server.addr(), 1.0, TailSampling::new().max_traces(2));
    let open: Vec<_> = (0..3)
        .map(|i| {
            let root = otel.open_scope(ScopeOptions::new(format!("root {i}")).root());
            drop(otel.open_scope(ScopeOptions::new(format!("child {i}")).child_of(root.context())));
            root
        })
        .collect();
    let c = otel.tail_sampling().unwrap();
    assert_eq!((c.decided_on_max_traces, c.held_traces), (1, 2), "{c:?}");
    drop(open);
    let c = otel.tail_sampling().unwrap();
    assert_eq!(
        (c.kept(), c.held_traces, c.held_spans, c.held_bytes),
        (3, 0, 0, 0)
    );
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(6, WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    assert_eq!(
        received
            .span_named("child 0")
            .attr(TAIL_DECIDED_EARLY_ATTRIBUTE),
        Some("max_traces")
    );
    assert_eq!(
        received
            .span_named("child 2")
            .attr(TAIL_DECIDED_EARLY_ATTRIBUTE),
        None
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oldest_trace_is_decided_when_the_byte_limit_is_reached() {
    // Two traces, each an open root with one ended child: what one child weighs, measured.
    let two_children =
        |otel: &OpenTelemetry| -> Vec<_> {
            (0..2)
                .map(|i| {
                    let root = otel.open_scope(ScopeOptions::new(format!("root {i}")).root());
                    drop(otel.open_scope(
                        ScopeOptions::new(format!("child {i}")).child_of(root.context()),
                    ));
                    root
                })
                .collect()
        };
    let server = mock::receiver().await;
    let otel = tail(server.addr(), 1.0, TailSampling::new());
    let open = two_children(&otel);
    let c = otel.tail_sampling().unwrap();
    assert_eq!((c.held_traces, c.held_spans), (2, 2), "{c:?}");
    let child = c.held_bytes / 2;
    drop(open);
    otel.shutdown(WAIT).await.unwrap();

    // Room for one child and a half: the second child's end decides the first trace.
    let limit = usize::try_from(child + child / 2).unwrap();
    let otel = tail(server.addr(), 1.0, TailSampling::new().max_bytes(limit));
    let open = two_children(&otel);
    let c = otel.tail_sampling().unwrap();
    assert_eq!(
        (c.decided_on_max_bytes, c.held_traces, c.held_bytes),
        (1, 1, child),
        "{c:?}"
    );
    drop(open);
    let c = otel.tail_sampling().unwrap();
    assert_eq!((c.kept(), c.held_traces, c.held_bytes), (2, 0, 0), "{c:?}");
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(8, WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    let marks = |name: &str| -> Vec<Option<String>> {
        received
            .spans
            .iter()
            .filter(|s| s.name == name)
            .map(|s| s.attr(TAIL_DECIDED_EARLY_ATTRIBUTE).map(str::to_owned))
            .collect()
    };
    // Each name arrived once per pipeline; only the second pipeline's child 0 is marked.
    let mut child_0 = marks("child 0");
    child_0.sort();
    assert_eq!(child_0, [None, Some("max_bytes".to_owned())]);
    assert_eq!(marks("child 1"), [None, None]);
    server.shutdown().await.unwrap();
}

#[test]
fn bad_tail_settings_are_refused_by_name() {
    for (var, value) in [
        ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
        ("AGENT_TELEMETRY_TAIL_LATENCY_MS", "slow"),
        ("AGENT_TELEMETRY_TAIL_KEEP", "gen_ai.agent.name"),
        ("AGENT_TELEMETRY_TAIL_RATE_LIMIT", "-3"),
    ] {
        let err = builder(
            "tail",
            &[("OTEL_TRACES_SAMPLER", "agent_tail"), (var, value)],
        )
        .build()
        .unwrap_err();
        assert_eq!((err.variable(), err.value()), (var, value));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_and_early_decisions_are_self_observability_metrics() {
    let server = mock::receiver().await;
    let otel = builder("tail-metrics", &[("OTEL_LOGS_EXPORTER", "none")])
        .with_endpoint(format!("http://{}", server.addr()))
        .with_sampler(SamplerConfig::AgentTail(0.0))
        .with_tail_sampling(TailSampling::new().max_traces(1))
        .with_self_observability(true)
        .build()
        .unwrap();
    turn(&otel, true);
    turn(&otel, false);
    // Two open traces with a limit of one: the first is decided early.
    let first = otel.enter_scope("first", &[]);
    let second = otel.open_scope(ScopeOptions::new("second").root());
    drop(second);
    drop(first);
    otel.shutdown(WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    let value = |metric: &str, attrs: &[(&str, &str)]| {
        received
            .points_of(metric)
            .iter()
            .filter(|p| {
                attrs
                    .iter()
                    .all(|(k, v)| p.attributes.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|p| p.sum)
            .fold(0.0, f64::max)
    };
    let traces = "agent_telemetry.sdk.tail_sampling.traces";
    let kept = [("agent_telemetry.sampling.decision", "kept")];
    let dropped = [("agent_telemetry.sampling.decision", "dropped")];
    let reason = |r| ("agent_telemetry.sampling.reason", r);
    assert_eq!(value(traces, &[kept[0], reason("error")]), 1.0);
    assert_eq!(value(traces, &[dropped[0], reason("probability")]), 3.0);
    assert_eq!(
        value(
            "agent_telemetry.sdk.tail_sampling.decided_early",
            &[reason("max_traces")]
        ),
        1.0
    );
    assert_eq!(
        value("agent_telemetry.sdk.tail_sampling.spans", &kept),
        4.0,
        "the failing turn's four spans"
    );
    assert_eq!(value("agent_telemetry.sdk.tail_sampling.held", &[]), 0.0);
    server.shutdown().await.unwrap();
}
