//! Scopes: opening, entering, instrumenting futures, failing and ending.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;

use crate::context::{
    ContextGuard, ScopeAttributes, ScopeData, SwapGuard, extend_unique, set_attribute, swap_current,
};
use crate::propagation::RemoteParent;
use crate::{Attribute, AttributeValue, Context, CorrelationId, Key, SpanId};

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

    /// Validates the name and drops the options, for correlators that record nothing.
    ///
    /// A parent that holds nothing (the default, or a root) is forgotten rather than dropped:
    /// the options' drop glue is an out-of-line call, and NoOp scopes must cost nothing.
    #[inline]
    pub(crate) fn discard(self) -> Result<(), ScopeError> {
        // The common case, a literal name and no parent to release, has nothing to drop and
        // calls nothing, so a NoOp `open_scope` stays a leaf function (no saved registers).
        if let Cow::Borrowed(name) = &self.name {
            if name.as_bytes().first().is_some_and(u8::is_ascii_graphic)
                && matches!(self.parent, ParentChoice::Current | ParentChoice::Root(_))
            {
                std::mem::forget(self);
                return Ok(());
            }
        }
        self.discard_slowly()
    }

    #[cold]
    #[inline(never)]
    fn discard_slowly(self) -> Result<(), ScopeError> {
        let valid = is_valid_name(&self.name);
        drop(self);
        if valid {
            Ok(())
        } else {
            Err(ScopeError::EmptyName)
        }
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
    ///
    /// A boxed extension costs a second allocation; prefer
    /// [`into_scope_with`](Self::into_scope_with), which stores it inside the scope's own.
    #[inline]
    pub fn into_scope(self, extension: Option<Box<dyn ScopeExtension>>) -> Scope {
        match extension {
            None => self.build(|_| NoExtension, false),
            Some(extension) => self.build(move |_| extension, true),
        }
    }

    /// Builds the scope with `make`'s extension stored inside the scope's allocation: one
    /// allocation per scope. `make` runs before the other fields are built, so its result is
    /// written straight into place. It sees the resolved scope with the attributes as the
    /// scope keeps them: later keys replace earlier ones, and owned strings are already
    /// shared (`StringValue::Shared`), so handing them on (to a span) copies no text.
    #[inline]
    pub fn into_scope_with<E: ScopeExtension>(
        self,
        make: impl FnOnce(&ResolvedScope<'_>) -> E,
    ) -> Scope {
        self.build(make, true)
    }

    #[inline(always)]
    fn build<E: ScopeExtension>(
        self,
        make: impl FnOnce(&ResolvedScope<'_>) -> E,
        has_extension: bool,
    ) -> Scope {
        /// Drops the attribute list already written if `make` unwinds (the allocation itself
        /// is then freed as uninitialised memory).
        struct DropOnUnwind(*mut Mutex<ScopeAttributes>);
        impl Drop for DropOnUnwind {
            fn drop(&mut self) {
                // SAFETY: armed only while the field is initialised and nothing else owns it.
                unsafe { std::ptr::drop_in_place(self.0) }
            }
        }
        // Allocate first and write each field into the allocation: `Arc::new(value)` builds
        // the value on the stack and copies it (a `memcpy` of the extension, for OpenTelemetry
        // an SDK span of several hundred bytes), and `Arc::get_mut` would cost a locked
        // compare-exchange.
        let slot = Arc::<ScopeData<E>>::new_uninit();
        let p = Arc::as_ptr(&slot).cast::<ScopeData<E>>().cast_mut();
        // SAFETY: `slot` is the only handle to a fresh allocation, so nothing else reads or
        // writes it. Each `write` fills one field of the uninitialised value through a raw
        // pointer, without reading or dropping old contents. Every field is written exactly
        // once before `assume_init`. If `make` panics, the guard drops the one field written
        // so far and `slot` is freed as uninitialised memory.
        unsafe {
            // Filled in place: building the list and moving it in would copy its inline
            // storage (4 attributes, ~230 bytes).
            let attributes = &raw mut (*p).attributes;
            attributes.write(Mutex::new(ScopeAttributes::new()));
            // A reference to the field alone, which is initialised (the rest is not yet).
            let list = (*attributes).get_mut().unwrap_or_else(|e| e.into_inner());
            if !self.attributes.is_empty() {
                extend_unique(list, self.attributes);
            }
            let guard = DropOnUnwind(attributes);
            // Only the attribute slice is swapped; the other fields stay where they are (an
            // update-syntax copy measurably slowed Basic's scope). `make` is higher-ranked over
            // the view's lifetime, so it cannot keep the borrowed list.
            let mut view = self;
            view.attributes = list.as_slice();
            (&raw mut (*p).extension).write(make(&view));
            std::mem::forget(guard);
            (&raw mut (*p).has_extension).write(has_extension);
            (&raw mut (*p).name).write(view.name);
            (&raw mut (*p).correlation_id).write(view.correlation_id);
            (&raw mut (*p).span_id).write(view.span_id);
            (&raw mut (*p).kind).write(view.kind);
            (&raw mut (*p).parent).write(view.parent);
            (&raw mut (*p).remote_parent).write(view.remote_parent.map(Box::new));
            (&raw mut (*p).ended).write(AtomicBool::new(false));
            let data: Arc<ScopeData<E>> = slot.assume_init();
            Scope {
                context: Context(Some(data)),
            }
        }
    }
}

/// The extension of scopes built without one; its hooks are never called.
struct NoExtension;

impl ScopeExtension for NoExtension {
    fn end(&self, _how: ScopeEnd) {}
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A boxed extension forwards every hook, and [`Context::extension`] finds the boxed type.
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
            set_attribute(d, Attribute::new(key, value));
        }
    }

    /// Marks the scope failed. `error_type` should be low-cardinality, as the `error.type`
    /// convention requires (an exception type name, an HTTP status, `timeout`, …).
    pub fn record_error(&self, error_type: &str, message: &str) {
        if let Some(ext) = self.context.data().and_then(ScopeData::extension) {
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
    use std::panic::AssertUnwindSafe;
    use std::sync::atomic::AtomicUsize;

    use crate::StringValue;

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
    fn an_extension_is_built_from_the_scopes_own_deduplicated_shared_attributes() {
        let given = [
            Attribute::new("url.path", String::from("/v1/a")),
            Attribute::new("http.request.method", "POST"),
            Attribute::new("url.path", String::from("/v1/b")),
        ];
        let mut seen = None;
        let scope = ScopeOptions::new("request")
            .attributes(&given)
            .resolve()
            .unwrap()
            .into_scope_with(|r| {
                seen = Some(r.attributes.to_vec());
                Recorder(Arc::default())
            });
        let seen = seen.unwrap();
        // Later keys replace earlier ones, in the first one's place.
        let keys: Vec<&str> = seen.iter().map(|a| &*a.key).collect();
        assert_eq!(keys, ["url.path", "http.request.method"]);
        // The owned text was shared once: the extension's copy is the scope's own.
        let (
            AttributeValue::String(StringValue::Shared(made)),
            Some(AttributeValue::String(StringValue::Shared(kept))),
        ) = (&seen[0].value, scope.context().attribute("url.path"))
        else {
            panic!("owned strings are shared: {seen:?}");
        };
        assert_eq!(&**made, "/v1/b");
        assert!(Arc::ptr_eq(made, &kept));
    }

    #[test]
    fn a_panicking_extension_builder_drops_the_attributes_it_was_shown() {
        let shared: Arc<str> = Arc::from("gpt-4o");
        let given = [Attribute::new("gen_ai.request.model", shared.clone())];
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            ScopeOptions::new("chat")
                .attributes(&given)
                .resolve()
                .unwrap()
                .into_scope_with(|_| -> Recorder { panic!("extension failed") })
        }));
        assert!(outcome.is_err());
        // `given` and `shared` remain: the scope's copy was dropped, not leaked.
        assert_eq!(Arc::strong_count(&shared), 2);
    }

    #[test]
    fn an_inline_extension_is_found_told_once_and_dropped_with_the_scope() {
        let ends = Arc::new(Mutex::new(Vec::new()));
        let scope = ScopeOptions::new("inline")
            .resolve()
            .unwrap()
            .into_scope_with(|r| {
                assert_eq!(r.name, "inline");
                Recorder(ends.clone())
            });
        let snapshot = scope.context().clone();
        assert!(snapshot.extension::<Recorder>().is_some());
        assert!(snapshot.extension::<String>().is_none());
        drop(scope.entered());
        assert_eq!(*ends.lock().unwrap(), [ScopeEnd::Completed]);
        // The snapshot keeps the extension alive; dropping it frees the last reference.
        assert_eq!(Arc::strong_count(&ends), 2);
        drop(snapshot);
        assert_eq!(Arc::strong_count(&ends), 1);

        let plain = ScopeOptions::new("plain")
            .resolve()
            .unwrap()
            .into_scope(None);
        assert!(plain.context().extension::<Recorder>().is_none());
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
