//! `params._meta` as a propagation carrier: the MCP conventions carry `traceparent`,
//! `tracestate` and `baggage` there (semantic-conventions v1.41.0, `docs/gen-ai/mcp.md`,
//! *Context propagation*), as the MCP proposal SEP-414 reserves those keys.

use rmcp::model::JsonObject;
use serde_json::Value;
use telemetry_core::propagation::{Extractor, Injector};

/// Reads trace context from a request's or notification's `_meta` object. A key is matched
/// exactly first, then ASCII case-insensitively (as header carriers match); a value that is
/// not a JSON string counts as absent.
#[derive(Clone, Copy, Debug)]
pub struct MetaExtractor<'a>(pub &'a JsonObject);

impl Extractor for MetaExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .or_else(|| {
                self.0
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
            .and_then(Value::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

/// Writes trace context into a request's or notification's `_meta` object, as JSON strings
/// under the lower-case keys `traceparent`, `tracestate`, `baggage`.
#[derive(Debug)]
pub struct MetaInjector<'a>(pub &'a mut JsonObject);

impl Injector for MetaInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0
            .insert(key.to_ascii_lowercase(), Value::String(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::propagation::RemoteParent;

    #[test]
    fn a_meta_object_round_trips_trace_context() {
        let mut meta = JsonObject::new();
        meta.insert("progressToken".into(), Value::from(1));
        MetaInjector(&mut meta).set(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        );
        MetaInjector(&mut meta).set("Baggage", "tenant=acme".into());
        assert_eq!(meta["baggage"], "tenant=acme");
        let parent = RemoteParent::extract(&MetaExtractor(&meta)).expect("a valid parent");
        assert_eq!(
            parent.trace_id.to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(parent.baggage.get("tenant"), Some("acme"));
    }

    #[test]
    fn non_string_or_invalid_values_start_no_trace() {
        let mut meta = JsonObject::new();
        meta.insert("traceparent".into(), Value::from(42));
        assert!(RemoteParent::extract(&MetaExtractor(&meta)).is_none());
        meta.insert("traceparent".into(), Value::from("00-zz-yy-01"));
        assert!(RemoteParent::extract(&MetaExtractor(&meta)).is_none());
    }
}
