//! Scopes as spans: the [`ScopeExtension`] that owns a scope's OpenTelemetry span.
//!
//! How a scope ends (source: OpenTelemetry Trace API *Set Status*, semantic conventions
//! *Recording errors* and *Exceptions*, v1.41):
//!
//! | how | span |
//! | --- | --- |
//! | completed | ended; status UNSET unless an error was recorded |
//! | `record_error(type, msg)` | status ERROR with `msg`, `error.type = type`, an `exception` event (`exception.type`, `exception.message`) |
//! | panicked | status ERROR "panicked", `error.type = "panic"`, an `exception` event with `exception.type = "panic"` |
//! | cancelled (future dropped) | ended now, attribute `cancelled = true`; status stays UNSET (dropping a losing `select!` branch is not a failure), unless an error was recorded |

use std::any::Any;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry::trace::{Span as _, SpanContext, Status};
use parking_lot::Mutex;
use telemetry_core::{Attribute, LogLevel, ScopeEnd, ScopeExtension};

use crate::convert;
use crate::export::Stats;

/// The OpenTelemetry side of one scope: its SDK span and its event count.
pub(crate) struct OtelScope {
    pub(crate) span: Mutex<opentelemetry_sdk::trace::Span>,
    pub(crate) span_context: SpanContext,
    // The OpenTelemetry `Context` children are started from, built by the first child and
    // shared by the rest (saves an allocation and a `SpanContext` copy per child).
    as_parent: OnceLock<opentelemetry::Context>,
    events: AtomicU32,
    event_limit: u32,
    stats: Arc<Stats>,
}

impl OtelScope {
    pub(crate) fn new(
        span: opentelemetry_sdk::trace::Span,
        event_limit: u32,
        stats: Arc<Stats>,
    ) -> Self {
        Self {
            span_context: span.span_context().clone(),
            span: Mutex::new(span),
            as_parent: OnceLock::new(),
            events: AtomicU32::new(0),
            event_limit,
            stats,
        }
    }

    /// The OpenTelemetry `Context` whose span is this scope's, to start children from.
    pub(crate) fn as_parent(&self) -> &opentelemetry::Context {
        self.as_parent
            .get_or_init(|| crate::pipeline::parent_context(self.span_context.clone()))
    }

    /// A log call as a span event: name = the message, attributes `level` (severity text,
    /// e.g. `WARN`, as `tracing-opentelemetry` writes it) and `severity_number` (OTel Logs data
    /// model, 1–24, so `>= 13` filters warnings and worse), then the call's attributes.
    pub(crate) fn log_event(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        if !self.span_context.is_sampled() {
            return;
        }
        if self.events.fetch_add(1, Ordering::Relaxed) >= self.event_limit {
            // Past the limit the SDK would drop the event; add an empty one so the exported
            // span's `dropped_events_count` stays right, and count it here too.
            self.span.lock().add_event("", Vec::new());
            self.stats.event_over_limit(self.event_limit);
            return;
        }
        let mut kvs = Vec::with_capacity(attributes.len() + 2);
        kvs.push(KeyValue::new("level", level.severity_text()));
        kvs.push(KeyValue::new(
            "severity_number",
            i64::from(level.severity_number()),
        ));
        kvs.extend(attributes.iter().map(convert::key_value));
        let name = message.to_owned();
        self.span
            .lock()
            .add_event_with_timestamp(name, SystemTime::now(), kvs);
    }

    fn exception(&self, span: &mut opentelemetry_sdk::trace::Span, ty: &str, message: &str) {
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
        self.span
            .lock()
            .set_attribute(convert::key_value(attribute));
    }

    fn record_error(&self, error_type: &str, message: &str) {
        let mut span = self.span.lock();
        span.set_attribute(KeyValue::new("error.type", error_type.to_owned()));
        self.exception(&mut span, error_type, message);
        span.set_status(Status::error(message.to_owned()));
    }

    fn end(&self, how: ScopeEnd) {
        let mut span = self.span.lock();
        match how {
            ScopeEnd::Completed => {}
            ScopeEnd::Panicked => {
                span.set_attribute(KeyValue::new("error.type", "panic"));
                self.exception(&mut span, "panic", "panicked while the scope was open");
                span.set_status(Status::error("panicked"));
            }
            ScopeEnd::Cancelled => {
                span.set_attribute(KeyValue::new("cancelled", true));
            }
        }
        span.end();
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
