//! Shared by the end-to-end tests: a scenario that emits a scope tree with logs and metrics,
//! receivers normalised to one shape, and the assertions on what arrived.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use telemetry_core::{
    ContextualCorrelator, CorrelationId, CorrelatorExt, InstrumentDescriptor, Logger, Meter,
    ScopeOptions, SpanId, SpanKind, attrs,
};
use telemetry_otel::OpenTelemetry;

/// A builder that ignores the process environment (tests must not depend on it).
pub fn builder(service: &str, vars: &[(&str, &str)]) -> telemetry_otel::OpenTelemetryBuilder {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    OpenTelemetry::builder(service)
        .with_env_source(move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
}

#[derive(Clone, Debug, PartialEq)]
pub struct REvent {
    pub name: String,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RSpan {
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    pub name: String,
    pub kind: String,
    pub attributes: BTreeMap<String, String>,
    pub events: Vec<REvent>,
    pub status_code: String,
    pub status_message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RLog {
    pub trace_id: String,
    pub span_id: String,
    pub severity_number: i32,
    pub severity_text: String,
    pub body: String,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RMetric {
    Sum {
        name: String,
        unit: String,
        value: f64,
        attributes: BTreeMap<String, String>,
    },
    Histogram {
        name: String,
        unit: String,
        count: u64,
        sum: f64,
        bounds: Vec<f64>,
    },
    Other(String),
}

#[derive(Clone, Debug, Default)]
pub struct Received {
    pub spans: Vec<RSpan>,
    pub logs: Vec<RLog>,
    pub metrics: Vec<RMetric>,
}

// ---- proto (mock-collector) ----

pub fn any(v: &AnyValue) -> String {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

pub fn kvs(a: &[KeyValue]) -> BTreeMap<String, String> {
    a.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map(any).unwrap_or_default(),
            )
        })
        .collect()
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn from_mock(c: &mock_collector::MockCollector) -> Received {
    use opentelemetry_proto::tonic::metrics::v1::{metric::Data, number_data_point::Value};
    let spans = c
        .spans()
        .iter()
        .map(|t| {
            let s = t.span();
            RSpan {
                trace_id: hex(&s.trace_id),
                span_id: hex(&s.span_id),
                parent_span_id: hex(&s.parent_span_id),
                name: s.name.clone(),
                kind: s.kind().as_str_name().to_owned(),
                attributes: kvs(&s.attributes),
                events: s
                    .events
                    .iter()
                    .map(|e| REvent {
                        name: e.name.clone(),
                        attributes: kvs(&e.attributes),
                    })
                    .collect(),
                status_code: s
                    .status
                    .as_ref()
                    .map(|st| st.code().as_str_name().to_owned())
                    .unwrap_or_default(),
                status_message: s
                    .status
                    .as_ref()
                    .map(|st| st.message.clone())
                    .unwrap_or_default(),
            }
        })
        .collect();
    let logs = c
        .logs()
        .iter()
        .map(|t| {
            let l = t.log_record();
            RLog {
                trace_id: hex(&l.trace_id),
                span_id: hex(&l.span_id),
                severity_number: l.severity_number,
                severity_text: l.severity_text.clone(),
                body: l.body.as_ref().map(any).unwrap_or_default(),
                attributes: kvs(&l.attributes),
            }
        })
        .collect();
    let metrics = c
        .metrics()
        .iter()
        .map(|t| {
            let m = t.metric();
            match &m.data {
                Some(Data::Sum(s)) => {
                    let dp = &s.data_points[0];
                    RMetric::Sum {
                        name: m.name.clone(),
                        unit: m.unit.clone(),
                        value: match dp.value {
                            Some(Value::AsInt(i)) => i as f64,
                            Some(Value::AsDouble(d)) => d,
                            None => f64::NAN,
                        },
                        attributes: kvs(&dp.attributes),
                    }
                }
                Some(Data::Histogram(h)) => {
                    let dp = &h.data_points[0];
                    RMetric::Histogram {
                        name: m.name.clone(),
                        unit: m.unit.clone(),
                        count: dp.count,
                        sum: dp.sum.unwrap_or(f64::NAN),
                        bounds: dp.explicit_bounds.clone(),
                    }
                }
                other => RMetric::Other(format!("{}: {other:?}", m.name)),
            }
        })
        .collect();
    Received {
        spans,
        logs,
        metrics,
    }
}

// ---- fake-opentelemetry-collector (values come back as Debug strings) ----

/// `Some(AnyValue { value: Some(StringValue("x")) })` → `x`.
pub fn debug_value(s: &str) -> String {
    let inner = match s.find("Value(") {
        Some(i) => &s[i + "Value(".len()..],
        None => s,
    };
    inner
        .trim_end_matches([')', ' ', '}'])
        .trim_matches('"')
        .to_owned()
}

fn debug_map(m: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), debug_value(v))).collect()
}

pub fn from_fake_span(s: &fake_opentelemetry_collector::ExportedSpan) -> RSpan {
    RSpan {
        trace_id: s.trace_id.clone(),
        span_id: s.span_id.clone(),
        parent_span_id: s.parent_span_id.clone(),
        name: s.name.clone(),
        kind: s.kind.clone(),
        attributes: debug_map(&s.attributes),
        events: s
            .events
            .iter()
            .map(|e| REvent {
                name: e.name.clone(),
                attributes: debug_map(&e.attributes),
            })
            .collect(),
        status_code: s
            .status
            .as_ref()
            .map(|x| x.code.clone())
            .unwrap_or_default(),
        status_message: s
            .status
            .as_ref()
            .map(|x| x.message.clone())
            .unwrap_or_default(),
    }
}

pub fn from_fake_log(l: &fake_opentelemetry_collector::ExportedLog) -> RLog {
    RLog {
        trace_id: l.trace_id.clone(),
        span_id: l.span_id.clone(),
        severity_number: l.severity_number,
        severity_text: l.severity_text.clone(),
        body: l.body.as_deref().map(debug_value).unwrap_or_default(),
        attributes: debug_map(&l.attributes),
    }
}

pub fn from_fake_metrics(m: &[fake_opentelemetry_collector::ExportedMetric]) -> Vec<RMetric> {
    // The data enums are private: read them through their serde form.
    let num = |v: &serde_json::Value| {
        v.get("AsInt")
            .and_then(|x| x.as_f64())
            .or_else(|| v.get("AsDouble").and_then(|x| x.as_f64()))
            .unwrap_or(f64::NAN)
    };
    let attrs = |v: &serde_json::Value| -> BTreeMap<String, String> {
        v.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), debug_value(v.as_str().unwrap_or_default())))
                    .collect()
            })
            .unwrap_or_default()
    };
    m.iter()
        .flat_map(|e| e.metrics.iter())
        .map(|m| {
            let data = serde_json::to_value(&m.data).unwrap();
            if let Some(sum) = data.get("Sum") {
                let dp = &sum["data_points"][0];
                RMetric::Sum {
                    name: m.name.clone(),
                    unit: m.unit.clone(),
                    value: num(&dp["value"]),
                    attributes: attrs(&dp["attributes"]),
                }
            } else if let Some(h) = data.get("Histogram") {
                let dp = &h["data_points"][0];
                RMetric::Histogram {
                    name: m.name.clone(),
                    unit: m.unit.clone(),
                    count: dp["count"].as_u64().unwrap_or_default(),
                    sum: dp["sum"].as_f64().unwrap_or(f64::NAN),
                    bounds: dp["explicit_bounds"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
                        .unwrap_or_default(),
                }
            } else {
                RMetric::Other(format!("{}: {data}", m.name))
            }
        })
        .collect()
}

// ---- the scenario ----

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
    let root = otel
        .open_scope(
            ScopeOptions::new("request")
                .attributes(&attrs!["http.route" => "/v1/chat", "retries" => 2])
                .kind(SpanKind::Server),
        )
        .unwrap();
    let correlation_id = root.correlation_id().unwrap();
    let root_id = root.context().span_id().unwrap();
    let (agent, tool) = {
        let _current = root.enter();
        otel.info("request received", &attrs!["user.tier" => "gold"]);
        let agent = otel
            .enter_scope(
                "invoke_agent planner",
                &attrs!["gen_ai.agent.name" => "planner"],
            )
            .unwrap();
        otel.warning("slow model", &[]);
        let tool = otel
            .enter_scope("execute_tool clock", &attrs!["gen_ai.tool.name" => "clock"])
            .unwrap();
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

fn find<'a>(spans: &'a [RSpan], name: &str) -> &'a RSpan {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name:?} in {spans:#?}"))
}

/// Everything the issue lists: names, links, trace id = correlation id, attributes, events
/// with their level, log records with ids, counter and histogram values with units.
pub fn assert_tree(r: &Received, e: &Emitted) {
    let cid = e.correlation_id.to_string();
    assert_eq!(r.spans.len(), 3, "{:#?}", r.spans);
    for s in &r.spans {
        assert_eq!(s.trace_id, cid, "trace id of {}", s.name);
    }
    let root = find(&r.spans, "request");
    let agent = find(&r.spans, "invoke_agent planner");
    let tool = find(&r.spans, "execute_tool clock");
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
        .find(|m| matches!(m, RMetric::Sum { name, .. } if name == "requests"))
        .unwrap_or_else(|| panic!("no counter in {:#?}", r.metrics));
    let RMetric::Sum {
        unit,
        value,
        attributes,
        ..
    } = counter
    else {
        unreachable!()
    };
    assert_eq!((unit.as_str(), *value), ("{request}", 5.0));
    assert_eq!(attributes["http.route"], "/v1/chat");
    let hist = r
        .metrics
        .iter()
        .find(|m| matches!(m, RMetric::Histogram { name, .. } if name == "request.duration"))
        .unwrap_or_else(|| panic!("no histogram in {:#?}", r.metrics));
    let RMetric::Histogram {
        unit,
        count,
        sum,
        bounds,
        ..
    } = hist
    else {
        unreachable!()
    };
    assert_eq!((unit.as_str(), *count), ("s", 1));
    assert!((sum - 0.15).abs() < 1e-9, "{sum}");
    assert_eq!(bounds.as_slice(), telemetry_core::DURATION_BUCKETS_SECONDS);
}
