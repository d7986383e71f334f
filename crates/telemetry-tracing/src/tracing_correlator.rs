//! [`TracingCorrelator`]: scopes reported as `tracing` spans, for applications whose
//! telemetry is a `tracing-subscriber` stack.

use std::any::Any;
use std::fmt;
use std::sync::Mutex;

use telemetry_core::implement::ScopeExtension;
use telemetry_core::{
    Attribute, AttributeSet, ContextualCorrelator, Scope, ScopeEnd, ScopeOptions, SpanKind,
};
use tracing::field;

use crate::bridged::BRIDGE_TARGET;

/// A [`ContextualCorrelator`] whose scopes are `tracing` spans, so an application with a
/// `tracing-subscriber` stack (`fmt`, `tracing-opentelemetry`, …) adopts the traits and keeps
/// its output.
///
/// Each scope is an `INFO` span with target [`BRIDGE_TARGET`] named `scope`, with the fields
/// `otel.name` (the scope name, which `tracing-opentelemetry` uses as the span name),
/// `otel.kind`, `correlation_id`, `span_id` (the core's ids, as hex), `attributes` (the scope's
/// attributes as `key=value` pairs; `tracing` field names are fixed per callsite, so they are
/// written into one field and re-recorded when one is set later), `error.type` and `error`
/// (set by [`Scope::record_error`]) and `outcome` (`panicked` or `cancelled` when the scope
/// did not complete). Its parent is the span of the enclosing scope, or the current `tracing`
/// span for a scope without a `tracing`-backed parent.
///
/// Scopes carry the core's correlation id as everywhere else; a `tracing-opentelemetry` layer
/// below chooses its own trace ids, so the `correlation_id` field is the link between them.
/// The `tracing` span closes when the scope's last snapshot is dropped (usually when the scope
/// ends), since a child may still name it as its parent until then.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingCorrelator;

/// A scope's `tracing` span, in the scope's allocation.
pub(crate) struct TracingScope {
    pub(crate) span: tracing::Span,
    /// The attributes as recorded so far, rewritten into the `attributes` field on each set.
    attributes: Mutex<AttributeSet>,
}

/// `key=value` pairs separated by spaces, values as their `Display` writes them.
pub(crate) struct Pairs<'a>(pub(crate) &'a [Attribute]);

impl fmt::Display for Pairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}={}", a.key, a.value)?;
        }
        Ok(())
    }
}

fn kind_name(kind: SpanKind) -> &'static str {
    match kind {
        SpanKind::Internal => "internal",
        SpanKind::Server => "server",
        SpanKind::Client => "client",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
    }
}

impl ContextualCorrelator for TracingCorrelator {
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        options.resolve().into_scope_with(|r| {
            let parent = r
                .parent
                .extension::<TracingScope>()
                .and_then(|p| p.span.id());
            let name: &str = &r.name;
            let attributes = Pairs(r.attributes);
            let span = match parent {
                Some(parent) => tracing::info_span!(
                    target: BRIDGE_TARGET,
                    parent: parent,
                    "scope",
                    otel.name = name,
                    otel.kind = kind_name(r.kind),
                    correlation_id = %r.correlation_id,
                    span_id = %r.span_id,
                    attributes = %attributes,
                    "error.type" = field::Empty,
                    error = field::Empty,
                    outcome = field::Empty,
                ),
                None => tracing::info_span!(
                    target: BRIDGE_TARGET,
                    "scope",
                    otel.name = name,
                    otel.kind = kind_name(r.kind),
                    correlation_id = %r.correlation_id,
                    span_id = %r.span_id,
                    attributes = %attributes,
                    "error.type" = field::Empty,
                    error = field::Empty,
                    outcome = field::Empty,
                ),
            };
            let mut kept = AttributeSet::new();
            kept.extend_from_slice(r.attributes);
            TracingScope {
                span,
                attributes: Mutex::new(kept),
            }
        })
    }
}

impl ScopeExtension for TracingScope {
    fn set_attribute(&self, attribute: &Attribute) {
        let mut kept = self.attributes.lock().unwrap_or_else(|p| p.into_inner());
        kept.push(attribute.clone());
        self.span
            .record("attributes", field::display(Pairs(kept.as_slice())));
    }

    fn record_error(&self, error_type: &str, message: &str) {
        self.span.record("error.type", error_type);
        self.span.record("error", message);
    }

    fn end(&self, how: ScopeEnd) {
        match how {
            ScopeEnd::Completed => {}
            ScopeEnd::Panicked => {
                self.span.record("outcome", "panicked");
            }
            ScopeEnd::Cancelled => {
                self.span.record("outcome", "cancelled");
            }
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
