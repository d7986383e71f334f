//! The current-scope context: a thread-local slot, snapshots of it, and carriers that make a
//! snapshot current inside a future, closure or thread.
//!
//! One slot per thread serves every correlator, like OpenTelemetry's `Context`: scopes from the
//! Basic and OpenTelemetry implementations nest the same way, and a library that carries a
//! [`Context`] across a boundary works with all of them.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use crate::propagation::{RemoteParent, format_traceparent};
use crate::scope::{ScopeExtension, SpanKind};
use smallvec::SmallVec;

use crate::{Attribute, AttributeValue, Attributes, CorrelationId, SpanId, StringValue};

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
    pub(crate) attributes: Mutex<ScopeAttributes>,
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
}

/// A scope's own attributes, kept inline up to 4, so copying them usually costs no allocation.
/// Keys are unique, the last write winning. (Room for 8, which HTTP server and GenAI spans
/// would fill, cost the Basic scope 4 ns in its benchmark, more than the one reallocation it
/// saves those spans.)
pub(crate) type ScopeAttributes = SmallVec<[Attribute; 4]>;

/// Appends copies of `attributes`, later keys replacing earlier ones.
///
/// An owned string is copied into an `Arc<str>` (the same one allocation as copying the
/// `String`), so that an implementation handing the scope's attributes on, such as the
/// OpenTelemetry span, shares the text instead of copying it a second time.
#[inline]
pub(crate) fn extend_unique(list: &mut ScopeAttributes, attributes: &[Attribute]) {
    for a in attributes {
        let copy = match &a.value {
            AttributeValue::String(StringValue::Owned(s)) => Attribute {
                key: a.key.clone(),
                value: AttributeValue::String(StringValue::Shared(Arc::from(s.as_str()))),
            },
            _ => a.clone(),
        };
        push_unique(list, copy);
    }
}

fn push_unique(list: &mut ScopeAttributes, attribute: Attribute) {
    match list.iter_mut().find(|a| a.key == attribute.key) {
        Some(existing) => existing.value = attribute.value,
        None => list.push(attribute),
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

/// A cheap, `Send + Sync + Clone` snapshot of a scope: its ids, name, path and attributes.
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
    /// let scope = ScopeOptions::new("request").resolve()?.into_scope(None);
    /// let _entered = scope.enter();
    /// let name = Context::with_current(|cx| cx.name().map(str::to_owned));
    /// assert_eq!(name.as_deref(), Some("request"));
    /// assert_eq!(Context::current().name(), Some("request"));
    /// # Ok::<(), telemetry_core::ScopeError>(())
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

    /// The remote caller this trace continues, found on the root of the chain.
    pub fn remote_parent(&self) -> Option<&RemoteParent> {
        let mut d = self.0.as_deref()?;
        loop {
            if let Some(r) = &d.remote_parent {
                return Some(r);
            }
            d = d.parent.0.as_deref()?;
        }
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

    /// The scope names from the root down to this scope.
    pub fn path(&self) -> ScopePath<'_> {
        ScopePath(self.0.as_deref())
    }

    /// The value of `key` on this scope or the nearest ancestor that has it: children inherit
    /// their parents' attributes and win on the same key.
    pub fn attribute(&self, key: &str) -> Option<AttributeValue> {
        self.ancestors().find_map(|d| {
            d.attributes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .find(|a| a.key == key)
                .map(|a| a.value.clone())
        })
    }

    /// All attributes visible in this scope, inherited ones first, with children winning.
    pub fn inherited_attributes(&self) -> Attributes {
        let chain: Vec<&ScopeData> = self.ancestors().collect();
        let mut out = Attributes::new();
        for d in chain.into_iter().rev() {
            out.extend_from_slice(&d.attributes.lock().unwrap_or_else(|p| p.into_inner()));
        }
        out
    }

    /// This scope's own attributes (not inherited ones).
    pub fn own_attributes(&self) -> Attributes {
        self.0
            .as_ref()
            .map(|d| Attributes::from(&d.attributes.lock().unwrap_or_else(|p| p.into_inner())[..]))
            .unwrap_or_default()
    }

    /// The implementation's per-scope data, for example the OpenTelemetry span.
    pub fn extension<T: 'static>(&self) -> Option<&T> {
        self.0.as_ref()?.extension()?.as_any().downcast_ref::<T>()
    }

    /// The outgoing `traceparent` for this scope, sampled unless the remote caller said not.
    pub fn traceparent(&self) -> Option<String> {
        let d = self.0.as_ref()?;
        let sampled = self.remote_parent().is_none_or(|r| r.sampled);
        Some(format_traceparent(d.correlation_id, d.span_id, sampled))
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

    /// Wraps a future so that this snapshot is current whenever it is polled, on whichever
    /// thread polls it. Use it to carry a scope into `tokio::spawn` or `spawn_blocking`.
    pub fn wrap<F: Future>(self, future: F) -> WithContext<F> {
        WithContext {
            context: self,
            future,
        }
    }

    /// Wraps a closure so that this snapshot is current while it runs; for `std::thread::spawn`
    /// and thread pools.
    pub fn wrap_fn<R, F: FnOnce() -> R>(self, f: F) -> impl FnOnce() -> R {
        move || {
            let _guard = self.attach();
            f()
        }
    }

    /// Runs `f` with this snapshot current.
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.attach();
        f()
    }

    pub(crate) fn ancestors(&self) -> impl Iterator<Item = &ScopeData> {
        std::iter::successors(self.0.as_deref(), |d| d.parent.0.as_deref())
    }

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
                .field("path", &self.path().to_string())
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

/// The names of the scopes from the root down to one scope.
///
/// Displays as `root > child > leaf`. Does not allocate unless collected.
#[derive(Clone, Copy)]
pub struct ScopePath<'a>(Option<&'a ScopeData>);

impl<'a> ScopePath<'a> {
    /// Calls `f` with each name, root first, without allocating.
    pub fn for_each(&self, mut f: impl FnMut(&'a str)) {
        fn walk<'a>(d: &'a ScopeData, f: &mut dyn FnMut(&'a str)) {
            if let Some(p) = d.parent.0.as_deref() {
                walk(p, f);
            }
            f(&d.name);
        }
        if let Some(d) = self.0 {
            walk(d, &mut f);
        }
    }

    /// The names, root first.
    pub fn to_vec(&self) -> Vec<&'a str> {
        let mut v = Vec::new();
        self.for_each(|n| v.push(n));
        v
    }

    /// Whether there is no scope.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl fmt::Display for ScopePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut result = Ok(());
        self.for_each(|name| {
            if result.is_ok() {
                result = if first {
                    f.write_str(name)
                } else {
                    write!(f, " > {name}")
                };
                first = false;
            }
        });
        result
    }
}

impl fmt::Debug for ScopePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
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

pin_project_lite::pin_project! {
    /// A future that runs with a [`Context`] current whenever it is polled. See
    /// [`Context::wrap`].
    #[must_use = "futures do nothing unless polled"]
    pub struct WithContext<F> {
        context: Context,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for WithContext<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let swap = SwapGuard::enter(this.context);
        let out = this.future.poll(cx);
        drop(swap);
        out
    }
}

/// Swaps a slot into the thread-local and back, also on unwind. Used around `poll`.
pub(crate) struct SwapGuard<'a>(&'a mut Context);

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

/// A helper for implementations: the attributes of a scope, to mutate after start.
pub(crate) fn set_attribute(data: &ScopeData, attribute: Attribute) {
    if let Some(ext) = data.extension() {
        ext.set_attribute(&attribute);
    }
    push_unique(
        &mut data.attributes.lock().unwrap_or_else(|p| p.into_inner()),
        attribute,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_copies_share_owned_strings_and_keep_keys_unique() {
        let mut list = ScopeAttributes::new();
        let given = [
            Attribute::new("url.path", String::from("/v1/sessions")),
            Attribute::new("http.request.method", "POST"),
            Attribute::new("url.path", String::from("/v1/sessions/1")),
        ];
        extend_unique(&mut list, &given);
        assert_eq!(list.len(), 2);
        // The copy is shared (later copies are reference-count increments), the text intact.
        assert!(matches!(
            &list[0].value,
            AttributeValue::String(StringValue::Shared(s)) if &**s == "/v1/sessions/1"
        ));
        assert!(matches!(
            &list[1].value,
            AttributeValue::String(StringValue::Static("POST"))
        ));
    }
}
