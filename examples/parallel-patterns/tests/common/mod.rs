//! An in-process OTLP receiver (mock-collector over HTTP/protobuf) and the OpenTelemetry
//! implementation wired to it, plus a flattened view of what arrived.

#![allow(dead_code, unreachable_pub)]

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use mock_collector::{MockServer, Protocol, ServerHandle};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use telemetry_core::CorrelationId;
use telemetry_otel::{OpenTelemetry, Signal};

/// Starts a receiver on 127.0.0.1 with an ephemeral port.
pub async fn receiver() -> ServerHandle {
    MockServer::builder()
        .protocol(Protocol::HttpBinary)
        .start()
        .await
        .expect("start the OTLP receiver")
}

/// OpenTelemetry exporting traces and logs to `server`, configured in code only (the process
/// environment is ignored); `extra` supplies further `OTEL_*` values.
pub fn otel(server: &ServerHandle, extra: &[(&str, &str)]) -> OpenTelemetry {
    let extra: HashMap<String, String> = extra
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    OpenTelemetry::builder("parallel-patterns-test")
        .with_env_source(move |k| extra.get(k).cloned())
        .with_protocol(telemetry_otel::Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", server.addr()))
        .with_exporters(Signal::Metrics, &[])
        .with_batch_schedule_delay(Duration::from_millis(50))
        .build()
        .expect("a valid OpenTelemetry configuration")
}

/// One received span, flattened.
#[derive(Clone, Debug)]
pub struct SpanRec {
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    /// `None` for a root.
    pub parent: Option<String>,
    pub attributes: HashMap<String, String>,
    /// (event name, its attributes)
    pub events: Vec<(String, HashMap<String, String>)>,
    /// OTLP status code: 0 unset, 1 ok, 2 error.
    pub status: i32,
}

pub fn value(v: &Option<AnyValue>) -> String {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

pub fn attrs(kvs: &[KeyValue]) -> HashMap<String, String> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), value(&kv.value)))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every span received so far.
pub async fn spans(server: &ServerHandle) -> Vec<SpanRec> {
    server
        .with_collector(|c| {
            c.spans()
                .iter()
                .map(|t| {
                    let s = t.span();
                    SpanRec {
                        name: s.name.clone(),
                        trace_id: hex(&s.trace_id),
                        span_id: hex(&s.span_id),
                        parent: (!s.parent_span_id.is_empty()).then(|| hex(&s.parent_span_id)),
                        attributes: attrs(&s.attributes),
                        events: s
                            .events
                            .iter()
                            .map(|e| (e.name.clone(), attrs(&e.attributes)))
                            .collect(),
                        status: s.status.as_ref().map_or(0, |st| st.code),
                    }
                })
                .collect()
        })
        .await
}

/// One received log record: (trace id, span id, severity number, body, attributes).
#[derive(Clone, Debug)]
pub struct LogRec {
    pub trace_id: String,
    pub span_id: String,
    pub severity: i32,
    pub body: String,
    pub attributes: HashMap<String, String>,
}

pub async fn logs(server: &ServerHandle) -> Vec<LogRec> {
    server
        .with_collector(|c| {
            c.logs()
                .iter()
                .map(|t| {
                    let r = t.log_record();
                    LogRec {
                        trace_id: hex(&r.trace_id),
                        span_id: hex(&r.span_id),
                        severity: r.severity_number,
                        body: value(&r.body),
                        attributes: attrs(&r.attributes),
                    }
                })
                .collect()
        })
        .await
}

/// Asserts one trace tree exactly: `edges` lists every span as (name, parent name), the root
/// as (name, ""). Checks the span count, every parent id, one trace id equal to
/// `correlation_id`, and that no span's parent is missing. Returns the spans by name.
pub fn assert_tree(
    all: &[SpanRec],
    correlation_id: CorrelationId,
    edges: &[(&str, &str)],
) -> HashMap<String, SpanRec> {
    let trace = correlation_id.to_string();
    let tree: Vec<&SpanRec> = all.iter().filter(|s| s.trace_id == trace).collect();
    assert_eq!(
        tree.len(),
        edges.len(),
        "span count of trace {trace}: got {:?}",
        tree.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let by_id: HashMap<&str, &SpanRec> = tree.iter().map(|s| (s.span_id.as_str(), *s)).collect();
    let mut by_name = HashMap::new();
    let mut got: Vec<(String, String)> = Vec::new();
    for s in &tree {
        let parent_name = match &s.parent {
            None => String::new(),
            Some(p) => by_id
                .get(p.as_str())
                .unwrap_or_else(|| panic!("orphan span {:?}: parent {p} not received", s.name))
                .name
                .clone(),
        };
        got.push((s.name.clone(), parent_name));
        assert!(
            by_name.insert(s.name.clone(), (*s).clone()).is_none(),
            "span names are unique within a pattern's tree: {:?}",
            s.name
        );
    }
    let mut want: Vec<(String, String)> = edges
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "the tree (span, parent) of trace {trace}");
    by_name
}

/// Asserts there are no orphans among all received spans: every parent id is a received span.
pub fn assert_no_orphans(all: &[SpanRec]) {
    let ids: HashSet<&str> = all.iter().map(|s| s.span_id.as_str()).collect();
    for s in all {
        if let Some(p) = &s.parent {
            assert!(
                ids.contains(p.as_str()),
                "orphan span {:?} (parent {p})",
                s.name
            );
        }
    }
}
