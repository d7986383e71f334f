//! Property test of attribute conversion: any list of core attributes (every value type,
//! repeated keys, any text) reaches the exported span as the SDK values of the same type and
//! content, each key once with its last value in its first place.

use std::sync::{Arc, Mutex};

use opentelemetry::{Array, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData, SpanExporter};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use telemetry_core::{Attribute, AttributeValue, CorrelatorExt};
use telemetry_testkit::env_source;

#[derive(Clone, Debug, Default)]
struct Capture(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Capture {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.0.lock().unwrap().extend(batch);
        std::future::ready(Ok(()))
    }
}

fn attribute_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        any::<String>().prop_map(AttributeValue::from),
        any::<bool>().prop_map(AttributeValue::from),
        any::<i64>().prop_map(AttributeValue::from),
        // NaN never equals itself; every other float must arrive bit for bit.
        any::<f64>()
            .prop_filter("not NaN", |f| !f.is_nan())
            .prop_map(AttributeValue::from),
        prop::collection::vec(any::<String>(), 0..4).prop_map(AttributeValue::from),
        prop::collection::vec(any::<bool>(), 0..4).prop_map(AttributeValue::from),
        prop::collection::vec(any::<i64>(), 0..4).prop_map(AttributeValue::from),
        prop::collection::vec(-1e300f64..1e300, 0..4).prop_map(AttributeValue::from),
    ]
}

/// What the SDK value must be for a core value.
fn expected(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::String(s) => Value::String(s.to_string().into()),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::I64(i) => Value::I64(*i),
        AttributeValue::F64(f) => Value::F64(*f),
        AttributeValue::StringArray(a) => Value::Array(Array::String(
            a.iter().map(|s| s.to_string().into()).collect(),
        )),
        AttributeValue::BoolArray(a) => Value::Array(Array::Bool(a.clone())),
        AttributeValue::I64Array(a) => Value::Array(Array::I64(a.clone())),
        AttributeValue::F64Array(a) => Value::Array(Array::F64(a.clone())),
        #[allow(unreachable_patterns)]
        _ => unreachable!("a value type this test does not generate"),
    }
}

#[test]
fn any_attributes_arrive_with_their_type_and_content() {
    let capture = Capture::default();
    let otel = telemetry_otel::OpenTelemetry::builder("props")
        .with_env_source(env_source(&[
            ("OTEL_TRACES_EXPORTER", "none"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "1000"),
        ]))
        .with_span_processor(SimpleSpanProcessor::new(capture.clone()))
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    let attributes = prop::collection::vec(
        (
            prop::sample::select(vec!["p.a", "p.b", "p.c", "p.d", "p.e", "p.f"]),
            attribute_value(),
        ),
        0..10,
    );
    runner
        .run(&attributes, |list| {
            let attrs: Vec<Attribute> = list
                .iter()
                .map(|(k, v)| Attribute::new(*k, v.clone()))
                .collect();
            drop(otel.enter_scope("props", &attrs));
            let span = capture
                .0
                .lock()
                .unwrap()
                .pop()
                .expect("the span was exported");
            // Each key once, in its first place, with its last value.
            let mut want: Vec<(&str, Value)> = Vec::new();
            for (k, v) in &list {
                match want.iter_mut().find(|(wk, _)| wk == k) {
                    Some(slot) => slot.1 = expected(v),
                    None => want.push((k, expected(v))),
                }
            }
            let got: Vec<(&str, Value)> = span
                .attributes
                .iter()
                .filter(|kv| kv.key.as_str().starts_with("p."))
                .map(|kv| (kv.key.as_str(), kv.value.clone()))
                .collect();
            prop_assert_eq!(got, want);
            Ok(())
        })
        .unwrap();
}
