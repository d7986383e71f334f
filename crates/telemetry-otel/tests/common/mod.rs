//! Shared by the end-to-end tests: a scenario that emits a scope tree with logs and metrics,
//! and the assertions on what arrived (read by `telemetry_testkit::{mock, fake}`); a traces-only
//! builder; and a bare HTTP endpoint answering with chosen statuses ([`http_endpoint`]).
#![allow(dead_code, unreachable_pub)]

pub mod http_endpoint;

use std::time::Duration;

use telemetry_core::{
    ContextualCorrelator, CorrelationId, CorrelatorExt, InstrumentDescriptor, Logger, Meter,
    ScopeOptions, SpanId, SpanKind, attrs,
};
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::{MetricKind, Received, env_source};

/// A builder that ignores the process environment (tests must not depend on it).
pub fn builder(service: &str, vars: &[(&str, &str)]) -> telemetry_otel::OpenTelemetryBuilder {
    OpenTelemetry::builder(service).with_env_source(env_source(vars))
}

/// A [`builder`] that exports traces only (metrics and logs off), to `endpoint`, with `extra`
/// variables after those.
pub fn traces_only(
    service: &str,
    endpoint: impl std::fmt::Display,
    extra: &[(&str, &str)],
) -> telemetry_otel::OpenTelemetryBuilder {
    let mut vars = vec![
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
    ];
    vars.extend_from_slice(extra);
    builder(service, &vars).with_endpoint(endpoint.to_string())
}

/// Ids of what the scenario emitted.
#[derive(Debug)]
pub struct Emitted {
    pub correlation_id: CorrelationId,
    pub root: SpanId,
    pub agent: SpanId,
    pub tool: SpanId,
}

/// request (SERVER) > invoke_agent planner > execute_tool clock (fails), two log calls, a
/// counter (3 through a handle + 2 by name) and a duration histogram (0.15 s).
pub fn emit_tree(otel: &OpenTelemetry) -> Emitted {
    let root = otel.open_scope(
        ScopeOptions::new("request")
            .attributes(&attrs!["http.route" => "/v1/chat", "retries" => 2])
            .kind(SpanKind::Server),
    );
    let correlation_id = root.correlation_id().unwrap();
    let root_id = root.context().span_id().unwrap();
    let (agent, tool) = {
        let _current = root.enter();
        otel.info("request received", &attrs!["user.tier" => "gold"]);
        let agent = otel.enter_scope(
            "invoke_agent planner",
            &attrs!["gen_ai.agent.name" => "planner"],
        );
        otel.warning("slow model", &[]);
        let tool = otel.enter_scope("execute_tool clock", &attrs!["gen_ai.tool.name" => "clock"]);
        tool.record_error("timeout", "tool timed out");
        let ids = (
            agent.context().span_id().unwrap(),
            tool.context().span_id().unwrap(),
        );
        drop(tool);
        drop(agent);
        ids
    };
    drop(root);
    let requests = otel.counter(
        &InstrumentDescriptor::new("requests")
            .unwrap()
            .with_unit("{request}"),
    );
    requests.add(3, &attrs!["http.route" => "/v1/chat"]);
    otel.record_counter("requests", 2, &attrs!["http.route" => "/v1/chat"]);
    otel.record_duration("request.duration", Duration::from_millis(150), &[]);
    Emitted {
        correlation_id,
        root: root_id,
        agent,
        tool,
    }
}

/// Everything the issue lists: names, links, trace id = correlation id, attributes, events
/// with their level, log records with ids, counter and histogram values with units.
pub fn assert_tree(r: &Received, e: &Emitted) {
    let cid = e.correlation_id.to_string();
    assert_eq!(r.spans.len(), 3, "{:#?}", r.spans);
    for s in &r.spans {
        assert_eq!(s.trace_id, cid, "trace id of {}", s.name);
    }
    // Three spans, so each name found once means each is there exactly once.
    let root = r.span_named("request");
    let agent = r.span_named("invoke_agent planner");
    let tool = r.span_named("execute_tool clock");
    assert_eq!(root.span_id, e.root.to_string());
    assert_eq!(agent.span_id, e.agent.to_string());
    assert_eq!(tool.span_id, e.tool.to_string());
    assert!(
        root.parent_span_id.is_empty() || root.parent_span_id == "0000000000000000",
        "root has a parent: {}",
        root.parent_span_id
    );
    assert_eq!(agent.parent_span_id, root.span_id);
    assert_eq!(tool.parent_span_id, agent.span_id);
    assert_eq!(root.kind, "SPAN_KIND_SERVER");
    assert_eq!(agent.kind, "SPAN_KIND_INTERNAL");

    assert_eq!(root.attributes["http.route"], "/v1/chat");
    assert_eq!(root.attributes["retries"], "2");
    assert_eq!(agent.attributes["gen_ai.agent.name"], "planner");
    assert_eq!(tool.attributes["error.type"], "timeout");
    assert_eq!(tool.status_code, "STATUS_CODE_ERROR");
    assert_eq!(tool.status_message, "tool timed out");
    let exc = tool
        .events
        .iter()
        .find(|ev| ev.name == "exception")
        .expect("exception event");
    assert_eq!(exc.attributes["exception.type"], "timeout");
    assert_eq!(exc.attributes["exception.message"], "tool timed out");

    assert_eq!(root.events.len(), 1, "{:#?}", root.events);
    let ev = &root.events[0];
    assert_eq!(ev.name, "request received");
    assert_eq!(ev.attributes["level"], "INFO");
    assert_eq!(ev.attributes["severity_number"], "9");
    assert_eq!(ev.attributes["user.tier"], "gold");
    let ev = &agent.events[0];
    assert_eq!(ev.name, "slow model");
    assert_eq!(ev.attributes["level"], "WARN");
    assert_eq!(ev.attributes["severity_number"], "13");

    assert_eq!(r.logs.len(), 2, "{:#?}", r.logs);
    let info = r
        .logs
        .iter()
        .find(|l| l.body == "request received")
        .unwrap();
    assert_eq!(
        (info.severity_number, info.severity_text.as_str()),
        (9, "INFO")
    );
    assert_eq!(info.trace_id, cid);
    assert_eq!(info.span_id, e.root.to_string());
    assert_eq!(info.attributes["user.tier"], "gold");
    let warn = r.logs.iter().find(|l| l.body == "slow model").unwrap();
    assert_eq!(
        (warn.severity_number, warn.severity_text.as_str()),
        (13, "WARN")
    );
    assert_eq!(warn.trace_id, cid);
    assert_eq!(warn.span_id, e.agent.to_string());

    let counter = r
        .metrics
        .iter()
        .find(|p| p.kind == MetricKind::Sum && p.metric == "requests")
        .unwrap_or_else(|| panic!("no counter in {:#?}", r.metrics));
    assert_eq!((counter.unit.as_str(), counter.sum), ("{request}", 5.0));
    assert_eq!(counter.attributes["http.route"], "/v1/chat");
    let hist = r
        .metrics
        .iter()
        .find(|p| p.kind == MetricKind::Histogram && p.metric == "request.duration")
        .unwrap_or_else(|| panic!("no histogram in {:#?}", r.metrics));
    assert_eq!((hist.unit.as_str(), hist.count), ("s", 1));
    assert!((hist.sum - 0.15).abs() < 1e-9, "{}", hist.sum);
    assert_eq!(
        hist.bounds.as_slice(),
        telemetry_core::DURATION_BUCKETS_SECONDS
    );
}
