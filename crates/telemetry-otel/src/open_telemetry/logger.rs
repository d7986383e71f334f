//! Log calls: the [`Logger`] implementation. A log call becomes an event on the current
//! scope's span and, when there is a logs exporter, a log record carrying the scope's trace and
//! span ids.
//!
//! Source: OpenTelemetry specification, *Logs Data Model* (severity numbers and text, event
//! name, body, trace context fields) and *Tracing API*, *Add Events*.

use std::time::SystemTime;

use opentelemetry::Key;
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, Severity};
use opentelemetry::trace::TraceFlags;
use opentelemetry_sdk::logs::SdkLogger;
use telemetry_core::implement::EVENT_BODY_ATTRIBUTE;
use telemetry_core::{Attribute, AttributeSet, Context, LogLevel, Logger};

use crate::mapping::convert;
use crate::mapping::span::OtelScope;
use crate::open_telemetry::OpenTelemetry;

impl OpenTelemetry {
    /// The log record of a log call when there is a logs exporter; without one, a call that
    /// had no span to become an event of is counted as without destination.
    fn log_record(
        &self,
        level: LogLevel,
        event_name: Option<&'static str>,
        message: &str,
        attributes: &[Attribute],
        cx: &Context,
        scope: Option<&OtelScope>,
    ) {
        match &self.inner.logger {
            Some(logger) => {
                self.emit_record(logger, level, event_name, message, attributes, cx, scope);
            }
            None if scope.is_none() => self.inner.stats.log_without_destination(),
            None => {}
        }
    }

    /// Emits one log record. `event_name` is set for [`Logger::log_event`] calls, whose
    /// `message` is then the event body.
    #[allow(clippy::too_many_arguments)]
    fn emit_record(
        &self,
        logger: &SdkLogger,
        level: LogLevel,
        event_name: Option<&'static str>,
        message: &str,
        attributes: &[Attribute],
        cx: &Context,
        scope: Option<&OtelScope>,
    ) {
        let now = SystemTime::now();
        let mut r = logger.create_log_record();
        r.set_timestamp(now);
        r.set_observed_timestamp(now);
        r.set_severity_number(severity(level));
        r.set_severity_text(level.severity_text());
        if let Some(name) = event_name {
            r.set_event_name(name);
        }
        r.set_body(AnyValue::String(message.to_owned().into()));
        let add = |a: &Attribute| {
            r.add_attribute(Key::from(a.key.clone()), convert::any_value(&a.value));
        };
        if AttributeSet::repeats_a_key(attributes) {
            AttributeSet::effective(attributes).for_each(add);
        } else {
            attributes.iter().for_each(add);
        }
        if let (Some(t), Some(s)) = (cx.correlation_id(), cx.span_id()) {
            let flags = scope.map_or(TraceFlags::SAMPLED, |s| s.span_context.trace_flags());
            r.set_trace_context(t.to_int().into(), s.to_int().into(), Some(flags));
        }
        logger.emit(r);
    }
}

fn severity(level: LogLevel) -> Severity {
    match level {
        LogLevel::Trace => Severity::Trace,
        LogLevel::Debug => Severity::Debug,
        LogLevel::Info => Severity::Info,
        LogLevel::Warning => Severity::Warn,
        LogLevel::Error => Severity::Error,
        LogLevel::Critical => Severity::Fatal,
    }
}

impl Logger for OpenTelemetry {
    /// True under `OTEL_SDK_DISABLED=true`: the bundle then holds a NoOp handle.
    fn is_noop(&self) -> bool {
        self.inner.disabled
    }

    #[inline]
    fn enabled(&self, level: LogLevel) -> bool {
        self.inner.level.enabled(level)
    }

    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        let inner = &*self.inner;
        if !inner.level.enabled(level) {
            return;
        }
        // Borrowed, not cloned: no reference-count traffic per log call.
        Context::with_current(|cx| {
            let scope = cx.extension::<OtelScope>();
            if let Some(s) = scope {
                s.log_event(level, message, attributes, &inner.stats);
            }
            self.log_record(level, None, message, attributes, cx, scope);
        });
    }

    /// A span event named `name` (the body, if any, in the attribute [`EVENT_BODY_ATTRIBUTE`],
    /// since span events have no body), and a log record with `EventName = name` and
    /// `Body = body`.
    fn log_event(
        &self,
        level: LogLevel,
        name: &'static str,
        body: Option<&str>,
        attributes: &[Attribute],
    ) {
        let inner = &*self.inner;
        if !inner.level.enabled(level) {
            return;
        }
        Context::with_current(|cx| {
            let scope = cx.extension::<OtelScope>();
            if let Some(s) = scope {
                match body {
                    None => s.log_event(level, name, attributes, &inner.stats),
                    Some(body) => {
                        let mut all = Vec::with_capacity(attributes.len() + 1);
                        all.extend_from_slice(attributes);
                        all.push(Attribute::new(EVENT_BODY_ATTRIBUTE, body.to_owned()));
                        s.log_event(level, name, &all, &inner.stats);
                    }
                }
            }
            self.log_record(
                level,
                Some(name),
                body.unwrap_or_default(),
                attributes,
                cx,
                scope,
            );
        });
    }

    fn level(&self) -> Option<LogLevel> {
        self.inner.level.get()
    }

    /// Changes the minimum level; ignored when disabled (NoOp behaviour).
    fn set_level(&self, level: Option<LogLevel>) {
        if !self.inner.disabled {
            self.inner.level.set(level);
        }
    }
}
