//! [`TelemetryLayer`]: `tracing` spans and events into a [`Telemetry`] bundle's scopes and log
//! calls.

use std::borrow::Cow;

use smallvec::SmallVec;
use telemetry_core::{Attribute, Context, LogLevel, Scope, ScopeOptions, Telemetry};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Level, Metadata, Subscriber};
use tracing_log::NormalizeEvent as _;
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use crate::bridged::is_bridged;
use crate::entered;
use crate::fields::Fields;

/// The scope a `tracing` span became, kept in the span's extensions until the span closes.
struct SpanScope(Scope);

/// A `tracing_subscriber` [`Layer`](tracing_subscriber::Layer) that reports `tracing` spans
/// and events (and `log` records, through `tracing-log`) to a [`Telemetry`] bundle.
///
/// - A span becomes a scope, opened when the span is created and ended when it closes. Its
///   parent is the scope of the nearest enclosing span this layer recorded; if the scope
///   current on this thread is that scope or one of its descendants (a scope entered inside
///   the span), or if there is no enclosing span, the current scope. A span created with
///   `parent: None` is a root.
/// - Fields become the scope's attributes; `Span::record` adds to them. The reserved names
///   `otel.name`, `otel.kind`, `otel.status_code`, `otel.status_description` and `error` set
///   the name, kind and failure as `tracing-opentelemetry` 0.34 reads them (see the crate
///   docs).
/// - Entering a span makes its scope current; exiting restores the previous one.
/// - An event becomes a log call on the current scope (or on its explicit parent span's
///   scope): level mapped (`ERROR` → `Error`, `WARN` → `Warning`, …), `message` as the
///   message (the event's name when it has none), the other fields as attributes, plus
///   `target` and the `code.file.path` and `code.line.number` attributes (semantic
///   conventions v1.41, *code*). An `error` field also marks the enclosing span's scope
///   failed.
///
/// Filtering is `tracing`'s own: the layer asks for every callsite (`Interest::always`, the
/// default), so a filter in the stack, per-layer or global, decides alone; an event that
/// passes is then dropped below the bundle logger's level at the cost of one level check.
/// Spans and events from this crate's `tracing`-backed [`TracingLogger`](crate::TracingLogger)
/// and [`TracingCorrelator`](crate::TracingCorrelator) are ignored, so the two directions can
/// be installed together without a loop.
#[derive(Clone, Debug)]
pub struct TelemetryLayer {
    telemetry: Telemetry,
}

impl TelemetryLayer {
    /// A layer that reports to `telemetry`'s correlator and logger.
    pub fn new(telemetry: Telemetry) -> Self {
        Self { telemetry }
    }
}

/// `tracing` levels as log levels; `tracing` has no level above `ERROR`.
pub(crate) fn log_level(level: &Level) -> LogLevel {
    match *level {
        Level::ERROR => LogLevel::Error,
        Level::WARN => LogLevel::Warning,
        Level::INFO => LogLevel::Info,
        Level::DEBUG => LogLevel::Debug,
        Level::TRACE => LogLevel::Trace,
    }
}

/// Runs `f` on the scope of `span` or of the nearest enclosing span that has one, borrowed
/// from the span's extensions (no reference-count traffic when `f` only compares).
///
/// Walks with `parent()` rather than `SpanRef::scope()`, whose first step looks `span` up
/// again by id: one registry lookup per level instead of two for the common case, the
/// direct parent holding the scope.
fn with_nearest_scope<S, R>(
    span: Option<SpanRef<'_, S>>,
    f: impl FnOnce(&Context) -> R,
) -> Option<R>
where
    S: for<'a> LookupSpan<'a>,
{
    let mut span = span?;
    loop {
        if let Some(SpanScope(scope)) = span.extensions().get::<SpanScope>() {
            return Some(f(scope.context()));
        }
        span = span.parent()?;
    }
}

/// The scope of `span` or of the nearest enclosing span that has one.
fn nearest_scope<S>(span: Option<SpanRef<'_, S>>) -> Option<Context>
where
    S: for<'a> LookupSpan<'a>,
{
    with_nearest_scope(span, Context::clone)
}

/// Whether `current` is `ancestor` or one of its descendants.
fn descends_from(current: &Context, ancestor: &Context) -> bool {
    if current == ancestor {
        return true;
    }
    let mut c = current.parent();
    while !c.is_none() {
        if c == *ancestor {
            return true;
        }
        c = c.parent();
    }
    false
}

/// Pushes the target and the code location attributes (semantic conventions v1.41, *code*).
/// A callsite's own metadata is `'static`, so its texts are not copied; a `log` record's are.
fn push_location(
    event: &Event<'_>,
    normalized: Option<&Metadata<'_>>,
    attributes: &mut SmallVec<[Attribute; 6]>,
) {
    let meta: &Metadata<'_> = match normalized {
        Some(meta) => {
            attributes.push(Attribute::new("target", meta.target().to_owned()));
            if let Some(file) = meta.file() {
                attributes.push(Attribute::new("code.file.path", file.to_owned()));
            }
            meta
        }
        None => {
            let meta: &'static Metadata<'static> = event.metadata();
            attributes.push(Attribute::new("target", meta.target()));
            if let Some(file) = meta.file() {
                attributes.push(Attribute::new("code.file.path", file));
            }
            meta
        }
    };
    if let Some(line) = meta.line() {
        attributes.push(Attribute::new("code.line.number", i64::from(line)));
    }
}

impl<S> tracing_subscriber::Layer<S> for TelemetryLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let meta = attrs.metadata();
        if self.telemetry.correlator.is_noop() || is_bridged(meta) {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let name: Cow<'static, str> = match fields.name.take() {
            Some(name) => name.into(),
            None => meta.name().into(),
        };
        let mut options = ScopeOptions::new(name)
            .attributes(&fields.attributes)
            .kind(fields.kind.unwrap_or_default());
        if attrs.is_root() {
            options = options.root();
        } else {
            // The parent is the enclosing span's scope, unless a scope entered inside that
            // span is current: the current scope is then that span's scope or below it, the
            // closer parent, and the default (the current scope) already picks it.
            let contextual = attrs.is_contextual();
            let explicit = with_nearest_scope(span.parent(), |parent| {
                let current_is_closer =
                    contextual && Context::with_current(|current| descends_from(current, parent));
                (!current_is_closer).then(|| parent.clone())
            });
            if let Some(Some(parent)) = explicit {
                options = options.child_of(&parent);
            }
        }
        let scope = self.telemetry.correlator.open_scope(options);
        if let Some((error_type, message)) = fields.failure() {
            scope.record_error(error_type, message);
        }
        span.extensions_mut().insert(SpanScope(scope));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        let Some(SpanScope(scope)) = extensions.get::<SpanScope>() else {
            return;
        };
        let mut fields = Fields::default();
        values.record(&mut fields);
        for a in fields.attributes.drain(..) {
            scope.set_attribute(a.key, a.value);
        }
        if let Some((error_type, message)) = fields.failure() {
            scope.record_error(error_type, message);
        }
    }

    fn on_enter(&self, id: &Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        if let Some(SpanScope(scope)) = extensions.get::<SpanScope>() {
            if !scope.context().is_none() {
                entered::enter(id, scope.context());
            }
        }
    }

    fn on_exit(&self, id: &Id, _ctx: LayerContext<'_, S>) {
        entered::exit(id);
    }

    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        // Taken out before it drops, so the scope ends outside the extensions lock.
        let scope = span.extensions_mut().remove::<SpanScope>();
        drop(scope);
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let level = log_level(event.metadata().level());
        if !self.telemetry.logger.enabled(level) || is_bridged(event.metadata()) {
            return;
        }
        // A `log` record carries its own target and location in `log.*` fields.
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let Some(error) = &fields.error {
            fields
                .attributes
                .push(Attribute::new("error", error.clone()));
        }
        push_location(event, normalized.as_ref(), &mut fields.attributes);
        let message = fields.message.as_ref().map_or(meta.name(), |m| m.as_str());
        let explicit = event
            .parent()
            .and_then(|parent| nearest_scope(ctx.span(parent)));
        match explicit {
            Some(parent) => {
                let _current = parent.attach();
                self.telemetry
                    .logger
                    .log(level, message, &fields.attributes);
            }
            None => self
                .telemetry
                .logger
                .log(level, message, &fields.attributes),
        }
        if let Some(error) = &fields.error {
            // As `tracing-opentelemetry` does: an event reporting an error fails its span.
            if let Some(span) = ctx.event_span(event) {
                for s in span.scope() {
                    if let Some(SpanScope(scope)) = s.extensions().get::<SpanScope>() {
                        scope.record_error(crate::fields::ERROR_TYPE_OTHER, error);
                        break;
                    }
                }
            }
        }
    }
}
