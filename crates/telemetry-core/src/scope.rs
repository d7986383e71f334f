//! Scopes: opening, entering, instrumenting futures, failing and ending.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use crate::context::{ContextGuard, ScopeData, SwapGuard, set_attribute};
use crate::propagation::RemoteParent;
use crate::{Attribute, AttributeValue, Attributes, Context, CorrelationId, Key, SpanId};

/// The OpenTelemetry span kind of a scope (Trace API, *SpanKind*). Default `Internal`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// An operation inside the application.
    #[default]
    Internal,
    /// The server side of a synchronous remote call, such as an HTTP request.
    Server,
    /// The client side of a synchronous remote call.
    Client,
    /// The sender of an asynchronous message.
    Producer,
    /// The receiver of an asynchronous message.
    Consumer,
}

/// How a scope ended, as told to its [`ScopeExtension`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeEnd {
    /// The guard dropped, or the future completed, normally. The scope may still have been
    /// marked failed with [`Scope::record_error`].
    Completed,
    /// A panic unwound through the scope.
    Panicked,
    /// The future was dropped before it completed.
    Cancelled,
}

/// A scope that could not be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScopeError {
    /// The name was empty (or only white space).
    EmptyName,
}

impl fmt::Display for ScopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyName => f.write_str(
                "invalid scope name \"\": expected a non-empty name such as \"POST /v1/sessions\" \
                 or \"invoke_agent planner\"",
            ),
        }
    }
}

impl std::error::Error for ScopeError {}

/// An implementation's per-scope state and hooks, for example an OpenTelemetry span.
///
/// Implementations of [`ContextualCorrelator`](crate::ContextualCorrelator) attach one when they
/// build a scope with [`ResolvedScope::into_scope`]. Hooks run on the thread that calls them and
/// must not block.
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
    /// For [`Context::extension`].
    fn as_any(&self) -> &dyn Any;
}

#[derive(Clone, Debug, Default)]
enum ParentChoice {
    #[default]
    Current,
    Explicit(Context),
    Root(Option<CorrelationId>),
    // Boxed: `RemoteParent` is large and rare, and `ScopeOptions` moves on every scope.
    Remote(Box<RemoteParent>),
}

/// What to open: a name, attributes, a span kind and where the scope sits.
///
/// By default the scope is a child of the calling thread's current scope, or a root with a
/// fresh correlation id when there is none.
///
/// ```
/// use telemetry_core::{ScopeOptions, SpanKind, attrs};
/// let a = attrs!["http.route" => "/v1/sessions"];
/// let options = ScopeOptions::new("POST /v1/sessions").attributes(&a).kind(SpanKind::Server).root();
/// # let _ = options;
/// ```
#[derive(Clone, Debug)]
pub struct ScopeOptions<'a> {
    name: Cow<'static, str>,
    attributes: &'a [Attribute],
    kind: SpanKind,
    parent: ParentChoice,
}

impl<'a> ScopeOptions<'a> {
    /// A child of the current scope named `name`.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            attributes: &[],
            kind: SpanKind::Internal,
            parent: ParentChoice::Current,
        }
    }

    /// The scope's own attributes (inherited ones need not be repeated).
    pub fn attributes(mut self, attributes: &'a [Attribute]) -> Self {
        self.attributes = attributes;
        self
    }

    /// The span kind (default `Internal`).
    pub fn kind(mut self, kind: SpanKind) -> Self {
        self.kind = kind;
        self
    }

    /// A child of `parent` instead of the current scope; a root if `parent` is none.
    pub fn child_of(mut self, parent: &Context) -> Self {
        self.parent = ParentChoice::Explicit(parent.clone());
        self
    }

    /// A new root with a fresh random correlation id, whatever is current.
    pub fn root(mut self) -> Self {
        self.parent = ParentChoice::Root(None);
        self
    }

    /// A new root whose correlation id is `id`, for example a caller's trace id.
    pub fn root_with_id(mut self, id: CorrelationId) -> Self {
        self.parent = ParentChoice::Root(Some(id));
        self
    }

    /// A root that continues a remote trace: correlation id = the remote trace id, parent span
    /// = the remote span. `None` (no or invalid incoming header) opens a fresh root.
    pub fn remote_parent(mut self, remote: Option<RemoteParent>) -> Self {
        self.parent = match remote {
            Some(r) => ParentChoice::Remote(Box::new(r)),
            None => ParentChoice::Root(None),
        };
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Validates the options and picks the ids. For implementations of `open_scope`.
    ///
    /// # Errors
    /// [`ScopeError::EmptyName`] when the name is empty or white space.
    // Inline across crates: fused with `into_scope` in an implementation's `open_scope`, the
    // resolved scope is built in place instead of moved (about 160 bytes) twice.
    #[inline]
    pub fn resolve(self) -> Result<ResolvedScope<'a>, ScopeError> {
        if !is_valid_name(&self.name) {
            return Err(ScopeError::EmptyName);
        }
        let (parent, correlation_id, remote_parent) = match self.parent {
            ParentChoice::Current => {
                let parent = Context::current();
                let id = parent
                    .correlation_id()
                    .unwrap_or_else(CorrelationId::random);
                (parent, id, None)
            }
            ParentChoice::Explicit(parent) => {
                let id = parent
                    .correlation_id()
                    .unwrap_or_else(CorrelationId::random);
                (parent, id, None)
            }
            ParentChoice::Root(id) => (
                Context::none(),
                id.unwrap_or_else(CorrelationId::random),
                None,
            ),
            ParentChoice::Remote(r) => (Context::none(), r.trace_id, Some(*r)),
        };
        Ok(ResolvedScope {
            name: self.name,
            attributes: self.attributes,
            kind: self.kind,
            correlation_id,
            span_id: SpanId::random(),
            parent,
            remote_parent,
        })
    }
}

/// Whether `name` is non-empty after trimming white space. The common case, an ASCII
/// non-space first byte, skips the Unicode-aware trim.
#[inline]
pub(crate) fn is_valid_name(name: &str) -> bool {
    match name.as_bytes().first() {
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => true,
        Some(_) => !name.trim().is_empty(),
        None => false,
    }
}

/// Validated options with ids chosen; an implementation turns it into a [`Scope`].
#[derive(Debug)]
pub struct ResolvedScope<'a> {
    /// The non-empty name.
    pub name: Cow<'static, str>,
    /// The scope's own attributes.
    pub attributes: &'a [Attribute],
    /// The span kind.
    pub kind: SpanKind,
    /// The correlation id: the parent's, the given or remote one, or fresh for a root.
    pub correlation_id: CorrelationId,
    /// A fresh span id.
    pub span_id: SpanId,
    /// The local parent, `none` for a root.
    pub parent: Context,
    /// The remote caller, for a root that continues a remote trace.
    pub remote_parent: Option<RemoteParent>,
}

impl ResolvedScope<'_> {
    /// Builds the scope, attaching the implementation's extension (if any).
    #[inline]
    pub fn into_scope(self, extension: Option<Box<dyn ScopeExtension>>) -> Scope {
        // Most scopes open without attributes: skip the copy loop for them.
        let attributes = if self.attributes.is_empty() {
            Attributes::new()
        } else {
            Attributes::from(self.attributes)
        };
        // Allocate first, then write the fields into the allocation: `Arc::new(value)` builds
        // the value on the stack and copies it (a `memcpy` call per scope), and
        // `Arc::get_mut` would cost a locked compare-exchange.
        let slot = Arc::<ScopeData>::new_uninit();
        let value = ScopeData {
            name: self.name,
            correlation_id: self.correlation_id,
            span_id: self.span_id,
            kind: self.kind,
            parent: self.parent,
            remote_parent: self.remote_parent.map(Box::new),
            attributes: Mutex::new(attributes),
            extension,
            ended: AtomicBool::new(false),
        };
        // SAFETY: `slot` is the only handle to a fresh allocation, so nothing else can read or
        // write it; `Arc::as_ptr` points at its (uninitialised) value, which `write` fills
        // without reading or dropping the old contents, after which it is initialised.
        let data = unsafe {
            Arc::as_ptr(&slot)
                .cast::<ScopeData>()
                .cast_mut()
                .write(value);
            slot.assume_init()
        };
        Scope {
            context: Context(Some(data)),
        }
    }
}

/// An open scope, owned: it ends when dropped (or with [`end`](Self::end)).
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
        ScopeGuard {
            _current: self.enter(),
            scope: self,
        }
    }

    /// Sets an attribute after opening, for example a response status or token usage.
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl Into<AttributeValue>) {
        if let Some(d) = self.context.data() {
            set_attribute(d, Attribute::new(key, value));
        }
    }

    /// Marks the scope failed. `error_type` should be low-cardinality, as the `error.type`
    /// convention requires (an exception type name, an HTTP status, `timeout`, …).
    pub fn record_error(&self, error_type: &str, message: &str) {
        if let Some(ext) = self.context.data().and_then(|d| d.extension.as_ref()) {
            ext.record_error(error_type, message);
        }
    }

    /// Ends the scope now, as [`ScopeEnd::Completed`].
    pub fn end(self) {}

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
    /// an extension to tell. Without one, a plain store suffices: a scope is owned, so only
    /// its owner ends it, and the atomic swap (a locked instruction) is kept for the case
    /// where it guards the extension's single `end` call.
    #[inline]
    fn end_lazily(&mut self, how: impl FnOnce() -> ScopeEnd) {
        if let Some(d) = self.context.data() {
            match &d.extension {
                Some(ext) => {
                    if !d.ended.swap(true, Ordering::AcqRel) {
                        ext.end(how());
                    }
                }
                None => d.ended.store(true, Ordering::Release),
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
    // Field order is drop order: restore the previous context, then end the scope.
    _current: ContextGuard,
    scope: Scope,
}

impl ScopeGuard {
    /// The scope, to set attributes or record an error.
    pub fn scope(&self) -> &Scope {
        &self.scope
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
    use std::sync::atomic::AtomicUsize;

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
            .unwrap()
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
        let scope = ScopeOptions::new("plain")
            .resolve()
            .unwrap()
            .into_scope(None);
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

    #[test]
    fn empty_names_are_rejected_with_a_clear_error() {
        for bad in ["", "   ", "\u{3000}"] {
            let e = ScopeOptions::new(bad).resolve().unwrap_err();
            assert!(e.to_string().contains("expected a non-empty name"));
        }
        assert!(ScopeOptions::new("é").resolve().is_ok());
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
