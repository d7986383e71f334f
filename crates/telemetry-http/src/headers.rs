//! `http::HeaderMap` as a W3C Trace Context carrier, and the opt-in capture of listed headers
//! as `http.request.header.<name>` / `http.response.header.<name>` attributes.

use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use telemetry_core::propagation::{Extractor, Injector};
use telemetry_core::{Attribute, AttributeValue};

/// Reads trace headers (`traceparent`, `tracestate`, `baggage`) from a request's headers.
///
/// Lookups are case-insensitive. A value that is not visible ASCII counts as absent for
/// [`get`](Extractor::get) and as `"\u{FFFD}"` (which no rule accepts) for
/// [`get_all`](Extractor::get_all), so a garbled header starts a new trace instead of failing
/// the request.
#[derive(Clone, Copy, Debug)]
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }

    /// Every field line of `key`, in order (RFC 9110 §5.3): a `tracestate` or `baggage` split
    /// over several lines is combined, and two `traceparent` lines are seen as two.
    fn get_all(&self, key: &str) -> Vec<&str> {
        self.0
            .get_all(key)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{FFFD}"))
            .collect()
    }
}

/// Writes trace headers into an outgoing request's headers. A name or value that is not a
/// valid header is skipped rather than failing the request it rides on.
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Headers that are never captured, whatever the allow-list says: they carry credentials.
pub const NEVER_CAPTURED: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// An allow-list of headers to record as attributes (opt-in: empty by default).
///
/// Each listed header present on the message becomes `<prefix><name>` with the lower-case
/// name and a string-array value, one item per field line (semantic-conventions v1.41.0,
/// `http.request.header.<key>`). Values that are not visible ASCII are recorded lossily.
/// The names in [`NEVER_CAPTURED`] are refused when the list is built.
#[derive(Clone, Debug, Default)]
pub struct HeaderCapture(Arc<[(HeaderName, String)]>);

impl HeaderCapture {
    /// Captures `names` (any case) under `prefix` (`http.request.header.` or
    /// `http.response.header.`). Names that are not valid header names, and the credential
    /// headers of [`NEVER_CAPTURED`], are left out.
    pub fn new<I, S>(prefix: &str, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self(
            names
                .into_iter()
                .filter_map(|n| HeaderName::from_bytes(n.as_ref().trim().as_bytes()).ok())
                .filter(|n| !NEVER_CAPTURED.contains(&n.as_str()))
                .map(|n| {
                    let key = format!("{prefix}{}", n.as_str());
                    (n, key)
                })
                .collect(),
        )
    }

    /// Whether nothing is captured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends an attribute for each listed header present in `headers`.
    pub fn record(&self, headers: &HeaderMap, into: &mut impl Extend<Attribute>) {
        for (name, key) in self.0.iter() {
            let values: Vec<_> = headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned().into())
                .collect();
            if !values.is_empty() {
                into.extend([Attribute::new(
                    key.clone(),
                    AttributeValue::StringArray(values),
                )]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::propagation::RemoteParent;

    #[test]
    fn a_traceparent_round_trips_and_invalid_names_are_skipped() {
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

    #[test]
    fn listed_headers_are_captured_as_arrays_and_credentials_never() {
        let capture = HeaderCapture::new(
            "http.request.header.",
            [
                "Content-Type",
                "X-Forwarded-For",
                "Authorization",
                "cookie",
                "bad name",
            ],
        );
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.append("x-forwarded-for", HeaderValue::from_static("1.2.3.4"));
        headers.append("x-forwarded-for", HeaderValue::from_static("5.6.7.8"));
        headers.insert("authorization", HeaderValue::from_static("Bearer secret"));
        headers.insert("cookie", HeaderValue::from_static("session=secret"));
        let mut got = Vec::new();
        capture.record(&headers, &mut got);
        let got: Vec<_> = got
            .iter()
            .map(|a| (a.key.to_string(), format!("{:?}", a.value)))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].0, "http.request.header.content-type");
        assert!(got[0].1.contains("application/json"));
        assert_eq!(got[1].0, "http.request.header.x-forwarded-for");
        assert!(got[1].1.contains("1.2.3.4") && got[1].1.contains("5.6.7.8"));
        assert!(!got.iter().any(|(_, v)| v.contains("secret")));
    }
}
