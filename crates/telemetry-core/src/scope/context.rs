//! The current-scope context: what a scope is ([`ScopeData`]), the thread-local slot holding
//! the current one, and [`Context`] snapshots of it.
//!
//! One slot per thread serves every correlator, like OpenTelemetry's `Context`: scopes from the
//! Basic and OpenTelemetry implementations nest the same way, and a library that carries a
//! [`Context`] across a boundary works with all of them. Carriers that make a snapshot current
//! inside a future or closure are in `with_context.rs`; names from the root down in
//! `path.rs`.

use std::any::Any;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::scope::link::LinkTarget;

use crate::attributes::attribute::Attribute;
use crate::attributes::attribute::AttributeValue;
use crate::attributes::attribute_set::AttributeSet;
use crate::ids::CorrelationId;
use crate::ids::SpanId;
use crate::propagation::{FLAG_SAMPLED, RemoteParent, format_traceparent_with_flags};
use crate::scope::extensions::Extensions;
use crate::scope::link::SpanLink;
use crate::scope::scope_extension::ScopeExtension;
use crate::scope::span_kind::SpanKind;

/// Everything a scope is. Shared by its owner ([`Scope`](crate::Scope)), the thread-local slot
/// while it is current, every [`Context`] snapshot, and its children (which keep their parent
/// alive, so a child opened after its parent ended still links to it).
///
/// The implementation's extension is the unsized tail, so a scope and, say, its OpenTelemetry
/// span share one allocation. `ScopeData` alone means `ScopeData<dyn ScopeExtension>`.
pub(crate) struct ScopeData<E: ?Sized = dyn ScopeExtension> {
    pub(crate) name: Cow<'static, str>,
    pub(crate) correlation_id: CorrelationId,
    pub(crate) span_id: SpanId,
    pub(crate) kind: SpanKind,
    pub(crate) parent: Context,
    pub(crate) remote_parent: Option<Box<RemoteParent>>,
    // One word for the common scope without links (a `Vec` would be three).
    #[allow(clippy::box_collection)]
    pub(crate) links: Option<Box<Vec<SpanLink>>>,
    pub(crate) attributes: Mutex<AttributeSet>,
    /// Layers' typed values (see [`Extensions`]).
    pub(crate) extensions: Extensions,
    pub(crate) ended: AtomicBool,
    /// False for scopes built without an extension (`extension` is then a no-op placeholder
    /// whose hooks are never called).
    pub(crate) has_extension: bool,
    pub(crate) extension: E,
}

impl ScopeData {
    #[inline]
    pub(crate) fn extension(&self) -> Option<&dyn ScopeExtension> {
        if self.has_extension {
            Some(&self.extension)
        } else {
            None
        }
    }

    /// The implementation's extension if it is a `T`, else a `T` in the extensions map.
    #[inline]
    fn extension_of<T: Any + Send + Sync>(&self) -> Option<&T> {
        match self
            .extension()
            .and_then(|e| e.as_any().downcast_ref::<T>())
        {
            Some(t) => Some(t),
            None => self.extensions.get::<T>(),
        }
    }

    /// Sets an attribute after start: the extension hears it, and the scope keeps it.
    pub(crate) fn set_attribute(&self, attribute: Attribute) {
        if let Some(ext) = self.extension() {
            ext.set_attribute(&attribute);
        }
        self.attributes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(attribute);
    }
}

thread_local! {
    static CURRENT: Cell<Option<Arc<ScopeData>>> = const { Cell::new(None) };
}

/// Swaps `slot` with the thread's current context. Two calls restore both sides exactly, with
/// no reference-count traffic. After thread-local teardown it does nothing.
#[inline]
pub(crate) fn swap_current(slot: &mut Context) {
    let _ = CURRENT.try_with(|c| {
        let previous = c.take();
        c.set(slot.0.take());
        slot.0 = previous;
    });
}

/// A cheap, `Send + Sync + Clone` snapshot of a scope: its ids, name, path, attributes and
/// extensions.
///
/// Cloning is one atomic increment. `Context::default()` is "no scope": no correlation id, an
/// empty path. Carry a snapshot by hand into another thread or task and make it current there
/// with [`attach`](Self::attach), [`wrap`](Self::wrap) or [`wrap_fn`](Self::wrap_fn).
#[derive(Clone, Default)]
pub struct Context(pub(crate) Option<Arc<ScopeData>>);

impl Context {
    /// No scope. `const`, so it never allocates.
    #[inline]
    pub const fn none() -> Self {
        Self(None)
    }

    /// A snapshot of the calling thread's current scope.
    pub fn current() -> Self {
        CURRENT
            .try_with(|c| {
                let v = c.take();
                let snapshot = v.clone();
                c.set(v);
                Self(snapshot)
            })
            .unwrap_or_default()
    }

    /// Runs `f` with the calling thread's current scope lent to it, without touching
    /// reference counts (where [`current`](Self::current) costs an atomic increment and a
    /// decrement): for implementations' per-call hot paths, such as a logger finding the
    /// current span.
    ///
    /// While `f` runs, the scope is lent out: the thread has no current scope, so
    /// `Context::current()` inside `f` returns none. `f` should only read `context`; scopes
    /// entered inside `f` are not children of it. The scope is put back afterwards, also if
    /// `f` panics.
    ///
    /// ```
    /// use telemetry_core::{Context, ScopeOptions};
    /// let scope = ScopeOptions::new("request").resolve().into_scope(None);
    /// let _entered = scope.enter();
    /// let name = Context::with_current(|cx| cx.name().map(str::to_owned));
    /// assert_eq!(name.as_deref(), Some("request"));
    /// assert_eq!(Context::current().name(), Some("request"));
    /// ```
    #[inline]
    pub fn with_current<R>(f: impl FnOnce(&Context) -> R) -> R {
        let mut lent = Context::none();
        let back = SwapGuard::enter(&mut lent);
        f(back.0)
    }

    /// Whether this is "no scope".
    #[inline]
    pub fn is_none(&self) -> bool {
        self.0.is_none()
    }

    /// The correlation id (the trace id), or `None` outside any scope.
    pub fn correlation_id(&self) -> Option<CorrelationId> {
        self.0.as_ref().map(|d| d.correlation_id)
    }

    /// This scope's span id.
    pub fn span_id(&self) -> Option<SpanId> {
        self.0.as_ref().map(|d| d.span_id)
    }

    /// The parent's span id: the enclosing scope's, or the remote caller's for a root that
    /// continues a remote trace. `None` for a local root.
    pub fn parent_span_id(&self) -> Option<SpanId> {
        let d = self.0.as_ref()?;
        d.parent
            .span_id()
            .or_else(|| d.remote_parent.as_ref().map(|r| r.span_id))
    }

    /// The scope's name.
    pub fn name(&self) -> Option<&str> {
        self.0.as_ref().map(|d| &*d.name)
    }

    /// The span kind the scope was opened with.
    pub fn kind(&self) -> Option<SpanKind> {
        self.0.as_ref().map(|d| d.kind)
    }

    /// The enclosing scope (`none` for a root).
    pub fn parent(&self) -> Context {
        self.0
            .as_ref()
            .map(|d| d.parent.clone())
            .unwrap_or_default()
    }

    /// The spans this scope links to ([`ScopeOptions::link`](crate::ScopeOptions::link)), in
    /// order; empty for a scope without links and outside any scope.
    pub fn links(&self) -> &[SpanLink] {
        self.0
            .as_ref()
            .and_then(|d| d.links.as_deref())
            .map_or(&[], Vec::as_slice)
    }

    /// The remote caller this trace continues, found on the root of the chain.
    pub fn remote_parent(&self) -> Option<&RemoteParent> {
        self.ancestors().find_map(|d| d.remote_parent.as_deref())
    }

    /// Whether the scope has ended. A snapshot may outlive its scope; children opened from it
    /// still link to it and carry its correlation id.
    pub fn has_ended(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|d| d.ended.load(Ordering::Acquire))
    }

    /// How many scopes enclose this one (a root has depth 0).
    pub fn depth(&self) -> usize {
        self.ancestors().count().saturating_sub(1)
    }

    /// The value of `key` on this scope or the nearest ancestor that has it: children inherit
    /// their parents' attributes and win on the same key.
    pub fn attribute(&self, key: &str) -> Option<AttributeValue> {
        self.ancestors().find_map(|d| {
            d.attributes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(key)
                .cloned()
        })
    }

    /// This scope's own attributes (not inherited ones), as given at open and set since.
    pub fn own_attributes(&self) -> AttributeSet {
        self.0
            .as_ref()
            .map(|d| {
                d.attributes
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone()
            })
            .unwrap_or_default()
    }

    /// This scope's typed values, to read or add to ([`Extensions`]); `None` outside any
    /// scope (and so always for NoOp, which records nothing).
    pub fn extensions(&self) -> Option<&Extensions> {
        self.0.as_ref().map(|d| &d.extensions)
    }

    /// This scope's value of type `T`: the implementation's own per-scope state (for example
    /// the OpenTelemetry span) when it is a `T`, else a `T` in its [`Extensions`].
    #[inline]
    pub fn extension<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.as_deref()?.extension_of::<T>()
    }

    /// The value of type `T` on this scope or the nearest ancestor that holds one, as
    /// [`extension`](Self::extension) reads it: how a layer finds the enclosing operation of
    /// its kind (a `chat` span its `invoke_agent`), on whatever thread the child runs.
    pub fn find_extension<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.ancestors().find_map(ScopeData::extension_of::<T>)
    }

    /// The outgoing `traceparent` for this scope, sampled unless the remote caller said not,
    /// with the caller's `random-trace-id` flag kept (W3C Trace Context Level 2 §3.2.2.5).
    pub fn traceparent(&self) -> Option<String> {
        let d = self.0.as_ref()?;
        let flags = match self.remote_parent() {
            Some(r) => r.outgoing_flags(r.sampled),
            None => FLAG_SAMPLED,
        };
        Some(format_traceparent_with_flags(
            d.correlation_id,
            d.span_id,
            flags,
        ))
    }

    /// Makes this snapshot current on this thread until the guard drops.
    ///
    /// The guard is `!Send`: it cannot be held across `.await`. In async code use
    /// [`wrap`](Self::wrap).
    pub fn attach(&self) -> ContextGuard {
        let mut previous = self.clone();
        swap_current(&mut previous);
        ContextGuard {
            previous: Some(previous),
            _not_send: PhantomData,
        }
    }

    /// A guard that changes nothing: entering the NoOp scope must not touch the thread-local.
    #[inline]
    pub(crate) fn inert_guard() -> ContextGuard {
        ContextGuard {
            previous: None,
            _not_send: PhantomData,
        }
    }

    /// This scope, then its parent, up to the root.
    pub(crate) fn ancestors(&self) -> impl Iterator<Item = &ScopeData> {
        std::iter::successors(self.0.as_deref(), |d| d.parent.0.as_deref())
    }

    #[inline]
    pub(crate) fn data(&self) -> Option<&ScopeData> {
        self.0.as_deref()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("Context(none)"),
            Some(d) => f
                .debug_struct("Context")
                .field("correlation_id", &d.correlation_id)
                .field("span_id", &d.span_id)
                .field("name", &d.name)
                .field("depth", &self.depth())
                .finish(),
        }
    }
}

/// Two snapshots are equal when they are the same scope.
impl PartialEq for Context {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Restores the previous context when dropped, including during a panic or an early return.
///
/// `!Send` on purpose: the thread-local it restores belongs to the thread that created it.
#[must_use = "the context is current only while the guard lives"]
pub struct ContextGuard {
    // `None` for the inert guard of a NoOp scope.
    previous: Option<Context>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ContextGuard {
    #[inline]
    fn drop(&mut self) {
        if let Some(previous) = &mut self.previous {
            swap_current(previous);
        }
    }
}

impl fmt::Debug for ContextGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContextGuard")
    }
}

/// Swaps a slot into the thread-local and back, also on unwind. Used around `poll`.
pub(crate) struct SwapGuard<'a>(pub(crate) &'a mut Context);

impl<'a> SwapGuard<'a> {
    #[inline]
    pub(crate) fn enter(slot: &'a mut Context) -> Self {
        swap_current(slot);
        Self(slot)
    }
}

impl Drop for SwapGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        swap_current(self.0);
    }
}

/// A link to this scope's span; `None` for a NoOp context.
impl LinkTarget for Context {
    fn link_ids(&self) -> Option<(CorrelationId, SpanId)> {
        self.correlation_id().zip(self.span_id())
    }
}
