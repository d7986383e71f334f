//! Conversions between core attributes and span kinds and OpenTelemetry's. Towards the SDK,
//! static keys and static string values stay borrowed (no allocation), as in the core. A list that repeats a key is read under
//! the core's set rules ([`AttributeSet`]: the last value wins, in the key's first place), so
//! what the SDK gets never depends on its own handling of duplicates.

use opentelemetry::logs::AnyValue;
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use telemetry_core::{
    Attribute, AttributeSet, AttributeValue, SpanKind, StringValue as CoreString,
};

/// The SDK's string in the same form: static stays borrowed and shared stays shared (a
/// reference-count increment); only owned text is copied.
#[inline]
pub(crate) fn string(s: &CoreString) -> StringValue {
    match s {
        CoreString::Static(s) => StringValue::from(*s),
        CoreString::Shared(s) => StringValue::from(s.clone()),
        CoreString::Owned(s) => StringValue::from(s.clone()),
    }
}

/// A span or metric attribute value. Structured values ([`AttributeValue::Array`],
/// [`AttributeValue::Map`]) become their JSON text: the SDK's `Value` has no map or
/// heterogeneous array, and a JSON string is the fallback the semantic conventions name for
/// structured attributes on spans (semantic-conventions v1.41.0,
/// `docs/general/attributes.md`, and the GenAI content attributes).
pub(crate) fn value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::String(s) => Value::String(string(s)),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::I64(i) => Value::I64(*i),
        AttributeValue::F64(f) => Value::F64(*f),
        AttributeValue::StringArray(a) => {
            Value::Array(Array::String(a.iter().map(string).collect()))
        }
        AttributeValue::BoolArray(a) => Value::Array(Array::Bool(a.clone())),
        AttributeValue::I64Array(a) => Value::Array(Array::I64(a.clone())),
        AttributeValue::F64Array(a) => Value::Array(Array::F64(a.clone())),
        AttributeValue::Array(_) | AttributeValue::Map(_) => Value::String(v.to_json().into()),
    }
}

/// The SDK's span kind for a core one.
pub(crate) fn otel_span_kind(kind: SpanKind) -> opentelemetry::trace::SpanKind {
    use opentelemetry::trace::SpanKind as K;
    match kind {
        SpanKind::Internal => K::Internal,
        SpanKind::Server => K::Server,
        SpanKind::Client => K::Client,
        SpanKind::Producer => K::Producer,
        SpanKind::Consumer => K::Consumer,
    }
}

/// The core span kind for an SDK one (the inverse of [`otel_span_kind`]).
pub(crate) fn core_span_kind(kind: &opentelemetry::trace::SpanKind) -> SpanKind {
    use opentelemetry::trace::SpanKind as K;
    match kind {
        K::Internal => SpanKind::Internal,
        K::Server => SpanKind::Server,
        K::Client => SpanKind::Client,
        K::Producer => SpanKind::Producer,
        K::Consumer => SpanKind::Consumer,
    }
}

/// SDK key/values as core attributes (spans read back from the SDK, as the console exporter
/// does). Scalars and homogeneous arrays keep their type; anything else becomes its text.
pub(crate) fn core_attributes(kvs: Vec<KeyValue>) -> Vec<Attribute> {
    kvs.into_iter()
        .map(|kv| Attribute::new(kv.key.as_str().to_owned(), core_value(kv.value)))
        .collect()
}

fn core_value(v: Value) -> AttributeValue {
    match v {
        Value::Bool(b) => AttributeValue::Bool(b),
        Value::I64(i) => AttributeValue::I64(i),
        Value::F64(f) => AttributeValue::F64(f),
        Value::String(s) => AttributeValue::from(s.as_str().to_owned()),
        Value::Array(Array::Bool(v)) => AttributeValue::BoolArray(v),
        Value::Array(Array::I64(v)) => AttributeValue::I64Array(v),
        Value::Array(Array::F64(v)) => AttributeValue::F64Array(v),
        Value::Array(Array::String(v)) => AttributeValue::StringArray(
            v.into_iter()
                .map(|s| s.as_str().to_owned().into())
                .collect(),
        ),
        other => AttributeValue::from(other.to_string()),
    }
}

pub(crate) fn key_value(a: &Attribute) -> KeyValue {
    KeyValue::new(Key::from(a.key.clone()), value(&a.value))
}

/// Appends the attributes of a call, each key once (see the module docs). A list without
/// repeats (nearly every call) is converted as it is, without the set reading's lookups.
#[inline]
pub(crate) fn extend_key_values(out: &mut Vec<KeyValue>, attributes: &[Attribute]) {
    if repeats_a_key(attributes) {
        out.extend(AttributeSet::effective(attributes).map(key_value));
    } else {
        out.extend(attributes.iter().map(key_value));
    }
}

/// Whether a call's list repeats a key (rare: the caller then pays for reading it as a set).
#[inline]
pub(crate) fn repeats_a_key(attributes: &[Attribute]) -> bool {
    AttributeSet::repeats_a_key(attributes)
}

/// A log record attribute value: every form, structured ones as OTLP `AnyValue` arrays and
/// kvlists (OpenTelemetry specification, *Logs Data Model › Type `any`*).
pub(crate) fn any_value(v: &AttributeValue) -> AnyValue {
    match v {
        AttributeValue::String(s) => AnyValue::String(string(s)),
        AttributeValue::Bool(b) => AnyValue::Boolean(*b),
        AttributeValue::I64(i) => AnyValue::Int(*i),
        AttributeValue::F64(f) => AnyValue::Double(*f),
        AttributeValue::StringArray(a) => AnyValue::ListAny(Box::new(
            a.iter().map(|s| AnyValue::String(string(s))).collect(),
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
        AttributeValue::Array(a) => AnyValue::ListAny(Box::new(a.iter().map(any_value).collect())),
        AttributeValue::Map(m) => {
            // The SDK's map is keyed, so a repeated key keeps its last value, as the core's
            // set rules say.
            AnyValue::Map(Box::new(
                m.iter()
                    .map(|a| (Key::from(a.key.clone()), any_value(&a.value)))
                    .collect(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn static_and_shared_strings_reach_the_sdk_without_a_copy() {
        let shared: Arc<str> = Arc::from("gpt-4o");
        let literal = "openai";
        let owned = String::from("chat gpt-4o");
        let text = |v: &AttributeValue| match value(v) {
            Value::String(s) => s.as_str().as_ptr(),
            other => panic!("expected a string, got {other:?}"),
        };
        assert_eq!(text(&AttributeValue::from(shared.clone())), shared.as_ptr());
        assert_eq!(text(&AttributeValue::from(literal)), literal.as_ptr());
        // Owned text is copied: the scope keeps its own.
        let owned_value = AttributeValue::from(owned.clone());
        let kept = owned_value.as_str().map(str::as_ptr);
        assert_ne!(Some(text(&owned_value)), kept);
        assert_eq!(value(&owned_value), Value::from(owned));
    }

    #[test]
    fn structured_values_are_any_value_maps_and_lists_and_json_on_spans() {
        let v = AttributeValue::Array(vec![AttributeValue::Map(vec![
            Attribute::new("type", "text"),
            Attribute::new("n", 2),
        ])]);
        let AnyValue::ListAny(list) = any_value(&v) else {
            panic!("expected a list")
        };
        let [AnyValue::Map(map)] = list.as_slice() else {
            panic!("expected one map, got {list:?}")
        };
        assert_eq!(map.get(&Key::from("type")), Some(&AnyValue::from("text")));
        assert_eq!(map.get(&Key::from("n")), Some(&AnyValue::Int(2)));
        assert_eq!(value(&v), Value::from(r#"[{"type":"text","n":2}]"#));
    }
}
