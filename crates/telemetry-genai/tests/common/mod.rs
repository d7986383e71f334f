//! Shared by the OTLP tests: an in-process HTTP/protobuf receiver (mock-collector) behind the
//! OpenTelemetry implementation, and what it received in plain shapes.
#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::time::Duration;

use mock_collector::{MockServer, ServerHandle};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use telemetry_core::{Lifecycle, Telemetry};
use telemetry_genai::{GenAi, GenAiConfig};
use telemetry_otel::{OpenTelemetry, Protocol};

pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug)]
pub struct RSpan {
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    pub name: String,
    pub kind: String,
    pub attributes: BTreeMap<String, String>,
    pub events: Vec<(String, BTreeMap<String, String>)>,
    pub status_code: String,
}

impl RSpan {
    pub fn attr(&self, k: &str) -> Option<&str> {
        self.attributes.get(k).map(String::as_str)
    }
    pub fn op(&self) -> &str {
        self.attr("gen_ai.operation.name").unwrap_or("")
    }
}

#[derive(Clone, Debug)]
pub struct RLog {
    pub trace_id: String,
    pub span_id: String,
    pub body: String,
    /// The OTel log record's `EventName`.
    pub event_name: String,
    pub attributes: BTreeMap<String, String>,
}

impl RLog {
    pub fn attr(&self, k: &str) -> Option<&str> {
        self.attributes.get(k).map(String::as_str)
    }
}

#[derive(Clone, Debug)]
pub struct RPoint {
    pub metric: String,
    pub unit: String,
    pub attributes: BTreeMap<String, String>,
    pub bounds: Vec<f64>,
    pub count: u64,
    pub sum: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Received {
    pub spans: Vec<RSpan>,
    pub logs: Vec<RLog>,
    pub points: Vec<RPoint>,
}

impl Received {
    pub fn spans_in(&self, trace_id: &str) -> Vec<&RSpan> {
        self.spans
            .iter()
            .filter(|s| s.trace_id == trace_id)
            .collect()
    }
    pub fn logs_of(&self, span: &RSpan) -> Vec<&RLog> {
        self.logs
            .iter()
            .filter(|l| l.trace_id == span.trace_id && l.span_id == span.span_id)
            .collect()
    }
    pub fn span_named(&self, name: &str) -> &RSpan {
        let v: Vec<&RSpan> = self.spans.iter().filter(|s| s.name == name).collect();
        assert_eq!(v.len(), 1, "exactly one span {name:?}: {:#?}", self.spans);
        v[0]
    }
    pub fn points_of(&self, metric: &str) -> Vec<&RPoint> {
        self.points.iter().filter(|p| p.metric == metric).collect()
    }
}

pub fn any(v: &AnyValue) -> String {
    match &v.value {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(any_value::Value::ArrayValue(a)) => {
            let items: Vec<serde_json::Value> = a
                .values
                .iter()
                .map(|x| serde_json::Value::String(any(x)))
                .collect();
            serde_json::Value::Array(items).to_string()
        }
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn received(c: &mock_collector::MockCollector) -> Received {
    use opentelemetry_proto::tonic::metrics::v1::metric::Data;
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
                    .map(|e| (e.name.clone(), kvs(&e.attributes)))
                    .collect(),
                status_code: s
                    .status
                    .as_ref()
                    .map(|st| st.code().as_str_name().to_owned())
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
                body: l.body.as_ref().map(any).unwrap_or_default(),
                event_name: l.event_name.clone(),
                attributes: kvs(&l.attributes),
            }
        })
        .collect();
    let mut points = Vec::new();
    for t in c.metrics() {
        let m = t.metric();
        match &m.data {
            Some(Data::Histogram(h)) => {
                for dp in &h.data_points {
                    points.push(RPoint {
                        metric: m.name.clone(),
                        unit: m.unit.clone(),
                        attributes: kvs(&dp.attributes),
                        bounds: dp.explicit_bounds.clone(),
                        count: dp.count,
                        sum: dp.sum.unwrap_or(f64::NAN),
                    })
                }
            }
            Some(Data::Sum(s)) => {
                use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value;
                for dp in &s.data_points {
                    let v = match dp.value {
                        Some(Value::AsInt(i)) => i as f64,
                        Some(Value::AsDouble(d)) => d,
                        None => f64::NAN,
                    };
                    points.push(RPoint {
                        metric: m.name.clone(),
                        unit: m.unit.clone(),
                        attributes: kvs(&dp.attributes),
                        bounds: Vec::new(),
                        count: 1,
                        sum: v,
                    })
                }
            }
            _ => {}
        }
    }
    Received {
        spans,
        logs,
        points,
    }
}

/// A receiver plus the OpenTelemetry implementation exporting to it over HTTP/protobuf, with
/// configuration given in code (the process environment is ignored).
pub struct Harness {
    pub server: ServerHandle,
    pub otel: OpenTelemetry,
    pub telemetry: Telemetry,
}

impl Harness {
    pub async fn start() -> Self {
        let server = MockServer::builder()
            .protocol(mock_collector::Protocol::HttpBinary)
            .start()
            .await
            .unwrap();
        let otel = OpenTelemetry::builder("genai-e2e")
            .with_env_source(|_| None)
            .with_protocol(Protocol::HttpProtobuf)
            .with_endpoint(format!("http://{}", server.addr()))
            .build()
            .unwrap();
        let telemetry = otel.telemetry();
        Self {
            server,
            otel,
            telemetry,
        }
    }

    pub fn genai(&self, config: GenAiConfig) -> GenAi {
        GenAi::new(&self.telemetry, config)
    }

    /// Shuts the pipeline down (exporting everything) and returns what arrived.
    pub async fn finish(self, min_spans: usize, min_logs: usize) -> Received {
        self.otel.shutdown(WAIT).await.unwrap();
        self.server.wait_for_spans(min_spans, WAIT).await.unwrap();
        if min_logs > 0 {
            self.server.wait_for_logs(min_logs, WAIT).await.unwrap();
        }
        let r = self.server.with_collector(received).await;
        assert!(
            self.otel.export_failures().is_empty(),
            "{:?}",
            self.otel.export_failures()
        );
        self.server.shutdown().await.unwrap();
        r
    }
}
