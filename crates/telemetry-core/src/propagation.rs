//! W3C Trace Context and Baggage carriers, independent of any HTTP crate.
//!
//! Source: W3C Trace Context (Level 1) §3.2 `traceparent` / §3.3 `tracestate`, and W3C Baggage.
//! The OpenTelemetry implementation overrides [`ContextualCorrelator::extract`] and
//! [`ContextualCorrelator::inject`] to honour `OTEL_PROPAGATORS`; this module is what the Basic
//! implementation (and any other) gets by default.
//!
//! [`ContextualCorrelator::extract`]: crate::ContextualCorrelator::extract
//! [`ContextualCorrelator::inject`]: crate::ContextualCorrelator::inject

use std::collections::HashMap;
use std::fmt;

use crate::{CorrelationId, SpanId};

/// The `traceparent` header name.
pub const TRACEPARENT: &str = "traceparent";
/// The `tracestate` header name.
pub const TRACESTATE: &str = "tracestate";
/// The `baggage` header name.
pub const BAGGAGE: &str = "baggage";

/// The caller's side of a trace, taken from incoming headers.
///
/// A root scope opened with it continues the caller's trace: its correlation id is
/// `trace_id` and its parent span is `span_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteParent {
    /// The caller's trace id, which becomes the correlation id.
    pub trace_id: CorrelationId,
    /// The caller's span id, which becomes the parent span id.
    pub span_id: SpanId,
    /// The `sampled` trace flag (bit 0 of `trace-flags`).
    pub sampled: bool,
    /// The raw `tracestate` header, passed on unchanged.
    pub trace_state: Option<String>,
    /// The raw `baggage` header, passed on unchanged.
    pub baggage: Option<String>,
}

/// Why a `traceparent` value was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidTraceparent {
    input: String,
}

impl fmt::Display for InvalidTraceparent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid traceparent {:?}: expected \"{{version:2 hex}}-{{trace-id:32 hex}}-\
             {{parent-id:16 hex}}-{{flags:2 hex}}\" with non-zero ids and version other than ff",
            self.input
        )
    }
}

impl std::error::Error for InvalidTraceparent {}

impl RemoteParent {
    /// Parses a `traceparent` value (W3C Trace Context §3.2.2).
    ///
    /// Version `00` must have exactly four fields; a higher version may carry more, which are
    /// ignored, as the spec requires of a version-00 parser.
    ///
    /// # Errors
    /// [`InvalidTraceparent`] with the input when a field is malformed or an id is all zeros.
    pub fn parse_traceparent(value: &str) -> Result<Self, InvalidTraceparent> {
        let err = || InvalidTraceparent {
            input: value.to_owned(),
        };
        let v = value.trim();
        let mut parts = v.split('-');
        let (Some(version), Some(trace), Some(span), Some(flags)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        let lower_hex = |s: &str, n: usize| {
            s.len() == n && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        };
        if !lower_hex(version, 2) || version == "ff" || !lower_hex(flags, 2) {
            return Err(err());
        }
        if version == "00" && parts.next().is_some() {
            return Err(err());
        }
        if !lower_hex(trace, 32) || !lower_hex(span, 16) {
            return Err(err());
        }
        let trace_id = CorrelationId::parse(trace).map_err(|_| err())?;
        let span_id = SpanId::parse(span).map_err(|_| err())?;
        let flags = u8::from_str_radix(flags, 16).map_err(|_| err())?;
        Ok(Self {
            trace_id,
            span_id,
            sampled: flags & 1 == 1,
            trace_state: None,
            baggage: None,
        })
    }

    /// Reads `traceparent`, `tracestate` and `baggage` from a carrier.
    ///
    /// Returns `None` when there is no `traceparent`; an invalid one is also `None`, because
    /// the spec says a receiver must then start a new trace rather than fail the request.
    pub fn extract(carrier: &dyn Extractor) -> Option<Self> {
        let mut parent = Self::parse_traceparent(carrier.get(TRACEPARENT)?).ok()?;
        parent.trace_state = carrier
            .get(TRACESTATE)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        parent.baggage = carrier
            .get(BAGGAGE)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Some(parent)
    }
}

/// Formats a version-00 `traceparent`.
pub fn format_traceparent(trace_id: CorrelationId, span_id: SpanId, sampled: bool) -> String {
    format!("00-{trace_id}-{span_id}-{:02x}", u8::from(sampled))
}

/// Reads header values from a request (or any string map).
///
/// Header names are lowercase ASCII; implementations for case-sensitive maps must match
/// case-insensitively.
pub trait Extractor {
    /// The value for `key`, if present and valid UTF-8.
    fn get(&self, key: &str) -> Option<&str>;
    /// Every key present, for propagators that scan (for example baggage prefixes).
    fn keys(&self) -> Vec<&str>;
}

/// Writes header values into an outgoing request (or any string map).
pub trait Injector {
    /// Sets `key` to `value`, replacing any previous value.
    fn set(&mut self, key: &str, value: String);
}

impl<S: std::hash::BuildHasher> Extractor for HashMap<String, String, S> {
    fn get(&self, key: &str) -> Option<&str> {
        HashMap::get(self, key)
            .or_else(|| {
                self.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            })
            .map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        HashMap::keys(self).map(String::as_str).collect()
    }
}

impl<S: std::hash::BuildHasher> Injector for HashMap<String, String, S> {
    fn set(&mut self, key: &str, value: String) {
        self.insert(key.to_ascii_lowercase(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn parses_the_spec_example() {
        let p = RemoteParent::parse_traceparent(VALID).unwrap();
        assert_eq!(p.trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(p.span_id.to_string(), "00f067aa0ba902b7");
        assert!(p.sampled);
        assert_eq!(format_traceparent(p.trace_id, p.span_id, true), VALID);
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            let e = RemoteParent::parse_traceparent(bad).unwrap_err();
            assert!(e.to_string().contains("invalid traceparent"), "{bad}");
        }
        // A future version may append fields.
        assert!(RemoteParent::parse_traceparent(&format!("01{}-x", &VALID[2..])).is_ok());
    }

    #[test]
    fn extract_reads_all_three_headers() {
        let mut h: HashMap<String, String> = HashMap::new();
        h.insert("Traceparent".into(), VALID.into());
        h.insert("tracestate".into(), "vendor=1".into());
        h.insert("baggage".into(), "user=alice".into());
        let p = RemoteParent::extract(&h).unwrap();
        assert_eq!(p.trace_state.as_deref(), Some("vendor=1"));
        assert_eq!(p.baggage.as_deref(), Some("user=alice"));
        h.insert("Traceparent".into(), "garbage".into());
        assert!(RemoteParent::extract(&h).is_none());
    }
}
