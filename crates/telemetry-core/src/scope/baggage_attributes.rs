//! [`BaggageAttributes`]: chosen baggage entries copied onto every scope's attributes.

use std::sync::Arc;

use crate::attributes::attribute::AttributeValue;
use crate::ids::CorrelationId;
use crate::propagation::{Extractor, Injector, RemoteParent};
use crate::scope::context::Context;
use crate::scope::correlator::ContextualCorrelator;
use crate::scope::guard::Scope;
use crate::scope::options::ScopeOptions;

/// A correlator that adds the baggage entries named in `keys` to the attributes of every scope
/// it opens, under the baggage key (for example a `session.id` set once at the edge, or sent by
/// the caller, then on every span). The scope's own attributes win over copied ones.
///
/// Scopes opened through the inner correlator directly are unchanged, so there is no cost where
/// this is not used.
///
/// ```
/// use telemetry_core::{BaggageAttributes, ContextualCorrelator, CorrelatorExt, Scope, ScopeOptions};
/// # struct Plain; impl ContextualCorrelator for Plain { fn open_scope(&self, o: ScopeOptions<'_>) -> Scope { o.resolve().into_scope(None) } }
/// let c = BaggageAttributes::new(Plain, ["session.id"]);
/// let edge = c.enter_scope("POST /v1/chat", &[]);
/// edge.context().set_baggage("session.id", "s-42").unwrap();
/// let tool = c.enter_scope("execute_tool clock", &[]);
/// assert_eq!(tool.context().own_attributes().get("session.id").and_then(|v| v.as_str()), Some("s-42"));
/// ```
#[derive(Clone, Debug)]
pub struct BaggageAttributes<C> {
    inner: C,
    keys: Arc<[String]>,
}

impl<C> BaggageAttributes<C> {
    /// Wraps `inner`, copying the baggage entries named in `keys`.
    pub fn new<K: Into<String>>(inner: C, keys: impl IntoIterator<Item = K>) -> Self {
        Self {
            inner,
            keys: keys.into_iter().map(Into::into).collect(),
        }
    }

    /// The wrapped correlator.
    pub fn inner(&self) -> &C {
        &self.inner
    }
}

impl<C: ContextualCorrelator> ContextualCorrelator for BaggageAttributes<C> {
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        let mut copied = Vec::new();
        self.inner
            .open_scope(options.with_baggage_attributes(&self.keys, &mut copied))
    }
    fn current(&self) -> Context {
        self.inner.current()
    }
    fn correlation_id(&self) -> Option<CorrelationId> {
        self.inner.correlation_id()
    }
    fn scope_path(&self) -> Vec<String> {
        self.inner.scope_path()
    }
    fn attribute(&self, key: &str) -> Option<AttributeValue> {
        self.inner.attribute(key)
    }
    fn extract(&self, carrier: &dyn Extractor) -> Option<RemoteParent> {
        self.inner.extract(carrier)
    }
    fn inject(&self, context: &Context, carrier: &mut dyn Injector) {
        self.inner.inject(context, carrier);
    }
    fn is_noop(&self) -> bool {
        self.inner.is_noop()
    }
}
