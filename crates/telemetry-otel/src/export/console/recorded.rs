//! SDK spans as the recorder keeps them.

use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;
use telemetry_core::{CorrelationId, LogLevel, ScopeEnd, SpanId};
use telemetry_recorder::{RecordedEvent, RecordedSpan, SpanStatus};

use crate::mapping::convert;

/// An SDK span as the recorder keeps it; `None` for invalid ids.
pub(crate) fn recorded(span: SpanData) -> Option<RecordedSpan> {
    let trace_id = CorrelationId::from_bytes(span.span_context.trace_id().to_bytes())?;
    let span_id = SpanId::from_bytes(span.span_context.span_id().to_bytes())?;
    let parent_span_id = SpanId::from_bytes(span.parent_span_id.to_bytes());
    let attrs = convert::core_attributes(span.attributes);
    let status = match span.status {
        Status::Error { description } => SpanStatus::Error {
            error_type: attrs
                .iter()
                .find(|a| &*a.key == "error.type")
                .map_or_else(|| "error".to_owned(), |a| a.value.to_string()),
            message: description.into_owned(),
        },
        _ => SpanStatus::Unset,
    };
    let events = span
        .events
        .events
        .into_iter()
        .map(|e| {
            let mut attributes = convert::core_attributes(e.attributes);
            // Log calls carry their level as the attributes `level` and `severity_number`
            // (see span.rs): shown as the level, not repeated.
            let level = attributes
                .iter()
                .position(|a| &*a.key == "level")
                .and_then(|i| attributes.remove(i).value.as_str()?.parse().ok())
                .unwrap_or(LogLevel::Info);
            attributes.retain(|a| &*a.key != "severity_number");
            RecordedEvent {
                timestamp: e.timestamp,
                level,
                message: e.name.into_owned(),
                attributes,
            }
        })
        .collect();
    Some(RecordedSpan {
        trace_id,
        span_id,
        parent_span_id,
        is_local_root: parent_span_id.is_none() || span.parent_span_is_remote,
        name: span.name,
        kind: convert::core_span_kind(&span.span_kind),
        start: span.start_time,
        duration: span
            .end_time
            .duration_since(span.start_time)
            .unwrap_or_default(),
        attributes: attrs,
        events,
        status,
        ended: ScopeEnd::Completed,
    })
}
