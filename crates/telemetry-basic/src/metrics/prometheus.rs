//! The Prometheus text exposition format 0.0.4 of a [`MetricsSnapshot`].
//!
//! Source: OpenTelemetry specification, *Prometheus and OpenMetrics Compatibility*
//! (OTLP metric points to Prometheus), and the Prometheus *Exposition formats* text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use telemetry_core::{Attribute, AttributeValue};

use crate::logs::format::ValueJson;
use crate::metrics::snapshot::{InstrumentKind, MetricSnapshot, MetricsSnapshot, SeriesValue};

impl MetricsSnapshot {
    /// Renders the Prometheus text exposition format 0.0.4 (`Content-Type: text/plain;
    /// version=0.0.4`), deterministically: families sorted by name, series by label set.
    ///
    /// - **Names**: characters outside `[a-zA-Z0-9_:]` (such as `.`, `-`, `/`) become `_`,
    ///   runs of `_` collapse to one, and a leading digit gets a `_` prefix. The unit is
    ///   appended unless the name already ends with it: `s` → `_seconds`, `ms` →
    ///   `_milliseconds`, `By` → `_bytes`, `1` on a gauge → `_ratio`, `a/b` → `_a_per_b`,
    ///   and `{…}` annotations such as `{token}` are dropped. Counters then get `_total`.
    /// - **Types**: counter → `counter`, up-down counter and gauge → `gauge`, histogram →
    ///   `histogram` (cumulative `_bucket{le="…"}` series ending with `le="+Inf"`, then `_sum`
    ///   and `_count`; min and max have no Prometheus form and are left out).
    /// - `# HELP` carries the description (`\` and newlines escaped) when there is one;
    ///   `# TYPE` is always written. Instruments without series are left out.
    /// - **Labels**: attribute keys with invalid characters get `_`, a leading digit gets a
    ///   `key_` prefix, and keys that collide after that are merged with their values joined
    ///   by `;` in key order. Values are escaped (`\\`, `\"`, `\n`); arrays are JSON-encoded.
    /// - An instrument whose Prometheus name is already taken by another instrument is
    ///   skipped with a `#` comment line saying so, instead of producing an invalid
    ///   exposition.
    pub fn render_prometheus(&self) -> String {
        let mut families: Vec<(String, &MetricSnapshot)> = self
            .metrics()
            .iter()
            .filter(|m| !m.series.is_empty())
            .map(|m| (prometheus_name(m), m))
            .collect();
        families.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.cmp(&b.1.name)));

        let mut out = String::new();
        let mut previous: Option<&str> = None;
        for (name, metric) in &families {
            if previous == Some(name.as_str()) {
                let _ = writeln!(
                    out,
                    "# agent-telemetry: skipped instrument {:?} ({:?}): Prometheus name {name} is \
                     already used by another instrument",
                    metric.name, metric.kind
                );
                continue;
            }
            previous = Some(name);
            render_family(&mut out, name, metric);
        }
        out
    }
}

fn render_family(out: &mut String, name: &str, metric: &MetricSnapshot) {
    if !metric.description.is_empty() {
        let help = metric
            .description
            .replace('\\', "\\\\")
            .replace('\n', "\\n");
        let _ = writeln!(out, "# HELP {name} {help}");
    }
    let kind = match metric.kind {
        InstrumentKind::Counter => "counter",
        InstrumentKind::UpDownCounter | InstrumentKind::Gauge => "gauge",
        InstrumentKind::Histogram => "histogram",
    };
    let _ = writeln!(out, "# TYPE {name} {kind}");

    let mut series: Vec<(Vec<(String, String)>, &SeriesValue)> = metric
        .series
        .iter()
        .map(|s| (labels(&s.attributes), &s.value))
        .collect();
    series.sort_by(|a, b| a.0.cmp(&b.0));

    for (labels, value) in series {
        match value {
            SeriesValue::Counter(v) => {
                let _ = writeln!(out, "{name}{} {v}", label_set(&labels, None));
            }
            SeriesValue::UpDownCounter(v) => {
                let _ = writeln!(out, "{name}{} {v}", label_set(&labels, None));
            }
            SeriesValue::F64Counter(v) => {
                let _ = writeln!(out, "{name}{} {}", label_set(&labels, None), float(*v));
            }
            SeriesValue::Gauge(v) => {
                let _ = writeln!(out, "{name}{} {}", label_set(&labels, None), float(*v));
            }
            SeriesValue::Histogram(h) => {
                let mut cumulative = 0u64;
                for (bound, count) in h.boundaries.iter().zip(&h.bucket_counts) {
                    cumulative += count;
                    let le = float(*bound);
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {cumulative}",
                        label_set(&labels, Some(&le))
                    );
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    label_set(&labels, Some("+Inf")),
                    h.count
                );
                let set = label_set(&labels, None);
                let _ = writeln!(out, "{name}_sum{set} {}", float(h.sum));
                let _ = writeln!(out, "{name}_count{set} {}", h.count);
            }
        }
    }
}

/// The Prometheus metric name of an instrument, with unit and `_total` suffixes.
pub(crate) fn prometheus_name(metric: &MetricSnapshot) -> String {
    let mut name = sanitize(&metric.name, false);
    if let Some(unit) = unit_suffix(&metric.unit, metric.kind) {
        if !name.ends_with(&format!("_{unit}")) && name != unit {
            name.push('_');
            name.push_str(&unit);
        }
    }
    if metric.kind == InstrumentKind::Counter && !name.ends_with("_total") {
        name.push_str("_total");
    }
    name
}

/// Replaces characters outside the allowed set with `_` and collapses runs of `_`.
fn sanitize(s: &str, label: bool) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        let ok = c.is_ascii_alphanumeric() || c == '_' || (!label && c == ':');
        let c = if ok { c } else { '_' };
        if !(c == '_' && out.ends_with('_')) {
            out.push(c);
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, if label { "key_" } else { "_" });
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// The unit suffix for a UCUM unit, or `None` for none.
fn unit_suffix(unit: &str, kind: InstrumentKind) -> Option<String> {
    // Annotations in braces carry no unit ("{token}", "{request}/s" → "/s").
    let mut stripped = String::with_capacity(unit.len());
    let mut depth = 0;
    for c in unit.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => stripped.push(c),
            _ => {}
        }
    }
    let unit = stripped.trim();
    if unit.is_empty() {
        return None;
    }
    if unit == "1" {
        return (kind == InstrumentKind::Gauge).then(|| "ratio".to_owned());
    }
    let suffix = match unit.split_once('/') {
        Some((num, den)) => {
            let den = per_unit_name(den)?;
            match num.trim() {
                "" => format!("per_{den}"),
                n => format!("{}_per_{den}", unit_name(n)),
            }
        }
        None => unit_name(unit),
    };
    let suffix = sanitize(&suffix, true);
    (suffix != "_").then_some(suffix)
}

fn unit_name(unit: &str) -> String {
    let name = match unit {
        "d" => "days",
        "h" => "hours",
        "min" => "minutes",
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "TiBy" => "tibibytes",
        "KBy" => "kilobytes",
        "MBy" => "megabytes",
        "GBy" => "gigabytes",
        "TBy" => "terabytes",
        "m" => "meters",
        "V" => "volts",
        "A" => "amperes",
        "J" => "joules",
        "W" => "watts",
        "g" => "grams",
        "Cel" => "celsius",
        "Hz" => "hertz",
        "%" => "percent",
        "1" => "",
        other => other,
    };
    name.to_owned()
}

fn per_unit_name(unit: &str) -> Option<String> {
    let name = match unit.trim() {
        "s" => "second",
        "m" => "minute",
        "h" => "hour",
        "d" => "day",
        "w" => "week",
        "mo" => "month",
        "y" => "year",
        "" => return None,
        other => other,
    };
    Some(name.to_owned())
}

/// Label (name, value) pairs sorted by name, colliding names merged.
fn labels(attributes: &[Attribute]) -> Vec<(String, String)> {
    let mut merged: BTreeMap<String, Vec<(&str, String)>> = BTreeMap::new();
    for a in attributes {
        merged
            .entry(sanitize(&a.key, true))
            .or_default()
            .push((&a.key, label_value(&a.value)));
    }
    merged
        .into_iter()
        .map(|(name, mut values)| {
            values.sort_by(|x, y| x.0.cmp(y.0));
            let joined: Vec<String> = values.into_iter().map(|(_, v)| v).collect();
            (name, joined.join(";"))
        })
        .collect()
}

fn label_value(value: &AttributeValue) -> String {
    match value {
        AttributeValue::String(s) => s.to_string(),
        AttributeValue::Bool(_) | AttributeValue::I64(_) => value.to_string(),
        AttributeValue::F64(v) => float(*v),
        _ => serde_json::to_string(&ValueJson(value)).unwrap_or_default(),
    }
}

fn label_set(labels: &[(String, String)], le: Option<&str>) -> String {
    if labels.is_empty() && le.is_none() {
        return String::new();
    }
    let mut out = String::from("{");
    let mut first = true;
    let all = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(le.map(|le| ("le", le)));
    for (k, v) in all {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(k);
        out.push_str("=\"");
        for c in v.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
    out
}

/// A sample value as Prometheus parses it (Go `ParseFloat` syntax).
fn float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, unit: &str, kind: InstrumentKind) -> MetricSnapshot {
        MetricSnapshot {
            name: name.into(),
            description: String::new(),
            unit: unit.into(),
            kind,
            series: Vec::new(),
        }
    }

    #[test]
    fn names_follow_the_otel_to_prometheus_rules() {
        use InstrumentKind::*;
        let cases = [
            (
                "http.server.request.duration",
                "s",
                Histogram,
                "http_server_request_duration_seconds",
            ),
            (
                "gen_ai.client.token.usage",
                "{token}",
                Histogram,
                "gen_ai_client_token_usage",
            ),
            ("requests", "", Counter, "requests_total"),
            ("requests_total", "", Counter, "requests_total"),
            ("a-b/c..d", "By", Counter, "a_b_c_d_bytes_total"),
            ("cpu.utilization", "1", Gauge, "cpu_utilization_ratio"),
            ("cpu.count", "1", UpDownCounter, "cpu_count"),
            ("net.io", "By/s", Gauge, "net_io_bytes_per_second"),
            ("queue.rate", "{request}/s", Gauge, "queue_rate_per_second"),
            ("latency_seconds", "s", Histogram, "latency_seconds"),
        ];
        for (name, unit, kind, want) in cases {
            assert_eq!(
                prometheus_name(&metric(name, unit, kind)),
                want,
                "{name} {unit}"
            );
        }
    }

    #[test]
    fn label_names_and_values_are_escaped() {
        let l = labels(&[
            Attribute::new("http.method", "GET"),
            Attribute::new("9lives", "a\"b\\c\nd"),
            Attribute::new("tags", vec!["x", "y"]),
        ]);
        assert_eq!(
            label_set(&l, None),
            r#"{http_method="GET",key_9lives="a\"b\\c\nd",tags="[\"x\",\"y\"]"}"#
        );
        let merged = labels(&[Attribute::new("a.b", 1), Attribute::new("a-b", 2)]);
        assert_eq!(merged, [("a_b".to_owned(), "2;1".to_owned())]);
    }
}
