//! Conversions from core attributes to OpenTelemetry key/values. Static keys and static string
//! values stay borrowed (no allocation), as in the core.

use opentelemetry::logs::AnyValue;
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use telemetry_core::{Attribute, AttributeValue};

pub(crate) fn value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::String(s) => Value::String(StringValue::from(s.clone())),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::I64(i) => Value::I64(*i),
        AttributeValue::F64(f) => Value::F64(*f),
        AttributeValue::StringArray(a) => Value::Array(Array::String(
            a.iter().map(|s| StringValue::from(s.clone())).collect(),
        )),
        AttributeValue::BoolArray(a) => Value::Array(Array::Bool(a.clone())),
        AttributeValue::I64Array(a) => Value::Array(Array::I64(a.clone())),
        AttributeValue::F64Array(a) => Value::Array(Array::F64(a.clone())),
    }
}

pub(crate) fn key_value(a: &Attribute) -> KeyValue {
    KeyValue::new(Key::from(a.key.clone()), value(&a.value))
}

pub(crate) fn key_values(attributes: &[Attribute]) -> Vec<KeyValue> {
    attributes.iter().map(key_value).collect()
}

pub(crate) fn any_value(v: &AttributeValue) -> AnyValue {
    match v {
        AttributeValue::String(s) => AnyValue::String(StringValue::from(s.clone())),
        AttributeValue::Bool(b) => AnyValue::Boolean(*b),
        AttributeValue::I64(i) => AnyValue::Int(*i),
        AttributeValue::F64(f) => AnyValue::Double(*f),
        AttributeValue::StringArray(a) => AnyValue::ListAny(Box::new(
            a.iter()
                .map(|s| AnyValue::String(StringValue::from(s.clone())))
                .collect(),
        )),
        AttributeValue::BoolArray(a) => {
            AnyValue::ListAny(Box::new(a.iter().map(|b| AnyValue::Boolean(*b)).collect()))
        }
        AttributeValue::I64Array(a) => {
            AnyValue::ListAny(Box::new(a.iter().map(|i| AnyValue::Int(*i)).collect()))
        }
        AttributeValue::F64Array(a) => {
            AnyValue::ListAny(Box::new(a.iter().map(|f| AnyValue::Double(*f)).collect()))
        }
    }
}
