//! What the in-process OTLP receiver got, read from the OTLP protobuf messages themselves so
//! that each attribute keeps its `AnyValue` variant (the shared test kit writes values as
//! strings).

use std::collections::BTreeMap;

use mock_collector::MockCollector;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value as V};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use serde_json::Value;

/// The `AnyValue` variant an attribute arrived as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `string_value`.
    Str,
    /// `bool_value`.
    Bool,
    /// `int_value`.
    Int,
    /// `double_value`.
    Double,
    /// `array_value` whose items are all `string_value` (a string array attribute).
    StrArray,
    /// `array_value` (structured content).
    Array,
    /// `kvlist_value` (structured content).
    KvList,
    /// Anything else (bytes, no value, a mixed array).
    Other,
}

/// The variant of `v`.
pub(crate) fn ty(v: &AnyValue) -> Ty {
    match &v.value {
        Some(V::StringValue(_)) => Ty::Str,
        Some(V::BoolValue(_)) => Ty::Bool,
        Some(V::IntValue(_)) => Ty::Int,
        Some(V::DoubleValue(_)) => Ty::Double,
        Some(V::ArrayValue(a)) => {
            if !a.values.is_empty() && a.values.iter().all(|x| ty(x) == Ty::Str) {
                Ty::StrArray
            } else {
                Ty::Array
            }
        }
        Some(V::KvlistValue(_)) => Ty::KvList,
        _ => Ty::Other,
    }
}

/// `v` as JSON: a kvlist as an object, an array as an array.
pub(crate) fn json(v: &AnyValue) -> Value {
    match &v.value {
        Some(V::StringValue(s)) => Value::from(s.as_str()),
        Some(V::BoolValue(b)) => Value::from(*b),
        Some(V::IntValue(i)) => Value::from(*i),
        Some(V::DoubleValue(d)) => Value::from(*d),
        Some(V::ArrayValue(a)) => Value::Array(a.values.iter().map(json).collect()),
        Some(V::KvlistValue(kv)) => Value::Object(
            kv.values
                .iter()
                .map(|x| (x.key.clone(), x.value.as_ref().map_or(Value::Null, json)))
                .collect(),
        ),
        _ => Value::Null,
    }
}

/// Attributes by key, values as received.
pub(crate) type Attrs = BTreeMap<String, AnyValue>;

fn attrs(kvs: &[KeyValue]) -> Attrs {
    kvs.iter()
        .map(|kv| (kv.key.clone(), kv.value.clone().unwrap_or_default()))
        .collect()
}

/// One instance of a signal: a span, a span event, a log record (event) or a metric point.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    /// Span name, event name, or metric name.
    pub name: String,
    /// Span kind name (`SPAN_KIND_CLIENT`), severity number for log records, unit for metrics.
    pub detail: String,
    /// Metric instrument (`histogram`, `sum`), empty otherwise.
    pub instrument: &'static str,
    /// Attributes as received.
    pub attributes: Attrs,
}

impl Item {
    /// The string value of `key`, if it is a string.
    pub(crate) fn str(&self, key: &str) -> Option<&str> {
        match self.attributes.get(key).and_then(|v| v.value.as_ref()) {
            Some(V::StringValue(s)) => Some(s),
            _ => None,
        }
    }
}

/// Everything received, by signal.
#[derive(Debug, Default)]
pub(crate) struct Got {
    /// Spans (`detail`: kind).
    pub spans: Vec<Item>,
    /// Span events (`detail`: the name of their span).
    pub span_events: Vec<Item>,
    /// Log records (`name`: the event name; `detail`: severity number).
    pub logs: Vec<Item>,
    /// Metric points (`detail`: unit).
    pub points: Vec<Item>,
}

/// Reads the collector.
pub(crate) fn got(c: &MockCollector) -> Got {
    let mut g = Got::default();
    for t in c.spans().iter() {
        let s = t.span();
        let kind = opentelemetry_proto::tonic::trace::v1::span::SpanKind::try_from(s.kind)
            .map(|k| k.as_str_name().to_owned())
            .unwrap_or_default();
        g.spans.push(Item {
            name: s.name.clone(),
            detail: kind,
            instrument: "",
            attributes: attrs(&s.attributes),
        });
        for e in &s.events {
            g.span_events.push(Item {
                name: e.name.clone(),
                detail: s.name.clone(),
                instrument: "",
                attributes: attrs(&e.attributes),
            });
        }
    }
    for t in c.logs().iter() {
        let l = t.log_record();
        g.logs.push(Item {
            name: l.event_name.clone(),
            detail: l.severity_number.to_string(),
            instrument: "",
            attributes: attrs(&l.attributes),
        });
    }
    for t in c.metrics().iter() {
        let m = t.metric();
        let item = |instrument, kvs: &[KeyValue]| Item {
            name: m.name.clone(),
            detail: m.unit.clone(),
            instrument,
            attributes: attrs(kvs),
        };
        match &m.data {
            Some(Data::Histogram(h)) => g.points.extend(
                h.data_points
                    .iter()
                    .map(|p| item("histogram", &p.attributes)),
            ),
            Some(Data::Sum(s)) => g
                .points
                .extend(s.data_points.iter().map(|p| item("sum", &p.attributes))),
            Some(Data::Gauge(s)) => g
                .points
                .extend(s.data_points.iter().map(|p| item("gauge", &p.attributes))),
            _ => {}
        }
    }
    g
}
