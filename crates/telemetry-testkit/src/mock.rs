//! [`mock-collector`](mock_collector): start one on 127.0.0.1 and read what it got as
//! [`Received`].
//!
//! The collector keeps the OTLP protobuf messages themselves (HTTP/JSON is decoded into the
//! same messages), so everything is read here: ids become hex, enums their proto names, and
//! attribute values strings as [`value`] writes them.

use std::collections::BTreeMap;

use mock_collector::{MockCollector, MockServer, Protocol, ServerHandle};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{metric::Data, number_data_point};
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind, status::StatusCode};

use crate::{MetricKind, REvent, RLink, RLog, RPoint, RSpan, Received};

/// Starts a receiver for OTLP over HTTP/protobuf on 127.0.0.1 with an ephemeral port; send to
/// `format!("http://{}", server.addr())`.
///
/// # Panics
/// When the server cannot start (no free port, no tokio runtime).
pub async fn receiver() -> ServerHandle {
    MockServer::builder()
        .protocol(Protocol::HttpBinary)
        .start()
        .await
        .expect("start the OTLP receiver (mock-collector, HTTP/protobuf, 127.0.0.1:0)")
}

/// Everything `collector` holds, read into plain shapes; use it as
/// `server.with_collector(received).await`.
pub fn received(collector: &MockCollector) -> Received {
    Received {
        spans: collector.spans().iter().map(|t| span(t.span())).collect(),
        logs: collector
            .logs()
            .iter()
            .map(|t| {
                let l = t.log_record();
                RLog {
                    trace_id: hex(&l.trace_id),
                    span_id: hex(&l.span_id),
                    severity_number: l.severity_number,
                    severity_text: l.severity_text.clone(),
                    body: l.body.as_ref().map(value).unwrap_or_default(),
                    event_name: l.event_name.clone(),
                    attributes: attributes(&l.attributes),
                }
            })
            .collect(),
        metrics: collector
            .metrics()
            .iter()
            .flat_map(|t| points(t.metric()))
            .collect(),
    }
}

/// An attribute value as a string: strings as they are, booleans and numbers through
/// `Display` (`true`, `3`, `0.5`), an array as a JSON array of its items so written, anything
/// else (bytes, maps, no value) through `Debug`.
pub fn value(v: &AnyValue) -> String {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::ArrayValue(a)) => {
            let items = a
                .values
                .iter()
                .map(|x| serde_json::Value::String(value(x)))
                .collect();
            serde_json::Value::Array(items).to_string()
        }
        other => format!("{other:?}"),
    }
}

/// Attributes by key, each value written by [`value`] (an attribute without a value gives an
/// empty string).
pub fn attributes(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    kvs.iter()
        .map(|kv| {
            (
                kv.key.clone(),
                kv.value.as_ref().map(value).unwrap_or_default(),
            )
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn span(s: &Span) -> RSpan {
    RSpan {
        trace_id: hex(&s.trace_id),
        span_id: hex(&s.span_id),
        parent_span_id: hex(&s.parent_span_id),
        name: s.name.clone(),
        // An out-of-range number is shown as such, not folded into a valid name.
        kind: SpanKind::try_from(s.kind).map_or_else(
            |_| format!("unknown span kind {}", s.kind),
            |k| k.as_str_name().to_owned(),
        ),
        attributes: attributes(&s.attributes),
        events: s
            .events
            .iter()
            .map(|e| REvent {
                name: e.name.clone(),
                attributes: attributes(&e.attributes),
            })
            .collect(),
        links: s
            .links
            .iter()
            .map(|l| RLink {
                trace_id: hex(&l.trace_id),
                span_id: hex(&l.span_id),
                attributes: attributes(&l.attributes),
            })
            .collect(),
        status_code: match &s.status {
            None => StatusCode::Unset.as_str_name().to_owned(),
            Some(st) => StatusCode::try_from(st.code).map_or_else(
                |_| format!("unknown status code {}", st.code),
                |c| c.as_str_name().to_owned(),
            ),
        },
        status_message: s
            .status
            .as_ref()
            .map(|st| st.message.clone())
            .unwrap_or_default(),
    }
}

fn points(m: &opentelemetry_proto::tonic::metrics::v1::Metric) -> Vec<RPoint> {
    let point = |kind, attrs: &[KeyValue], bounds: &[f64], count, sum| RPoint {
        metric: m.name.clone(),
        unit: m.unit.clone(),
        kind,
        attributes: attributes(attrs),
        bounds: bounds.to_vec(),
        count,
        sum,
    };
    let number = |dp: &opentelemetry_proto::tonic::metrics::v1::NumberDataPoint| match dp.value {
        Some(number_data_point::Value::AsInt(i)) => i as f64,
        Some(number_data_point::Value::AsDouble(d)) => d,
        None => f64::NAN,
    };
    match &m.data {
        Some(Data::Sum(s)) => s
            .data_points
            .iter()
            .map(|dp| point(MetricKind::Sum, &dp.attributes, &[], 1, number(dp)))
            .collect(),
        Some(Data::Gauge(g)) => g
            .data_points
            .iter()
            .map(|dp| point(MetricKind::Gauge, &dp.attributes, &[], 1, number(dp)))
            .collect(),
        Some(Data::Histogram(h)) => h
            .data_points
            .iter()
            .map(|dp| {
                let sum = dp.sum.unwrap_or(f64::NAN);
                point(
                    MetricKind::Histogram,
                    &dp.attributes,
                    &dp.explicit_bounds,
                    dp.count,
                    sum,
                )
            })
            .collect(),
        Some(Data::ExponentialHistogram(h)) => h
            .data_points
            .iter()
            .map(|dp| {
                let sum = dp.sum.unwrap_or(f64::NAN);
                point(
                    MetricKind::ExponentialHistogram,
                    &dp.attributes,
                    &[],
                    dp.count,
                    sum,
                )
            })
            .collect(),
        Some(Data::Summary(s)) => s
            .data_points
            .iter()
            .map(|dp| point(MetricKind::Summary, &dp.attributes, &[], dp.count, dp.sum))
            .collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry_proto::tonic::common::v1::ArrayValue;
    use opentelemetry_proto::tonic::trace::v1::Status;

    use super::*;

    fn v(value: any_value::Value) -> AnyValue {
        AnyValue { value: Some(value) }
    }

    #[test]
    fn values_are_written_as_documented() {
        assert_eq!(value(&v(any_value::Value::StringValue("x".into()))), "x");
        assert_eq!(value(&v(any_value::Value::BoolValue(true))), "true");
        assert_eq!(value(&v(any_value::Value::IntValue(3))), "3");
        assert_eq!(value(&v(any_value::Value::DoubleValue(0.5))), "0.5");
        let array = any_value::Value::ArrayValue(ArrayValue {
            values: vec![
                v(any_value::Value::StringValue("stop".into())),
                v(any_value::Value::IntValue(2)),
            ],
        });
        assert_eq!(value(&v(array)), r#"["stop","2"]"#);
        let kvs = [KeyValue {
            key: "empty".into(),
            value: None,
            ..Default::default()
        }];
        assert_eq!(attributes(&kvs)["empty"], "");
    }

    #[test]
    fn spans_read_ids_as_hex_and_a_missing_status_as_unset() {
        let mut s = Span {
            trace_id: vec![0xab; 16],
            span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
            name: "root".into(),
            kind: SpanKind::Server as i32,
            ..Default::default()
        };
        let r = span(&s);
        assert_eq!(r.trace_id, "ab".repeat(16));
        assert_eq!(r.span_id, "0102030405060708");
        assert_eq!(r.parent(), None);
        assert_eq!(r.kind, "SPAN_KIND_SERVER");
        assert_eq!(r.status_code, "STATUS_CODE_UNSET");
        s.status = Some(Status {
            message: "boom".into(),
            code: StatusCode::Error as i32,
        });
        s.kind = 42;
        let r = span(&s);
        assert_eq!(
            (r.status_code.as_str(), r.status_message.as_str()),
            ("STATUS_CODE_ERROR", "boom")
        );
        assert_eq!(r.kind, "unknown span kind 42");
    }
}
