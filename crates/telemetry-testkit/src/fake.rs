//! [`fake-opentelemetry-collector`](fake_opentelemetry_collector) (OTLP over gRPC) exports
//! read as [`Received`]. Needs the cargo feature `fake`.
//!
//! That collector hands attribute values and log bodies over as `Debug` strings of the proto
//! value (`Some(AnyValue { value: Some(StringValue("x")) })`); [`debug_value`] takes the
//! scalar back out. It does not read a log record's `EventName`, so [`RLog::event_name`] is
//! always empty here, and its metric data types are private, so points are read through their
//! serde form.

use std::collections::BTreeMap;

use fake_opentelemetry_collector::{ExportedLog, ExportedMetric, ExportedSpan};

use crate::{MetricKind, REvent, RLink, RLog, RPoint, RSpan, Received};

/// What the collector's readers (`exported_spans`, `exported_logs`, `exported_metrics`)
/// returned, as one [`Received`].
pub fn received(
    spans: &[ExportedSpan],
    logs: &[ExportedLog],
    metrics: &[ExportedMetric],
) -> Received {
    Received {
        spans: spans.iter().map(span).collect(),
        logs: logs.iter().map(log).collect(),
        metrics: points(metrics),
    }
}

/// The scalar inside a `Debug`-printed proto value:
/// `Some(AnyValue { value: Some(StringValue("x")) })` gives `x`, `...IntValue(3) })` gives `3`.
/// A string without `Value(` is returned trimmed of trailing `)`, ` `, `}` and of quotes.
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

fn span(s: &ExportedSpan) -> RSpan {
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
        links: s
            .links
            .iter()
            .map(|l| RLink {
                trace_id: l.trace_id.clone(),
                span_id: l.span_id.clone(),
                attributes: debug_map(&l.attributes),
            })
            .collect(),
        // No status sent means UNSET (OTLP), as in `mock`.
        status_code: s
            .status
            .as_ref()
            .map_or_else(|| "STATUS_CODE_UNSET".to_owned(), |x| x.code.clone()),
        status_message: s
            .status
            .as_ref()
            .map(|x| x.message.clone())
            .unwrap_or_default(),
    }
}

fn log(l: &ExportedLog) -> RLog {
    RLog {
        trace_id: l.trace_id.clone(),
        span_id: l.span_id.clone(),
        severity_number: l.severity_number,
        severity_text: l.severity_text.clone(),
        body: l.body.as_deref().map(debug_value).unwrap_or_default(),
        event_name: String::new(),
        attributes: debug_map(&l.attributes),
    }
}

fn points(exported: &[ExportedMetric]) -> Vec<RPoint> {
    let number = |v: &serde_json::Value| {
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
    let mut out = Vec::new();
    for m in exported.iter().flat_map(|e| e.metrics.iter()) {
        let data = serde_json::to_value(&m.data).expect("metric data serialises to JSON");
        let Some((tag, body)) = data.as_object().and_then(|o| o.iter().next()) else {
            continue; // no data: no points
        };
        let kind = match tag.as_str() {
            "Sum" => MetricKind::Sum,
            "Gauge" => MetricKind::Gauge,
            "Histogram" => MetricKind::Histogram,
            "ExponentialHistogram" => MetricKind::ExponentialHistogram,
            "Summary" => MetricKind::Summary,
            other => panic!("metric {}: unknown data type {other}: {body}", m.name),
        };
        for dp in body["data_points"].as_array().into_iter().flatten() {
            let (count, sum) = match kind {
                MetricKind::Sum | MetricKind::Gauge => (1, number(&dp["value"])),
                _ => (
                    dp["count"].as_u64().unwrap_or_default(),
                    dp["sum"].as_f64().unwrap_or(f64::NAN),
                ),
            };
            out.push(RPoint {
                metric: m.name.clone(),
                unit: m.unit.clone(),
                kind,
                attributes: attrs(&dp["attributes"]),
                bounds: dp["explicit_bounds"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
                    .unwrap_or_default(),
                count,
                sum,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_values_give_back_the_scalar() {
        let s = r#"Some(AnyValue { value: Some(StringValue("tool timed out")) })"#;
        assert_eq!(debug_value(s), "tool timed out");
        assert_eq!(
            debug_value("Some(AnyValue { value: Some(IntValue(2)) })"),
            "2"
        );
        assert_eq!(
            debug_value("Some(AnyValue { value: Some(BoolValue(true)) })"),
            "true"
        );
    }
}
