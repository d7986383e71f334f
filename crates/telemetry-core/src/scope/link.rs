//! [`SpanLink`]: a scope's reference to a span that is not its parent.
//!
//! Source: OpenTelemetry specification, *Tracing API*, "Link" and "Specifying links"
//! (links are given at span creation, so samplers see them).

use crate::attributes::attribute::Attribute;
use crate::ids::CorrelationId;
use crate::ids::SpanId;
use crate::propagation::RemoteParent;

/// A link from a scope to another span, in this trace or another: the trace id and span id it
/// points to, and attributes that describe the relation.
///
/// **A link or a parent?** A scope has one parent: the operation it is part of, whose trace it
/// joins. Use a link when the scope relates to spans it is not part of:
/// - fan-in and batching: one span aggregates the results of several independent traces (a
///   reduce over map tasks each started as its own root, a batch of queued requests); it
///   links to each, since it can be the child of at most one;
/// - a queue consumer that starts its own trace for a message and links to the producer;
/// - a retry or follow-up started later from a trace that has ended.
///
/// Links are set when the scope opens ([`ScopeOptions::link`](crate::ScopeOptions::link)).
/// Scopes without links carry nothing for them.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanLink {
    /// The linked span's trace id (its correlation id).
    pub trace_id: CorrelationId,
    /// The linked span's id.
    pub span_id: SpanId,
    /// What the link means, for example `messaging.message.id` or a task index.
    pub attributes: Vec<Attribute>,
}

impl SpanLink {
    /// A link to the span `trace_id`/`span_id`, described by `attributes`.
    pub fn new(trace_id: CorrelationId, span_id: SpanId, attributes: &[Attribute]) -> Self {
        Self {
            trace_id,
            span_id,
            attributes: attributes.to_vec(),
        }
    }
}

/// What a link can point to: a [`Context`](crate::Context) (none for "no scope", which links to nothing), a
/// [`RemoteParent`], a [`SpanLink`]'s target, or a `(CorrelationId, SpanId)` pair.
pub trait LinkTarget {
    /// The trace id and span id to link to; `None` links to nothing.
    fn link_ids(&self) -> Option<(CorrelationId, SpanId)>;
}

impl LinkTarget for RemoteParent {
    fn link_ids(&self) -> Option<(CorrelationId, SpanId)> {
        Some((self.trace_id, self.span_id))
    }
}

impl LinkTarget for (CorrelationId, SpanId) {
    fn link_ids(&self) -> Option<(CorrelationId, SpanId)> {
        Some(*self)
    }
}

impl<T: LinkTarget + ?Sized> LinkTarget for &T {
    fn link_ids(&self) -> Option<(CorrelationId, SpanId)> {
        (**self).link_ids()
    }
}
