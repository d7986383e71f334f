//! [`Scope`]: an open scope, owned; [`ScopeGuard`]: a current scope; [`Instrumented`]: a
//! future inside a scope. Entering, failing and ending.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::Poll;

use crate::attributes::attribute::Attribute;
use crate::attributes::attribute::AttributeValue;
use crate::attributes::attribute::Key;
use crate::ids::CorrelationId;
use crate::scope::context::Context;
use crate::scope::context::ContextGuard;
use crate::scope::context::ScopeData;
use crate::scope::context::SwapGuard;
use crate::scope::context::swap_current;
use crate::scope::scope_extension::ScopeEnd;

/// An open scope, owned: it ends when dropped (or with [`end_as`](Self::end_as)).
///
/// Opening does not make it current. Use [`enter`](Self::enter) or [`entered`](Self::entered)
/// in synchronous code and [`instrument`](Self::instrument) for a future. A panic unwinding
/// through the owner ends the scope as [`ScopeEnd::Panicked`].
///
/// The NoOp scope holds nothing and costs nothing.
#[must_use = "a scope ends as soon as it is dropped"]
pub struct Scope {
    context: Context,
}

impl Scope {
    /// The scope that records nothing. `const`, allocation-free.
    #[inline]
    pub const fn noop() -> Self {
        Self {
            context: Context::none(),
        }
    }

    /// The scope of `context`, owned: built by [`ResolvedScope`](crate::implement::ResolvedScope).
    #[inline]
    pub(crate) fn from_context(context: Context) -> Self {
        Self { context }
    }

    /// A snapshot, to carry into other tasks and threads or to open children from.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The correlation id; `None` only for the NoOp scope.
    pub fn correlation_id(&self) -> Option<CorrelationId> {
        self.context.correlation_id()
    }

    /// Makes the scope current until the guard drops. The scope stays open after that.
    #[inline]
    pub fn enter(&self) -> ContextGuard {
        if self.context.is_none() {
            return Context::inert_guard();
        }
        self.context.attach()
    }

    /// Makes the scope current and ends it when the returned guard drops.
    #[inline]
    pub fn entered(self) -> ScopeGuard {
        // The NoOp scope leaves the thread-local alone.
        let previous = if self.context.is_none() {
            None
        } else {
            let mut previous = self.context.clone();
            swap_current(&mut previous);
            Some(previous)
        };
        ScopeGuard {
            previous: ManuallyDrop::new(previous),
            scope: ManuallyDrop::new(self),
            _not_send: PhantomData,
        }
    }

    /// Sets an attribute after opening, for example a response status or token usage.
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl Into<AttributeValue>) {
        if let Some(d) = self.context.data() {
            d.set_attribute(Attribute::new(key, value));
        }
    }

    /// Marks the scope failed. `error_type` should be low-cardinality, as the `error.type`
    /// convention requires (an exception type name, an HTTP status, `timeout`, …).
    pub fn record_error(&self, error_type: &str, message: &str) {
        if let Some(ext) = self.context.data().and_then(ScopeData::extension) {
            ext.record_error(error_type, message);
        }
    }

    /// Ends the scope now with an explicit outcome, for owners that know better than drop
    /// does: a stream adapter dropped before its end, or a server whose client went away
    /// ([`ScopeEnd::Cancelled`]). Later drops do nothing.
    pub fn end_as(mut self, how: ScopeEnd) {
        self.end_with(how);
    }

    /// Runs `future` with this scope current whenever it is polled; the scope ends when the
    /// future completes ([`ScopeEnd::Completed`]), is dropped first ([`ScopeEnd::Cancelled`])
    /// or panics ([`ScopeEnd::Panicked`]).
    #[inline]
    pub fn instrument<F: Future>(self, future: F) -> Instrumented<F> {
        Instrumented {
            scope: self,
            future,
        }
    }

    fn end_with(&mut self, how: ScopeEnd) {
        self.end_lazily(|| how);
    }

    /// Marks the scope ended and tells the extension how, computing `how` only when there is
    /// an extension to tell. A plain load and store suffice (no locked read-modify-write):
    /// only the owner ends a scope, through `&mut self`, so two ends never race; snapshots
    /// only read the flag.
    #[inline]
    fn end_lazily(&mut self, how: impl FnOnce() -> ScopeEnd) {
        if let Some(d) = self.context.data() {
            if d.ended.load(Ordering::Acquire) {
                return;
            }
            d.ended.store(true, Ordering::Release);
            if let Some(ext) = d.extension() {
                ext.end(how());
            }
        }
    }
}

impl Drop for Scope {
    #[inline]
    fn drop(&mut self) {
        // The NoOp scope has nothing to end: keep its drop to one branch.
        if self.context.0.is_some() {
            self.end_on_drop();
        }
    }
}

impl Scope {
    #[inline(never)]
    fn end_on_drop(&mut self) {
        self.end_lazily(|| {
            if std::thread::panicking() {
                ScopeEnd::Panicked
            } else {
                ScopeEnd::Completed
            }
        });
    }
}

impl fmt::Debug for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Scope").field(&self.context).finish()
    }
}

/// A current scope that ends when dropped: the previous context is restored first, then the
/// scope ends. Also on panic and early return. `!Send`: do not hold it across `.await`; use
/// [`Scope::instrument`] there.
#[must_use = "the scope ends as soon as the guard is dropped"]
pub struct ScopeGuard {
    // `ManuallyDrop` so that the guard's only drop code is `Drop::drop` below: for the NoOp
    // scope a single inlined branch, where field drop glue was an out-of-line call per guard.
    /// The context to restore; `None` for the NoOp scope, which attached nothing.
    previous: ManuallyDrop<Option<Context>>,
    scope: ManuallyDrop<Scope>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ScopeGuard {
    #[inline]
    fn drop(&mut self) {
        if self.scope.context.is_none() {
            // The NoOp scope: nothing attached (`previous` is `None`), nothing to end.
            return;
        }
        self.restore_and_end();
    }
}

impl ScopeGuard {
    fn restore_and_end(&mut self) {
        if let Some(previous) = &mut *self.previous {
            swap_current(previous);
        }
        // SAFETY: called once, from `drop`; neither field is used afterwards. Restore first,
        // then end: the scope is no longer current when its extension hears it ended.
        unsafe {
            ManuallyDrop::drop(&mut self.previous);
            ManuallyDrop::drop(&mut self.scope);
        }
    }
}

impl std::ops::Deref for ScopeGuard {
    type Target = Scope;
    fn deref(&self) -> &Scope {
        &self.scope
    }
}

impl fmt::Debug for ScopeGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ScopeGuard").field(&self.scope).finish()
    }
}

pin_project_lite::pin_project! {
    /// A future that runs inside a scope it owns. See [`Scope::instrument`].
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<F> {
        scope: Scope,
        #[pin]
        future: F,
    }

    impl<F> PinnedDrop for Instrumented<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let how = if std::thread::panicking() {
                ScopeEnd::Panicked
            } else {
                ScopeEnd::Cancelled
            };
            // Completed futures already ended their scope, so this is a no-op for them.
            this.scope.end_with(how);
        }
    }
}

impl<F> Instrumented<F> {
    /// The scope the future runs in.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        if this.scope.context.is_none() {
            return this.future.poll(cx);
        }
        let swap = SwapGuard::enter(&mut this.scope.context);
        let out = this.future.poll(cx);
        drop(swap);
        if out.is_ready() {
            this.scope.end_with(ScopeEnd::Completed);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::any::Any;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Mutex};

    use crate::scope::options::ScopeOptions;
    use crate::scope::scope_extension::ScopeExtension;

    struct Recorder(Arc<Mutex<Vec<ScopeEnd>>>);
    impl ScopeExtension for Recorder {
        fn end(&self, how: ScopeEnd) {
            self.0.lock().unwrap().push(how);
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn recorded_scope(name: &'static str) -> (Scope, Arc<Mutex<Vec<ScopeEnd>>>) {
        let ends = Arc::new(Mutex::new(Vec::new()));
        let scope = ScopeOptions::new(name)
            .resolve()
            .into_scope(Some(Box::new(Recorder(ends.clone()))));
        (scope, ends)
    }

    #[test]
    fn end_as_reports_the_given_outcome_once() {
        let (scope, ends) = recorded_scope("stream");
        scope.end_as(ScopeEnd::Cancelled);
        assert_eq!(*ends.lock().unwrap(), [ScopeEnd::Cancelled]);
    }

    #[test]
    fn instrumented_future_ends_completed_or_cancelled() {
        let (scope, ends) = recorded_scope("done");
        let polls = AtomicUsize::new(0);
        let fut = scope.instrument(async {
            polls.fetch_add(1, Ordering::Relaxed);
            Context::current().name().map(str::to_owned)
        });
        let name = futures_lite_block_on(fut);
        assert_eq!(name.as_deref(), Some("done"));
        assert_eq!(*ends.lock().unwrap(), [ScopeEnd::Completed]);

        let (scope, ends) = recorded_scope("dropped");
        drop(scope.instrument(std::future::pending::<()>()));
        assert_eq!(*ends.lock().unwrap(), [ScopeEnd::Cancelled]);
    }

    #[test]
    fn a_scope_without_extension_is_marked_ended_when_it_drops() {
        let scope = ScopeOptions::new("plain").resolve().into_scope(None);
        let snapshot = scope.context().clone();
        assert!(!snapshot.has_ended());
        drop(scope.entered());
        assert!(snapshot.has_ended());
        let (scope, ends) = recorded_scope("with extension");
        let snapshot = scope.context().clone();
        drop(scope);
        assert!(snapshot.has_ended());
        assert_eq!(*ends.lock().unwrap(), [ScopeEnd::Completed]);
    }

    /// The edge `ScopeGuard`'s `ManuallyDrop` fields guard: the previous context is restored
    /// before the scope ends (so the extension never sees its own scope current as it ends),
    /// on a normal drop and on unwind, and both fields are dropped exactly once.
    #[test]
    fn a_guard_restores_the_previous_context_before_its_scope_ends() {
        type Seen = Arc<Mutex<Vec<(ScopeEnd, Option<String>)>>>;
        struct SeesCurrent(Seen);
        impl ScopeExtension for SeesCurrent {
            fn end(&self, how: ScopeEnd) {
                let current = Context::current().name().map(str::to_owned);
                self.0.lock().unwrap().push((how, current));
            }
            fn as_any(&self) -> &dyn Any {
                self
            }
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let outer = ScopeOptions::new("outer").resolve().into_scope(None);
        let _outer = outer.enter();
        let open = |name: &'static str| {
            ScopeOptions::new(name)
                .resolve()
                .into_scope_with(|_| SeesCurrent(seen.clone()))
        };
        let inner = open("inner").entered();
        let snapshot = inner.context().clone();
        assert_eq!(Context::current().name(), Some("inner"));
        drop(inner);
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _inner = open("panicking").entered();
            panic!("inside the scope");
        }));
        assert!(unwound.is_err());
        assert_eq!(
            *seen.lock().unwrap(),
            [
                (ScopeEnd::Completed, Some("outer".to_owned())),
                (ScopeEnd::Panicked, Some("outer".to_owned())),
            ]
        );
        assert_eq!(Context::current().name(), Some("outer"));
        // Only the snapshot holds the ended scope now: the guard dropped its own reference.
        assert_eq!(Arc::strong_count(snapshot.0.as_ref().unwrap()), 1);
        // The extension (and its clone of `seen`) is freed with the last reference.
        drop(snapshot);
        assert_eq!(Arc::strong_count(&seen), 1);
    }

    fn futures_lite_block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }
}
