//! Scopes as spans: the [`ScopeExtension`] that owns a scope's OpenTelemetry span, and the
//! OpenTelemetry parent context its children start from.
//!
//! How a scope ends (source: OpenTelemetry Trace API *Set Status*, semantic conventions
//! *Recording errors* and *Exceptions*, v1.41):
//!
//! | how | span |
//! | --- | --- |
//! | completed | ended; status UNSET unless an error was recorded |
//! | `record_error(type, msg)` | status ERROR with `msg`, `error.type = type`, an `exception` event (`exception.type`, `exception.message`) |
//! | panicked | status ERROR "panicked", `error.type = "panic"`, an `exception` event with `exception.type = "panic"` |
//! | cancelled (future dropped) | ended now, attribute `agent_telemetry.cancelled = true`; status stays UNSET (dropping a losing `select!` branch is not a failure), unless an error was recorded |

use std::any::Any;
use std::sync::OnceLock;
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanContext, Status, TraceContextExt as _};
use parking_lot::Mutex;
use telemetry_core::implement::ScopeExtension;
use telemetry_core::{Attribute, LogLevel, ScopeEnd};

use crate::failures::Stats;
use crate::mapping::convert;

/// The boolean attribute `agent_telemetry.cancelled = true` on the span of a scope that was
/// cancelled (its instrumented future dropped before it finished). The conventions define no
/// such attribute, so the name carries this project's prefix (OpenTelemetry specification,
/// *Attribute Naming*, recommendations for application developers: prefix names the
/// conventions do not define, to avoid clashes).
pub const CANCELLED_ATTRIBUTE: &str = "agent_telemetry.cancelled";

/// The OpenTelemetry side of one scope: its SDK span and its event count. Stored inside the
/// scope's own allocation ([`ResolvedScope::into_scope_with`](telemetry_core::implement::ResolvedScope::into_scope_with)).
pub(crate) struct OtelScope {
    pub(crate) span: Mutex<SpanState>,
    pub(crate) span_context: SpanContext,
    /// Whether the SDK records the span (the sampler kept it): attributes and events for a
    /// span that is not recorded are not converted.
    recording: bool,
    // The OpenTelemetry `Context` children are started from, built by the first child and
    // shared by the rest (saves an allocation and a `SpanContext` copy per child).
    as_parent: OnceLock<opentelemetry::Context>,
    event_limit: u32,
}

/// What the lock guards: the span, and the events added to it (counted here, under the lock
/// the event needs anyway, rather than with a separate atomic).
pub(crate) struct SpanState {
    pub(crate) span: opentelemetry_sdk::trace::Span,
    events: u32,
}

impl OtelScope {
    #[inline(always)]
    pub(crate) fn new(span: opentelemetry_sdk::trace::Span, event_limit: u32) -> Self {
        Self {
            span_context: span.span_context().clone(),
            recording: span.is_recording(),
            span: Mutex::new(SpanState { span, events: 0 }),
            as_parent: OnceLock::new(),
            event_limit,
        }
    }

    /// The OpenTelemetry `Context` whose span is this scope's, to start children from.
    pub(crate) fn as_parent(&self) -> &opentelemetry::Context {
        self.as_parent
            .get_or_init(|| parent_context(self.span_context.clone()))
    }

    /// A log call as a span event: name = the message, attributes `level` (severity text,
    /// e.g. `WARN`, as `tracing-opentelemetry` writes it) and `severity_number` (OTel Logs data
    /// model, 1–24, so `>= 13` filters warnings and worse), then the call's attributes.
    pub(crate) fn log_event(
        &self,
        level: LogLevel,
        message: &str,
        attributes: &[Attribute],
        stats: &Stats,
    ) {
        if !self.recording {
            return;
        }
        // Build outside the lock.
        let mut kvs = Vec::with_capacity(attributes.len() + 2);
        kvs.push(KeyValue::new("level", level.severity_text()));
        kvs.push(KeyValue::new(
            "severity_number",
            i64::from(level.severity_number()),
        ));
        convert::extend_key_values(&mut kvs, attributes);
        let name = crate::mapping::intern::name(message);
        let now = SystemTime::now();
        let mut state = self.span.lock();
        if state.events >= self.event_limit {
            // Past the limit the SDK would drop the event; add an empty one so the exported
            // span's `dropped_events_count` stays right, and count it here too.
            state.span.add_event("", Vec::new());
            drop(state);
            stats.event_over_limit(self.event_limit);
            return;
        }
        state.events += 1;
        state.span.add_event_with_timestamp(name, now, kvs);
    }

    fn exception(span: &mut opentelemetry_sdk::trace::Span, ty: &str, message: &str) {
        span.add_event(
            "exception",
            vec![
                KeyValue::new("exception.type", ty.to_owned()),
                KeyValue::new("exception.message", message.to_owned()),
            ],
        );
    }
}

impl ScopeExtension for OtelScope {
    fn set_attribute(&self, attribute: &Attribute) {
        if !self.recording {
            return;
        }
        let kv = convert::key_value(attribute);
        self.span.lock().span.set_attribute(kv);
    }

    fn record_error(&self, error_type: &str, message: &str) {
        if !self.recording {
            return;
        }
        let span = &mut self.span.lock().span;
        span.set_attribute(KeyValue::new("error.type", error_type.to_owned()));
        Self::exception(span, error_type, message);
        span.set_status(Status::error(message.to_owned()));
    }

    fn end(&self, how: ScopeEnd) {
        let span = &mut self.span.lock().span;
        match how {
            ScopeEnd::Completed => {}
            ScopeEnd::Panicked => {
                span.set_attribute(KeyValue::new("error.type", "panic"));
                Self::exception(span, "panic", "panicked while the scope was open");
                span.set_status(Status::error("panicked"));
            }
            ScopeEnd::Cancelled => {
                span.set_attribute(KeyValue::new(CANCELLED_ATTRIBUTE, true));
            }
        }
        span.end();
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A parent OpenTelemetry context holding only a span context (no span object to share).
pub(crate) fn parent_context(sc: SpanContext) -> opentelemetry::Context {
    opentelemetry::Context::new().with_remote_span_context(sc)
}
