//! [`ScopeExtension`]: an implementation's per-scope state and hooks (for example an
//! OpenTelemetry span), [`ScopeEnd`], how a scope ended, and [`ScopeObserver`], hooks for a
//! second party that watches scopes next to the implementation.

use std::any::Any;
use std::sync::Arc;

use crate::Attribute;
use crate::implement::ResolvedScope;

/// How a scope ended, as told to its [`ScopeExtension`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeEnd {
    /// The guard dropped, or the future completed, normally. The scope may still have been
    /// marked failed with [`Scope::record_error`](crate::Scope::record_error).
    Completed,
    /// A panic unwound through the scope.
    Panicked,
    /// The future was dropped before it completed.
    Cancelled,
}

/// An implementation's per-scope state and hooks, for example an OpenTelemetry span.
///
/// An implementation of [`ContextualCorrelator`](crate::ContextualCorrelator) attaches one
/// when it builds a scope with
/// [`ResolvedScope::into_scope_with`](crate::implement::ResolvedScope::into_scope_with); it
/// lives inside the scope's own allocation. Layers above the traits keep their data in the
/// scope's [`Extensions`](crate::Extensions) instead. Hooks run on the thread that calls them
/// and must not block.
pub trait ScopeExtension: Send + Sync + 'static {
    /// An attribute set after the scope opened.
    fn set_attribute(&self, attribute: &Attribute) {
        let _ = attribute;
    }
    /// The scope was marked failed. `error_type` is low-cardinality (an `error.type` value).
    fn record_error(&self, error_type: &str, message: &str) {
        let _ = (error_type, message);
    }
    /// The scope ended. Called exactly once.
    fn end(&self, how: ScopeEnd);
    /// For [`Context::extension`](crate::Context::extension).
    fn as_any(&self) -> &dyn Any;
}

/// The extension of scopes built without one; its hooks are never called.
pub(crate) struct NoExtension;

impl ScopeExtension for NoExtension {
    fn end(&self, _how: ScopeEnd) {}
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A boxed extension forwards every hook, and [`Context::extension`](crate::Context::extension)
/// finds the boxed type.
impl ScopeExtension for Box<dyn ScopeExtension> {
    fn set_attribute(&self, attribute: &Attribute) {
        (**self).set_attribute(attribute);
    }
    fn record_error(&self, error_type: &str, message: &str) {
        (**self).record_error(error_type, message);
    }
    fn end(&self, how: ScopeEnd) {
        (**self).end(how);
    }
    fn as_any(&self) -> &dyn Any {
        (**self).as_any()
    }
}

/// Watches the scopes opened with [`ScopeOptions::observe`](crate::ScopeOptions::observe),
/// whatever the implementation: for each it makes hooks that hear the scope's later
/// attributes, error and end, next to the implementation's own extension (which
/// [`Context::extension`](crate::Context::extension) still finds).
///
/// Used by a correlator that wraps another, such as a local span recorder next to the
/// OpenTelemetry implementation. Costs nothing for scopes opened without one.
pub trait ScopeObserver: Send + Sync + 'static {
    /// A scope opened: `scope` is what it was resolved to (ids, name, kind, parent, the
    /// attributes as the scope keeps them). The returned hooks hear the rest of its life.
    /// Runs on the opening thread and must not block.
    fn open(&self, scope: &ResolvedScope<'_>) -> Box<dyn ScopeExtension>;
}

/// Two observers given to one scope.
pub(crate) struct BothObservers(
    pub(crate) Arc<dyn ScopeObserver>,
    pub(crate) Arc<dyn ScopeObserver>,
);

impl ScopeObserver for BothObservers {
    fn open(&self, scope: &ResolvedScope<'_>) -> Box<dyn ScopeExtension> {
        Box::new(Observed {
            inner: self.0.open(scope),
            observer: self.1.open(scope),
        })
    }
}

/// An implementation's extension and an observer's hooks: every hook goes to both, the
/// implementation's first; `as_any` is the implementation's, so it is still found by type.
pub(crate) struct Observed<E> {
    pub(crate) inner: E,
    pub(crate) observer: Box<dyn ScopeExtension>,
}

impl<E: ScopeExtension> ScopeExtension for Observed<E> {
    fn set_attribute(&self, attribute: &Attribute) {
        self.inner.set_attribute(attribute);
        self.observer.set_attribute(attribute);
    }
    fn record_error(&self, error_type: &str, message: &str) {
        self.inner.record_error(error_type, message);
        self.observer.record_error(error_type, message);
    }
    fn end(&self, how: ScopeEnd) {
        self.inner.end(how);
        self.observer.end(how);
    }
    fn as_any(&self) -> &dyn Any {
        self.inner.as_any()
    }
}
