//! [`BasicContextualCorrelator`]: scopes with correlation ids and nothing else.

use telemetry_core::{ContextualCorrelator, Scope, ScopeOptions};

/// A correlator for local use: scopes carry a correlation id, a span id, a name and
/// attributes, and record nothing anywhere.
///
/// It keeps no state of its own. The current scope lives in the thread-local slot shared by
/// every implementation ([`telemetry_core::Context`]), so Basic scopes nest with OpenTelemetry
/// ones and a [`Context`](telemetry_core::Context) carried by hand works with both. Ids are
/// chosen by [`ScopeOptions::resolve`]: the parent's correlation id, a given or remote one, or
/// a fresh random 128-bit one (32 lowercase hex characters, never zero) for a root.
///
/// ```
/// use telemetry_core::{ContextualCorrelator, CorrelatorExt};
/// use telemetry_basic::BasicContextualCorrelator;
///
/// let correlator = BasicContextualCorrelator::new();
/// let request = correlator.enter_scope("POST /v1/sessions", &[]);
/// let id = correlator.correlation_id().expect("inside a scope");
/// correlator.in_scope("invoke_agent planner", &[], || {
///     assert_eq!(correlator.correlation_id(), Some(id)); // shared by the whole tree
///     assert_eq!(correlator.scope_path(), ["POST /v1/sessions", "invoke_agent planner"]);
/// });
/// drop(request);
/// assert_eq!(correlator.correlation_id(), None);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct BasicContextualCorrelator;

impl BasicContextualCorrelator {
    /// A correlator. Free: it holds nothing.
    pub const fn new() -> Self {
        Self
    }
}

impl ContextualCorrelator for BasicContextualCorrelator {
    #[inline]
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        options.resolve().into_scope(None)
    }
}
