//! JSON of traces, for HTTP APIs and trace views: [`summary_json`] and [`trace_json`].
//!
//! Times: `start_time` is RFC 3339 (UTC, microseconds); `start_offset_s` and `duration_s` are
//! seconds from the trace's earliest start and of the span. Ids are lowercase hex (32
//! characters for the trace, 16 for spans). Attribute values keep their JSON type (strings,
//! numbers, booleans, arrays, objects).

use std::time::SystemTime;

use serde_json::{Map, Value, json};
use telemetry_core::{Attribute, AttributeValue, ScopeEnd, SpanKind};

use crate::model::{RecordedEvent, RecordedSpan, RecordedTrace, SpanStatus, TraceSummary};
use crate::tree::SpanTree;

fn time(t: SystemTime) -> String {
    humantime::format_rfc3339_micros(t).to_string()
}

fn value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::String(s) => Value::from(s.as_str()),
        AttributeValue::Bool(b) => Value::from(*b),
        AttributeValue::I64(i) => Value::from(*i),
        AttributeValue::F64(f) => Value::from(*f),
        AttributeValue::StringArray(v) => v.iter().map(|s| Value::from(s.as_str())).collect(),
        AttributeValue::BoolArray(v) => v.iter().copied().map(Value::from).collect(),
        AttributeValue::I64Array(v) => v.iter().copied().map(Value::from).collect(),
        AttributeValue::F64Array(v) => v.iter().copied().map(Value::from).collect(),
        AttributeValue::Array(v) => v.iter().map(value).collect(),
        AttributeValue::Map(m) => attributes_json(m),
    }
}

/// Attributes as one JSON object, later keys winning.
pub fn attributes_json(attributes: &[Attribute]) -> Value {
    let mut m = Map::new();
    for a in attributes {
        m.insert(a.key.to_string(), value(&a.value));
    }
    Value::Object(m)
}

/// The span kind's OpenTelemetry name: `INTERNAL`, `SERVER`, `CLIENT`, `PRODUCER`, `CONSUMER`.
pub fn kind_name(kind: SpanKind) -> &'static str {
    match kind {
        SpanKind::Internal => "INTERNAL",
        SpanKind::Server => "SERVER",
        SpanKind::Client => "CLIENT",
        SpanKind::Producer => "PRODUCER",
        SpanKind::Consumer => "CONSUMER",
    }
}

/// `{"trace_id", "root_name", "complete", "start_time", "duration_s", "status" ("ok" |
/// "error"), "span_count", "input_tokens", "output_tokens", "total_tokens", "cost_usd" (a
/// number, or `null` when no span has a cost), "evaluations" (how many
/// `gen_ai.evaluation.result` events the spans carry)}`.
pub fn summary_json(s: &TraceSummary) -> Value {
    json!({
        "trace_id": s.trace_id.to_string(),
        "root_name": s.root_name,
        "complete": s.complete,
        "start_time": time(s.start),
        "duration_s": s.duration.as_secs_f64(),
        "status": if s.error { "error" } else { "ok" },
        "span_count": s.span_count,
        "input_tokens": s.input_tokens,
        "output_tokens": s.output_tokens,
        "total_tokens": s.input_tokens + s.output_tokens,
        "cost_usd": s.cost_usd,
        "evaluations": s.evaluations,
    })
}

fn event_json(e: &RecordedEvent, trace_start: SystemTime) -> Value {
    json!({
        "time": time(e.timestamp),
        "offset_s": e.timestamp.duration_since(trace_start).unwrap_or_default().as_secs_f64(),
        "level": e.level.severity_text(),
        "message": e.message,
        "attributes": attributes_json(&e.attributes),
    })
}

fn span_json(s: &RecordedSpan, depth: usize, trace_start: SystemTime) -> Value {
    let (status, error_type, message) = match &s.status {
        SpanStatus::Unset => ("unset", None, None),
        SpanStatus::Error {
            error_type,
            message,
        } => ("error", Some(error_type), Some(message)),
    };
    json!({
        "span_id": s.span_id.to_string(),
        "parent_span_id": s.parent_span_id.map(|p| p.to_string()),
        "depth": depth,
        "name": s.name,
        "kind": kind_name(s.kind),
        "start_time": time(s.start),
        "start_offset_s": s.start.duration_since(trace_start).unwrap_or_default().as_secs_f64(),
        "duration_s": s.duration.as_secs_f64(),
        "status": status,
        "error_type": error_type,
        "status_message": message,
        "ended": match s.ended {
            ScopeEnd::Completed => "completed",
            ScopeEnd::Cancelled => "cancelled",
            ScopeEnd::Panicked => "panicked",
        },
        "attributes": attributes_json(&s.attributes),
        "events": s.events.iter().map(|e| event_json(e, trace_start)).collect::<Vec<_>>(),
        "cost_usd": s.cost(),
        "evaluations": s.evaluations().map(evaluation_json).collect::<Vec<_>>(),
    })
}

/// One `gen_ai.evaluation.result` event's attributes under short names: `{"name", "score",
/// "label", "explanation", "error_type"}`, absent ones `null`.
fn evaluation_json(e: &RecordedEvent) -> Value {
    let get = |k: &str| {
        e.attributes
            .iter()
            .rev()
            .find(|a| a.key == k)
            .map(|a| value(&a.value))
    };
    json!({
        "name": get("gen_ai.evaluation.name"),
        "score": get("gen_ai.evaluation.score.value"),
        "label": get("gen_ai.evaluation.score.label"),
        "explanation": get("gen_ai.evaluation.explanation"),
        "error_type": get("error.type"),
    })
}

/// The summary's fields plus `"spans"`: every span depth first (a parent before its children,
/// siblings by start), each `{"span_id", "parent_span_id", "depth", "name", "kind",
/// "start_time", "start_offset_s", "duration_s", "status" ("unset" | "error"), "error_type",
/// "status_message", "ended" ("completed" | "cancelled" | "panicked"), "attributes",
/// "events": [{"time", "offset_s", "level", "message", "attributes"}], "cost_usd" (the span's
/// `agent_telemetry.gen_ai.usage.cost`, or `null`), "evaluations": [{"name", "score", "label",
/// "explanation", "error_type"}]}`.
pub fn trace_json(trace: &RecordedTrace) -> Value {
    let mut v = summary_json(&trace.summary());
    let start = trace.start().unwrap_or(SystemTime::UNIX_EPOCH);
    let tree = SpanTree::new(trace);
    let spans: Vec<Value> = tree
        .walk()
        .into_iter()
        .map(|n| span_json(n.span, n.depth, start))
        .collect();
    v["spans"] = Value::Array(spans);
    v
}
