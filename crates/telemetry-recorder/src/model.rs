//! What the recorder keeps: [`RecordedSpan`]s with their [`RecordedEvent`]s, grouped into a
//! [`RecordedTrace`], and the one-line [`TraceSummary`] of a trace.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use telemetry_core::{
    Attribute, AttributeValue, CorrelationId, LogLevel, ScopeEnd, SpanId, SpanKind,
};

/// A span's status, as the OpenTelemetry *Tracing API* ("Set Status") defines it: `Unset`
/// unless the scope was marked failed ([`Scope::record_error`](telemetry_core::Scope::record_error)).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum SpanStatus {
    /// Not marked failed.
    #[default]
    Unset,
    /// Marked failed: `error_type` is the low-cardinality `error.type` value.
    Error {
        /// The `error.type` value, for example `timeout`.
        error_type: String,
        /// The description.
        message: String,
    },
}

impl SpanStatus {
    /// Whether the span failed.
    pub fn is_error(&self) -> bool {
        matches!(self, Self::Error { .. })
    }
}

/// One log call made while a span was current: a span event.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEvent {
    /// Wall-clock time of the call.
    pub timestamp: SystemTime,
    /// The level.
    pub level: LogLevel,
    /// The message, or the event name of a [`Logger::log_event`](telemetry_core::Logger::log_event)
    /// call (its body is then the attribute `event.body`).
    pub message: String,
    /// The call's attributes.
    pub attributes: Vec<Attribute>,
}

/// The span attribute holding an operation's cost in USD (telemetry-genai's
/// `agent_telemetry.gen_ai.usage.cost`).
pub const COST_ATTRIBUTE: &str = "agent_telemetry.gen_ai.usage.cost";
/// The name of the evaluation event (semantic-conventions v1.41.0, `gen_ai.evaluation.result`).
pub const EVALUATION_EVENT: &str = "gen_ai.evaluation.result";

/// A finished scope: a span.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedSpan {
    /// The trace id (the scope's correlation id).
    pub trace_id: CorrelationId,
    /// The span id.
    pub span_id: SpanId,
    /// The parent span: a local parent's, or the remote caller's for a root continuing a
    /// remote trace; `None` for a fresh root.
    pub parent_span_id: Option<SpanId>,
    /// Whether the scope had no parent in this process: a fresh root, or a remote caller's
    /// child whose caller is not an open CLIENT or PRODUCER span of the same recorder (a call
    /// the process makes to itself stays one tree). Its end completes the local part of the
    /// trace.
    pub is_local_root: bool,
    /// The name (a `&'static str` name is kept without a copy).
    pub name: Cow<'static, str>,
    /// The span kind.
    pub kind: SpanKind,
    /// Wall-clock start.
    pub start: SystemTime,
    /// How long the scope was open (monotonic clock).
    pub duration: Duration,
    /// The attributes at the end, set-later ones included; later values of a key replace
    /// earlier ones.
    pub attributes: Vec<Attribute>,
    /// The log calls made while it was current, in call order.
    pub events: Vec<RecordedEvent>,
    /// Failed or not.
    pub status: SpanStatus,
    /// How it ended.
    pub ended: ScopeEnd,
}

impl RecordedSpan {
    /// The value of attribute `key`, if set.
    pub fn attribute(&self, key: &str) -> Option<&AttributeValue> {
        self.attributes
            .iter()
            .rev()
            .find(|a| &*a.key == key)
            .map(|a| &a.value)
    }

    /// Wall-clock end: `start + duration`.
    pub fn end(&self) -> SystemTime {
        self.start + self.duration
    }

    /// Tokens this span itself reports (`gen_ai.usage.input_tokens`, `…output_tokens`), not
    /// counting `invoke_agent` spans, whose usage is the total of their model calls.
    pub fn own_tokens(&self) -> (u64, u64) {
        if self
            .attribute("gen_ai.operation.name")
            .and_then(AttributeValue::as_str)
            .is_some_and(|op| op == "invoke_agent" || op == "create_agent")
        {
            return (0, 0);
        }
        let get = |k: &str| {
            self.attribute(k)
                .and_then(AttributeValue::as_i64)
                .map_or(0, |v| v.max(0) as u64)
        };
        (
            get("gen_ai.usage.input_tokens"),
            get("gen_ai.usage.output_tokens"),
        )
    }

    /// The cost in USD this span itself reports (`agent_telemetry.gen_ai.usage.cost`), not
    /// counting `invoke_agent` spans, whose cost is the sum of the operations below them.
    pub fn own_cost(&self) -> Option<f64> {
        if self
            .attribute("gen_ai.operation.name")
            .and_then(AttributeValue::as_str)
            .is_some_and(|op| op == "invoke_agent")
        {
            return None;
        }
        self.cost()
    }

    /// The `agent_telemetry.gen_ai.usage.cost` attribute (USD), if set.
    pub fn cost(&self) -> Option<f64> {
        match self.attribute(COST_ATTRIBUTE)? {
            AttributeValue::F64(v) => Some(*v),
            AttributeValue::I64(v) => Some(*v as f64),
            _ => None,
        }
    }

    /// The `gen_ai.evaluation.result` events recorded on this span (semantic-conventions
    /// v1.41.0, `model/gen-ai/events.yaml`), in the order they were recorded.
    pub fn evaluations(&self) -> impl Iterator<Item = &RecordedEvent> {
        self.events.iter().filter(|e| e.message == EVALUATION_EVENT)
    }

    /// Approximate heap and inline bytes, for the recorder's byte bound.
    pub(crate) fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.name.len()
            + attributes_bytes(&self.attributes)
            + self
                .events
                .iter()
                .map(RecordedEvent::approx_bytes)
                .sum::<usize>()
            + match &self.status {
                SpanStatus::Unset => 0,
                SpanStatus::Error {
                    error_type,
                    message,
                } => error_type.len() + message.len(),
            }
    }
}

impl RecordedEvent {
    pub(crate) fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.message.len() + attributes_bytes(&self.attributes)
    }
}

fn attributes_bytes(attributes: &[Attribute]) -> usize {
    attributes
        .iter()
        .map(|a| std::mem::size_of::<Attribute>() + a.key.len() + value_bytes(&a.value))
        .sum()
}

/// The heap bytes a value holds beyond its own size (an estimate: strings and elements).
fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::String(s) => s.len(),
        AttributeValue::StringArray(v) => v.iter().map(|s| s.len() + 24).sum(),
        AttributeValue::BoolArray(v) => v.len(),
        AttributeValue::I64Array(v) => v.len() * 8,
        AttributeValue::F64Array(v) => v.len() * 8,
        AttributeValue::Array(v) => v
            .iter()
            .map(|v| std::mem::size_of::<AttributeValue>() + value_bytes(v))
            .sum(),
        AttributeValue::Map(m) => attributes_bytes(m),
        AttributeValue::Bool(_) | AttributeValue::I64(_) | AttributeValue::F64(_) => 0,
    }
}

/// The spans of one trace that the recorder holds, in the order they ended.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedTrace {
    /// The trace id.
    pub trace_id: CorrelationId,
    /// The finished spans, in end order (children before parents, late children last).
    pub spans: Vec<RecordedSpan>,
    /// Log calls made in spans that had not ended when this copy was taken, by span id.
    pub pending_events: Vec<(SpanId, RecordedEvent)>,
}

impl RecordedTrace {
    /// The local root: the first span without a local parent, if it has ended.
    pub fn root(&self) -> Option<&RecordedSpan> {
        self.spans.iter().find(|s| s.is_local_root)
    }

    /// The earliest start of any span.
    pub fn start(&self) -> Option<SystemTime> {
        self.spans.iter().map(|s| s.start).min()
    }

    /// From the earliest start to the latest end.
    pub fn duration(&self) -> Duration {
        let (Some(start), Some(end)) =
            (self.start(), self.spans.iter().map(RecordedSpan::end).max())
        else {
            return Duration::ZERO;
        };
        end.duration_since(start).unwrap_or_default()
    }

    /// The one-line summary.
    pub fn summary(&self) -> TraceSummary {
        summarize(self.trace_id, &self.spans)
    }
}

/// The summary of the spans of trace `trace_id`.
pub(crate) fn summarize(trace_id: CorrelationId, spans: &[RecordedSpan]) -> TraceSummary {
    let start = spans.iter().map(|s| s.start).min();
    let end = spans.iter().map(RecordedSpan::end).max();
    let local_root = spans.iter().find(|s| s.is_local_root);
    let first = local_root.or_else(|| spans.iter().min_by_key(|s| s.start));
    let (input, output) = spans
        .iter()
        .map(RecordedSpan::own_tokens)
        .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
    let cost = spans
        .iter()
        .filter_map(RecordedSpan::own_cost)
        .fold(None, |sum: Option<f64>, c| Some(sum.unwrap_or(0.0) + c));
    let evaluations = spans.iter().map(|s| s.evaluations().count()).sum();
    TraceSummary {
        trace_id,
        root_name: first.map(|s| s.name.to_string()).unwrap_or_default(),
        complete: local_root.is_some(),
        start: start.unwrap_or(SystemTime::UNIX_EPOCH),
        duration: match (start, end) {
            (Some(s), Some(e)) => e.duration_since(s).unwrap_or_default(),
            _ => Duration::ZERO,
        },
        error: spans.iter().any(|s| s.status.is_error()),
        span_count: spans.len(),
        input_tokens: input,
        output_tokens: output,
        cost_usd: cost,
        evaluations,
    }
}

/// One line of the list of recent traces.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSummary {
    /// The trace id.
    pub trace_id: CorrelationId,
    /// The local root's name (the earliest span's while the root is still open).
    pub root_name: String,
    /// Whether the local root has ended.
    pub complete: bool,
    /// The earliest span start.
    pub start: SystemTime,
    /// From the earliest start to the latest end.
    pub duration: Duration,
    /// Whether any span failed.
    pub error: bool,
    /// Finished spans held.
    pub span_count: usize,
    /// `gen_ai.usage.input_tokens` summed over model calls (not `invoke_agent` roll-ups).
    pub input_tokens: u64,
    /// `gen_ai.usage.output_tokens` summed likewise.
    pub output_tokens: u64,
    /// `agent_telemetry.gen_ai.usage.cost` (USD) summed over operations (not `invoke_agent`
    /// roll-ups); `None` when no span has a cost.
    pub cost_usd: Option<f64>,
    /// `gen_ai.evaluation.result` events recorded on the trace's spans.
    pub evaluations: usize,
}
