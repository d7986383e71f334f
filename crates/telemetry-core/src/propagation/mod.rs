//! W3C Trace Context and Baggage propagation, independent of any HTTP crate.
//!
//! Source: W3C Trace Context Level 2 (<https://www.w3.org/TR/trace-context-2/>): §3.2
//! `traceparent`, §3.3 `tracestate`, §4 Processing Model; and W3C Baggage. The OpenTelemetry
//! implementation overrides [`ContextualCorrelator::extract`] and
//! [`ContextualCorrelator::inject`] to honour `OTEL_PROPAGATORS`; this module is what the
//! Basic implementation (and any other) gets by default.
//!
//! ```
//! use telemetry_core::propagation::RemoteParent;
//! let headers = vec![
//!     ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
//!     ("tracestate", "rojo=00f067aa0ba902b7"),
//!     ("tracestate", "congo=t61rcWkgMzE"), // a second field line: combined
//! ];
//! let parent = RemoteParent::extract(&headers).unwrap();
//! assert_eq!(parent.trace_state.unwrap().as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
//! ```
//!
//! [`ContextualCorrelator::extract`]: crate::ContextualCorrelator::extract
//! [`ContextualCorrelator::inject`]: crate::ContextualCorrelator::inject

mod baggage;
mod carrier;
mod traceparent;
mod tracestate;

pub use baggage::{
    Baggage, BaggageEntry, BaggageProperty, InvalidBaggage, MAX_BYTES as MAX_BAGGAGE_BYTES,
    MAX_ENTRIES as MAX_BAGGAGE_ENTRIES,
};
pub use carrier::{BAGGAGE, Extractor, Injector, TRACEPARENT, TRACESTATE};
pub use traceparent::{
    FLAG_RANDOM_TRACE_ID, FLAG_SAMPLED, InvalidTraceparent, format_traceparent,
    format_traceparent_with_flags,
};
pub use tracestate::{InvalidTraceState, MAX_KEY_LEN, MAX_MEMBERS, MAX_VALUE_LEN, TraceState};

use crate::ids::{CorrelationId, SpanId};

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
    /// The `sampled` trace flag (bit 0 of `trace-flags`, §3.2.2.5).
    pub sampled: bool,
    /// The `random-trace-id` flag (bit 1, Level 2 §3.2.2.5): kept on every outgoing
    /// `traceparent` with this trace id, as the specification requires.
    pub random_trace_id: bool,
    /// The caller's `tracestate`, validated and combined from every field line (§3.3); `None`
    /// when absent, empty or invalid.
    pub trace_state: Option<TraceState>,
    /// The caller's baggage, from every `baggage` field line (W3C Baggage); empty when none.
    /// Scopes of this trace inherit it ([`Context::baggage`](crate::Context::baggage)).
    pub baggage: Baggage,
}

impl RemoteParent {
    /// A remote parent with these ids, sampled, and nothing else.
    pub fn new(trace_id: CorrelationId, span_id: SpanId) -> Self {
        Self {
            trace_id,
            span_id,
            sampled: true,
            random_trace_id: false,
            trace_state: None,
            baggage: Baggage::new(),
        }
    }

    /// Parses a `traceparent` value (§3.2.2 and §3.2.4 "Versioning of traceparent").
    ///
    /// Version `00` has exactly four fields. A higher version is read by the version-`00`
    /// layout: at least 55 characters, and the flags end the value or are followed by `-`;
    /// the fields after them are ignored and the flags it does not define are dropped.
    /// Version `ff`, upper-case hex and all-zero ids are invalid. Spaces and tabs around the
    /// value are ignored.
    ///
    /// # Errors
    /// [`InvalidTraceparent`] with the input and the rule it breaks.
    pub fn parse_traceparent(value: &str) -> Result<Self, InvalidTraceparent> {
        let t = traceparent::parse(value)?;
        Ok(Self {
            sampled: t.flags & FLAG_SAMPLED != 0,
            random_trace_id: t.flags & FLAG_RANDOM_TRACE_ID != 0,
            ..Self::new(t.trace_id, t.parent_id)
        })
    }

    /// Reads `traceparent`, `tracestate` and `baggage` from a carrier, every field line of
    /// each ([`Extractor::get_all`]).
    ///
    /// Returns `None`, so the receiver starts a new trace instead of failing the request,
    /// when there is no `traceparent`, when it is invalid, or when there are several
    /// (`traceparent` is a single value, not a list: RFC 9110 §5.3 allows repeated field
    /// lines only for list-valued fields, and the W3C test suite's `test_traceparent_duplicated`
    /// expects a new trace). Without a valid `traceparent` the `tracestate` is not read (§3.3:
    /// "If the vendor failed to parse traceparent, it MUST NOT attempt to parse tracestate").
    /// An invalid `tracestate` is dropped whole and does not affect the `traceparent` (§3.3:
    /// "failure to parse tracestate MUST NOT affect the parsing of traceparent").
    pub fn extract(carrier: &dyn Extractor) -> Option<Self> {
        let values = carrier.get_all(TRACEPARENT);
        let [value] = values.as_slice() else {
            return None;
        };
        let mut parent = Self::parse_traceparent(value).ok()?;
        parent.trace_state = TraceState::from_headers(carrier.get_all(TRACESTATE))
            .ok()
            .filter(|s| !s.is_empty());
        parent.baggage = Baggage::extract(carrier);
        Some(parent)
    }

    /// The `trace-flags` to send with this trace id: `sampled` as given, and
    /// `random-trace-id` as received (Level 2 §3.2.2.5: "If the flag is set in the incoming
    /// traceparent header, it MUST also be set in all outgoing traceparent headers which use
    /// the same trace-id").
    pub fn outgoing_flags(&self, sampled: bool) -> u8 {
        u8::from(sampled)
            | if self.random_trace_id {
                FLAG_RANDOM_TRACE_ID
            } else {
                0
            }
    }
}
