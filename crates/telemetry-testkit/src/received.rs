//! What a test OTLP receiver got, in plain shapes that compare with `==` and print readably.
//!
//! Ids are lowercase hex (32 digits for a trace id, 16 for a span id), enum values are their
//! OTLP proto names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`), and every attribute value is a
//! string (see [`mock::value`](crate::mock::value) for how each OTLP value type is written).

use std::collections::BTreeMap;

/// Everything received, in arrival order.
#[derive(Clone, Debug, Default)]
pub struct Received {
    /// Every span.
    pub spans: Vec<RSpan>,
    /// Every log record.
    pub logs: Vec<RLog>,
    /// Every metric data point (one entry per point, so one metric can give several).
    pub metrics: Vec<RPoint>,
}

impl Received {
    /// The one span named `name`.
    ///
    /// # Panics
    /// When there is no such span or more than one, listing every span received.
    pub fn span_named(&self, name: &str) -> &RSpan {
        let v: Vec<&RSpan> = self.spans.iter().filter(|s| s.name == name).collect();
        assert_eq!(v.len(), 1, "exactly one span {name:?}: {:#?}", self.spans);
        v[0]
    }

    /// The spans of the trace `trace_id` (hex), in arrival order.
    pub fn spans_in(&self, trace_id: &str) -> Vec<&RSpan> {
        self.spans
            .iter()
            .filter(|s| s.trace_id == trace_id)
            .collect()
    }

    /// The log records emitted inside `span` (same trace id and span id), in arrival order.
    pub fn logs_of(&self, span: &RSpan) -> Vec<&RLog> {
        self.logs
            .iter()
            .filter(|l| l.trace_id == span.trace_id && l.span_id == span.span_id)
            .collect()
    }

    /// The data points of the metric named `metric`, in arrival order.
    pub fn points_of(&self, metric: &str) -> Vec<&RPoint> {
        self.metrics.iter().filter(|p| p.metric == metric).collect()
    }
}

/// One received span.
#[derive(Clone, Debug, PartialEq)]
pub struct RSpan {
    /// Hex trace id.
    pub trace_id: String,
    /// Hex span id.
    pub span_id: String,
    /// Hex id of the parent span; empty for a span sent without one (a root).
    pub parent_span_id: String,
    /// The span name.
    pub name: String,
    /// The kind's OTLP name, e.g. `SPAN_KIND_INTERNAL`.
    pub kind: String,
    /// Attribute values by key.
    pub attributes: BTreeMap<String, String>,
    /// Span events, in order.
    pub events: Vec<REvent>,
    /// Links to other spans, in order.
    pub links: Vec<RLink>,
    /// The status code's OTLP name: `STATUS_CODE_UNSET` (also when no status was sent, as
    /// OTLP defines), `STATUS_CODE_OK` or `STATUS_CODE_ERROR`.
    pub status_code: String,
    /// The status description; empty when none was sent.
    pub status_message: String,
}

impl RSpan {
    /// The attribute `key`, if present.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }

    /// The parent span id, `None` when the span was sent without one.
    pub fn parent(&self) -> Option<&str> {
        (!self.parent_span_id.is_empty()).then_some(self.parent_span_id.as_str())
    }
}

/// One span link.
#[derive(Clone, Debug, PartialEq)]
pub struct RLink {
    /// Hex trace id of the linked span.
    pub trace_id: String,
    /// Hex id of the linked span.
    pub span_id: String,
    /// The link's attribute values by key.
    pub attributes: BTreeMap<String, String>,
}

/// One span event.
#[derive(Clone, Debug, PartialEq)]
pub struct REvent {
    /// The event name.
    pub name: String,
    /// Attribute values by key.
    pub attributes: BTreeMap<String, String>,
}

/// One received log record.
#[derive(Clone, Debug, PartialEq)]
pub struct RLog {
    /// Hex trace id; empty when the record was emitted outside any span.
    pub trace_id: String,
    /// Hex span id; empty when the record was emitted outside any span.
    pub span_id: String,
    /// OTLP severity number (1–24; 9 is INFO, 13 WARN, 17 ERROR), 0 when unspecified.
    pub severity_number: i32,
    /// The severity text as sent, e.g. `INFO`.
    pub severity_text: String,
    /// The body as a string; empty when the record has no body.
    pub body: String,
    /// The record's `EventName` (OTel Logs data model); empty when it has none, and always
    /// empty from `fake`, which does not read it.
    pub event_name: String,
    /// Attribute values by key.
    pub attributes: BTreeMap<String, String>,
}

impl RLog {
    /// The attribute `key`, if present.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// The OTLP data type a metric point came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// A sum (counter, up-down counter).
    Sum,
    /// A gauge.
    Gauge,
    /// A histogram with explicit buckets.
    Histogram,
    /// An exponential histogram (no explicit bounds).
    ExponentialHistogram,
    /// A summary.
    Summary,
}

/// One metric data point.
#[derive(Clone, Debug, PartialEq)]
pub struct RPoint {
    /// The metric (instrument) name.
    pub metric: String,
    /// The metric's unit as sent, e.g. `s` or `{token}`.
    pub unit: String,
    /// The data type the point came in.
    pub kind: MetricKind,
    /// The point's attribute values by key.
    pub attributes: BTreeMap<String, String>,
    /// Histogram: the explicit bucket boundaries. Empty for every other kind.
    pub bounds: Vec<f64>,
    /// Histograms and summary: how many values were recorded. A sum or gauge point counts as
    /// one value, so `count` is 1.
    pub count: u64,
    /// Histograms and summary: the sum of the recorded values. A sum or gauge point: its
    /// value. NaN when the point carries none.
    pub sum: f64,
}
