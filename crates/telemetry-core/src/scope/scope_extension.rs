//! [`ScopeExtension`]: an implementation's per-scope state and hooks (for example an
//! OpenTelemetry span), and [`ScopeEnd`], how a scope ended.

use std::any::Any;

use crate::attributes::attribute::Attribute;

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
