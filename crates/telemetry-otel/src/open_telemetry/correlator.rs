//! Scopes as spans: the [`ContextualCorrelator`] implementation, which starts each scope's SDK
//! span with the scope's own ids, and W3C context propagation.
//!
//! Source: OpenTelemetry specification, *Tracing API* (span creation, parent and kind) and the
//! W3C Trace Context and Baggage recommendations (`traceparent`, `tracestate`, `baggage`).

use std::borrow::Cow;

use opentelemetry::baggage::{BaggageExt as _, KeyValueMetadata};
use opentelemetry::trace::{Link, SpanBuilder, SpanContext, TraceFlags, TraceState, Tracer as _};
use telemetry_core::propagation::{
    BAGGAGE, Baggage, Extractor, FLAG_RANDOM_TRACE_ID, Injector, RemoteParent, TRACEPARENT,
    TRACESTATE, format_traceparent_with_flags,
};
use telemetry_core::{
    Context, ContextualCorrelator, NoOpCorrelator, Scope, ScopeOptions, SpanLink,
};

use crate::export::tail::TailHandle;
use crate::mapping::span::{OtelScope, parent_context};
use crate::mapping::{convert, ids, intern};
use crate::open_telemetry::OpenTelemetry;
use crate::sampling::probability::{OT, Threshold, sub_key};

/// The `sampled` flag a call made now carries under `agent_tail`. The tail decision comes
/// when the trace ends, after the call; what is known now is sent: the caller sampled it, the
/// probability rule keeps it (the span's `ot` entry has a threshold, set at start from the
/// trace id), or a rule already matched on a span that ended. A callee that follows its
/// parent then keeps exactly the traces the probability rule keeps here, plus those.
fn tail_sampled(
    scope: &OtelScope,
    remote: Option<&RemoteParent>,
    tail: &TailHandle,
    trace_id: u128,
) -> bool {
    remote.is_some_and(|r| r.sampled)
        || scope
            .span_context
            .trace_state()
            .get(OT)
            .and_then(|ot| sub_key(ot, "th"))
            .is_some_and(|th| Threshold::decode(th).is_some())
        || tail.certain(trace_id)
}

/// The received `tracestate` (or none) with its `ot` member replaced by the span's: the
/// threshold `agent_tail` set at start, or none.
fn with_ot(
    received: Option<&telemetry_core::propagation::TraceState>,
    scope: &OtelScope,
) -> Option<telemetry_core::propagation::TraceState> {
    let base = received.cloned().unwrap_or_default();
    match scope.span_context.trace_state().get(OT) {
        Some(ot) => Some(base.with(OT, ot).unwrap_or_else(|_| base.clone())),
        None => Some(base.without(OT)),
    }
}

impl OpenTelemetry {
    /// An OpenTelemetry `Context` whose active span is `scope`'s span, to start raw SDK spans
    /// as its children (the core keeps the current scope in its own thread-local), carrying
    /// the scope's baggage as the SDK's baggage ([`Context::baggage`], values and properties
    /// as metadata).
    pub fn otel_context(scope: &Context) -> opentelemetry::Context {
        let cx = Self::span_context_of(scope);
        if !scope.has_baggage() {
            return cx;
        }
        let baggage: opentelemetry::baggage::Baggage = scope
            .baggage()
            .iter()
            .map(|e| {
                let metadata = e
                    .encode()
                    .split_once(';')
                    .map(|(_, m)| m.to_owned())
                    .unwrap_or_default();
                KeyValueMetadata::new(e.key.clone(), e.value.clone(), metadata)
            })
            .collect();
        cx.with_baggage(baggage)
    }

    fn span_context_of(scope: &Context) -> opentelemetry::Context {
        match scope.extension::<OtelScope>() {
            Some(s) => s.as_parent().clone(),
            None => match (scope.correlation_id(), scope.span_id()) {
                (Some(t), Some(s)) => parent_context(SpanContext::new(
                    t.to_int().into(),
                    s.to_int().into(),
                    TraceFlags::SAMPLED,
                    false,
                    TraceState::NONE,
                )),
                _ => opentelemetry::Context::new(),
            },
        }
    }

    /// The parent of a new span: the remote parent a root continues, else the parent scope's
    /// span, else none (a root).
    fn parent_for(
        &self,
        parent: &Context,
        remote: Option<&RemoteParent>,
    ) -> opentelemetry::Context {
        if let Some(r) = remote {
            let flags = if r.sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::default()
            };
            let state = r
                .trace_state
                .as_ref()
                .map(otel_trace_state)
                .unwrap_or_default();
            return parent_context(SpanContext::new(
                r.trace_id.to_int().into(),
                r.span_id.to_int().into(),
                flags,
                true,
                state,
            ));
        }
        if parent.is_none() {
            return opentelemetry::Context::new();
        }
        Self::span_context_of(parent)
    }
}

/// The SDK's copy of a validated `tracestate`, recorded on the span (OTLP `Span.trace_state`).
///
/// The SDK still checks keys by the Level 1 multi-tenant rule (one `@`, at most 13 characters
/// after it), stricter than Level 2 §3.3.2.2, so members it refuses are left out of its copy;
/// propagation uses the core's list, which keeps them.
fn otel_trace_state(state: &telemetry_core::propagation::TraceState) -> TraceState {
    TraceState::from_key_value(state.iter()).unwrap_or_else(|_| {
        // Right to left: `insert` puts each member first, so the order is kept.
        let members: Vec<_> = state.iter().collect();
        members
            .into_iter()
            .rev()
            .fold(TraceState::NONE, |s, (k, v)| s.insert(k, v).unwrap_or(s))
    })
}

/// An SDK span link (OpenTelemetry *Tracing API*, "Link"): the linked span's context and the
/// link's attributes. The linked span's flags and trace state are not known here; the link is
/// marked sampled so that backends show it.
fn otel_link(link: &SpanLink) -> Link {
    let context = SpanContext::new(
        link.trace_id.to_int().into(),
        link.span_id.to_int().into(),
        TraceFlags::SAMPLED,
        false,
        TraceState::NONE,
    );
    Link::new(
        context,
        link.attributes.iter().map(convert::key_value).collect(),
        0,
    )
}

impl ContextualCorrelator for OpenTelemetry {
    /// True under `OTEL_SDK_DISABLED=true`: the bundle then holds a NoOp handle.
    fn is_noop(&self) -> bool {
        self.inner.disabled
    }

    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        let inner = &*self.inner;
        if inner.disabled {
            return NoOpCorrelator.open_scope(options);
        }
        let resolved = options.resolve();
        let Some(tracer) = &inner.tracer else {
            // No traces exporter: scopes still carry ids (log records use them).
            return resolved.into_scope(None);
        };
        // The span is built inside the scope's allocation (no second allocation, no copy of
        // the SDK span).
        resolved.into_scope_with(|r| {
            // A child of an OpenTelemetry scope (the common case) borrows the parent's cached
            // context; other parents get one built for this call.
            let built;
            let local = r
                .parent
                .extension::<OtelScope>()
                .filter(|_| r.remote_parent.is_none());
            let parent = match local {
                Some(s) => s.as_parent(),
                None => {
                    built = self.parent_for(&r.parent, r.remote_parent.as_ref());
                    &built
                }
            };
            // Under a sampler that follows the parent, the child of a dropped span is dropped
            // too (sampled-out traffic, often most of it): its attributes would be converted
            // for nothing.
            let dropped = inner.drops_all
                || (inner.follows_parent && local.is_some_and(|s| !s.span_context.is_sampled()));
            let name = match &r.name {
                Cow::Borrowed(name) => Cow::Borrowed(*name),
                Cow::Owned(name) => intern::name(name),
            };
            let mut builder =
                SpanBuilder::from_name(name).with_kind(convert::otel_span_kind(r.kind));
            if !r.attributes.is_empty() && !dropped {
                // The SDK keeps this vector as the span's attribute list: room for a few set
                // later (a status, token usage) saves regrowing it.
                let mut kvs = Vec::with_capacity(r.attributes.len() + 4);
                kvs.extend(r.attributes.iter().map(convert::key_value));
                builder.attributes = Some(kvs);
            }
            if !r.links().is_empty() && !dropped {
                builder.links = Some(r.links().iter().map(otel_link).collect());
            }
            let span = {
                let _parked = ids::park(r.correlation_id.to_int(), r.span_id.to_int());
                tracer.build_with_context(builder, parent)
            };
            if opentelemetry::trace::Span::span_context(&span).is_sampled() {
                // Counted when handed over: a span still open at shutdown is never exported.
                inner.stats.span_started();
            }
            OtelScope::new(span, inner.event_limit)
        })
    }

    fn current(&self) -> Context {
        if self.inner.disabled {
            Context::none()
        } else {
            Context::current()
        }
    }

    /// Reads `traceparent` + `tracestate` (propagator `tracecontext`) and `baggage`
    /// (propagator `baggage`), as `OTEL_PROPAGATORS` selects. Without `tracecontext` there is
    /// no remote parent to continue, so the result is `None`.
    fn extract(&self, carrier: &dyn Extractor) -> Option<RemoteParent> {
        let p = self.inner.propagators;
        if self.inner.disabled || !p.tracecontext {
            return None;
        }
        let mut remote = RemoteParent::extract(carrier)?;
        if !p.baggage {
            remote.baggage = Baggage::new();
        }
        Some(remote)
    }

    /// Writes `traceparent` + `tracestate` and `baggage` for the propagators `OTEL_PROPAGATORS`
    /// selects. Baggage is the remote caller's with what scopes here set
    /// ([`Context::baggage`]).
    fn inject(&self, context: &Context, carrier: &mut dyn Injector) {
        let p = self.inner.propagators;
        if self.inner.disabled {
            return;
        }
        if p.tracecontext {
            // The flag is the sampler's decision for this span: a callee that follows its
            // parent must drop what this process dropped.
            let ids = context.correlation_id().zip(context.span_id());
            let remote = context.remote_parent();
            let scope = context.extension::<OtelScope>();
            let traceparent = match (scope, ids) {
                (Some(scope), Some((trace_id, span_id))) => {
                    let sampled = match &self.inner.tail {
                        Some(tail) => tail_sampled(scope, remote, tail, trace_id.to_int()),
                        None => scope.span_context.is_sampled(),
                    };
                    // The caller's random-trace-id flag stays with its trace id (W3C Trace
                    // Context Level 2 §3.2.2.5); a trace started here has a random id (the
                    // core's, or one given to `root_with_id`, presumed random as
                    // OpenTelemetry specification v1.60.0 *Trace SDK* §Presumption of TraceID
                    // randomness does), so it gets the flag (§Random trace flag).
                    let flags = remote.map_or(u8::from(sampled) | FLAG_RANDOM_TRACE_ID, |r| {
                        r.outgoing_flags(sampled)
                    });
                    Some(format_traceparent_with_flags(trace_id, span_id, flags))
                }
                _ => context.traceparent(),
            };
            let Some(traceparent) = traceparent else {
                return;
            };
            carrier.set(TRACEPARENT, traceparent);
            // The validated, combined list, never the raw header (§3.3, §3.5); under
            // `agent_tail` with this process's `ot` entry (its threshold) in it.
            let received = remote.and_then(|r| r.trace_state.as_ref());
            let state = match (scope, &self.inner.tail) {
                (Some(scope), Some(_)) => with_ot(received, scope),
                _ => received.cloned(),
            };
            if let Some(state) = state.filter(|s| !s.is_empty()) {
                carrier.set(TRACESTATE, state.as_str().to_owned());
            }
        }
        if p.baggage {
            let baggage = context.baggage();
            if !baggage.is_empty() {
                carrier.set(BAGGAGE, baggage.encode());
            }
        }
    }
}
