//! Adapters between `http::HeaderMap` and the core's W3C Trace Context carriers.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use telemetry_core::propagation::{Extractor, Injector};

/// Reads trace headers from an incoming request.
///
/// `HeaderMap` lookups are case-insensitive already. Values that are not visible ASCII are
/// treated as absent, so a garbled `traceparent` starts a new trace instead of failing.
#[derive(Clone, Copy, Debug)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    /// Every field line of `key`, in order (RFC 9110 §5.3): `tracestate` and `baggage` split
    /// over several lines are combined, and two `traceparent` lines are seen as two. A value
    /// that is not visible ASCII counts as `"\u{FFFD}"`, which no rule accepts.
    fn get_all(&self, key: &str) -> Vec<&str> {
        self.0
            .get_all(key)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{FFFD}"))
            .collect()
    }
}

/// Writes trace headers into an outgoing request.
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        // Propagators produce valid header names and values; anything else is skipped
        // rather than failing the request it rides on.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::propagation::RemoteParent;

    #[test]
    fn round_trips_a_traceparent() {
        let mut headers = HeaderMap::new();
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HeaderInjector(&mut headers).set("traceparent", tp.into());
        HeaderInjector(&mut headers).set("bad name", "x".into());
        let parent = RemoteParent::extract(&HeaderExtractor(&headers)).unwrap();
        assert_eq!(
            parent.trace_id.to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(headers.len(), 1);
    }

    #[test]
    fn every_field_line_is_seen() {
        let mut headers = HeaderMap::new();
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        headers.append("traceparent", HeaderValue::from_static(tp));
        headers.append("tracestate", HeaderValue::from_static("a=1"));
        headers.append("tracestate", HeaderValue::from_static("b=2"));
        let parent = RemoteParent::extract(&HeaderExtractor(&headers)).unwrap();
        assert_eq!(parent.trace_state.unwrap().as_str(), "a=1,b=2");
        // W3C Trace Context Level 2 §3.3: a non-ASCII member invalidates the list.
        headers.append("tracestate", HeaderValue::from_bytes(b"c=\xff").unwrap());
        let parent = RemoteParent::extract(&HeaderExtractor(&headers)).unwrap();
        assert_eq!(parent.trace_state, None);
        // Two traceparent lines: invalid, a new trace.
        headers.append("traceparent", HeaderValue::from_static(tp));
        assert_eq!(RemoteParent::extract(&HeaderExtractor(&headers)), None);
    }
}
