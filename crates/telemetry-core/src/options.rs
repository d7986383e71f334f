//! [`ScopeOptions`]: what to open; [`ResolvedScope`]: the options with their ids chosen, which
//! an implementation turns into a [`Scope`].
//!
//! Ids are chosen here, in the core, not by each implementation: a scope's correlation id must
//! be known before any implementation sees it (a root given an explicit id, a remote caller's
//! trace), and the Basic implementation needs ids without any SDK. An implementation that
//! records spans makes them carry these ids (the OpenTelemetry one through its SDK id
//! generator), so the correlation id is the trace id everywhere.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use crate::context::ScopeData;
use crate::link::{LinkTarget, SpanLink};
use crate::propagation::RemoteParent;
use crate::scope::Scope;
use crate::scope_extension::{NoExtension, Observed, ScopeExtension, ScopeObserver};
use crate::{Attribute, AttributeSet, Context, CorrelationId, Extensions, SpanId, SpanKind};

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
#[derive(Clone)]
pub struct ScopeOptions<'a> {
    name: Cow<'static, str>,
    attributes: &'a [Attribute],
    kind: SpanKind,
    parent: ParentChoice,
    // Boxed and `None` unless links are given: scopes without links move one word more (a
    // `Vec` would be three).
    #[allow(clippy::box_collection)]
    links: Option<Box<Vec<SpanLink>>>,
    observer: Option<Arc<dyn ScopeObserver>>,
}

impl<'a> ScopeOptions<'a> {
    /// A child of the current scope named `name`.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            attributes: &[],
            kind: SpanKind::Internal,
            parent: ParentChoice::Current,
            links: None,
            observer: None,
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

    /// Adds a link to `to` (a [`Context`], a remote parent, or a trace id and span id),
    /// described by `attributes`; a target without ids (`Context::none()`) adds nothing.
    /// See [`SpanLink`] for when a link is right rather than a parent.
    ///
    /// ```
    /// use telemetry_core::{ContextualCorrelator, ScopeOptions, attrs};
    /// # use telemetry_core::implement::ResolvedScope;
    /// # struct C; impl ContextualCorrelator for C { fn open_scope(&self, o: ScopeOptions<'_>) -> telemetry_core::Scope { o.resolve().into_scope(None) } }
    /// let (a, b) = (C.open_scope(ScopeOptions::new("map 0").root()), C.open_scope(ScopeOptions::new("map 1").root()));
    /// let reduce = C.open_scope(
    ///     ScopeOptions::new("reduce")
    ///         .root()
    ///         .link(a.context(), &attrs!["task.index" => 0])
    ///         .link(b.context(), &attrs!["task.index" => 1]),
    /// );
    /// assert_eq!(reduce.context().links().len(), 2);
    /// assert_eq!(reduce.context().links()[1].trace_id, b.correlation_id().unwrap());
    /// ```
    pub fn link(mut self, to: impl LinkTarget, attributes: &[Attribute]) -> Self {
        if let Some((trace_id, span_id)) = to.link_ids() {
            self.links
                .get_or_insert_default()
                .push(SpanLink::new(trace_id, span_id, attributes));
        }
        self
    }

    /// Lets `observer` watch the scope: when it opens, `observer` makes a [`ScopeExtension`]
    /// that hears the scope's later attributes, error and end alongside the implementation's
    /// own (for example a local span recorder next to OpenTelemetry). For correlators that wrap
    /// another; given twice, both observers watch. Implementations need do nothing: it takes
    /// effect in [`ResolvedScope::into_scope_with`] and [`ResolvedScope::into_scope`]. A
    /// correlator that records nothing (NoOp) ignores it.
    pub fn observe(mut self, observer: Arc<dyn ScopeObserver>) -> Self {
        self.observer = Some(match self.observer.take() {
            None => observer,
            Some(first) => Arc::new(crate::scope_extension::BothObservers(first, observer)),
        });
        self
    }

    /// Puts the baggage entries named in `keys` that the new scope inherits (from its parent
    /// scope, or its remote caller) before its own attributes, in `buf`, so the scope's own
    /// attributes win. For correlators that copy baggage onto attributes
    /// ([`BaggageAttributes`](crate::BaggageAttributes)); no entry found, no change.
    pub fn with_baggage_attributes<'b>(
        self,
        keys: &[String],
        buf: &'b mut Vec<Attribute>,
    ) -> ScopeOptions<'b>
    where
        'a: 'b,
    {
        let found = |c: &Context| {
            keys.iter()
                .filter_map(|k| Some(Attribute::new(k.clone(), c.baggage_value(k)?)))
                .collect::<Vec<_>>()
        };
        buf.extend(match &self.parent {
            ParentChoice::Current => Context::with_current(found),
            ParentChoice::Explicit(parent) => found(parent),
            ParentChoice::Root(_) => Vec::new(),
            ParentChoice::Remote(r) => keys
                .iter()
                .filter_map(|k| Some(Attribute::new(k.clone(), r.baggage.get(k)?.to_owned())))
                .collect(),
        });
        if buf.is_empty() {
            return self;
        }
        buf.extend_from_slice(self.attributes);
        ScopeOptions {
            name: self.name,
            attributes: buf.as_slice(),
            kind: self.kind,
            parent: self.parent,
            links: self.links,
            observer: self.observer,
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks the name and drops the options, for correlators that record nothing: an empty
    /// name is counted as [`resolve`](Self::resolve) counts it, so code tested against NoOp
    /// reports the same diagnostics as in production.
    ///
    /// A parent that holds nothing (the default, or a root) is forgotten rather than dropped:
    /// the options' drop glue is an out-of-line call, and NoOp scopes must cost nothing.
    #[inline]
    pub(crate) fn discard(self) {
        // The common case, a literal name and no parent to release, has nothing to drop and
        // calls nothing, so a NoOp `open_scope` stays a leaf function (no saved registers).
        if let Cow::Borrowed(name) = &self.name {
            if name.as_bytes().first().is_some_and(u8::is_ascii_graphic)
                && matches!(self.parent, ParentChoice::Current | ParentChoice::Root(_))
                && self.links.is_none()
                && self.observer.is_none()
            {
                std::mem::forget(self);
                return;
            }
        }
        self.discard_slowly();
    }

    #[cold]
    #[inline(never)]
    fn discard_slowly(self) {
        if !is_valid_name(&self.name) {
            crate::diagnostics::unnamed_scope(&self.name);
        }
    }

    /// Picks the ids, and replaces an empty or blank name with
    /// [`UNNAMED_SCOPE`](crate::diagnostics::UNNAMED_SCOPE) (counted in
    /// [`diagnostics::unnamed_scopes`](crate::diagnostics::unnamed_scopes) and warned about
    /// once on stderr): opening a scope never fails. For implementations of `open_scope`.
    // Inline across crates: fused with `into_scope` in an implementation's `open_scope`, the
    // resolved scope is built in place instead of moved (about 160 bytes) twice.
    #[inline]
    pub fn resolve(mut self) -> ResolvedScope<'a> {
        if !is_valid_name(&self.name) {
            self.name = crate::diagnostics::unnamed_scope(&self.name);
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
        ResolvedScope {
            name: self.name,
            attributes: self.attributes,
            kind: self.kind,
            correlation_id,
            span_id: SpanId::random(),
            parent,
            remote_parent,
            links: self.links,
            observer: self.observer,
        }
    }
}

impl std::fmt::Debug for ScopeOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeOptions")
            .field("name", &self.name)
            .field("attributes", &self.attributes)
            .field("kind", &self.kind)
            .field("parent", &self.parent)
            .field("links", &self.links)
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

impl std::fmt::Debug for ResolvedScope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResolvedScope")
            .field("name", &self.name)
            .field("attributes", &self.attributes)
            .field("kind", &self.kind)
            .field("correlation_id", &self.correlation_id)
            .field("span_id", &self.span_id)
            .field("parent", &self.parent)
            .field("remote_parent", &self.remote_parent)
            .field("links", &self.links)
            .field("observed", &self.observer.is_some())
            .finish()
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

/// Options with their ids chosen; an implementation of
/// [`ContextualCorrelator::open_scope`](crate::ContextualCorrelator::open_scope) turns it into
/// a [`Scope`], with or without an extension of its own.
pub struct ResolvedScope<'a> {
    /// The name: never empty or blank.
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
    /// Links to other spans, `None` when there are none (see [`links`](Self::links)).
    pub links: Option<Box<Vec<SpanLink>>>,
    /// Who else watches the scope ([`ScopeOptions::observe`]); applied by
    /// [`into_scope_with`](Self::into_scope_with) and [`into_scope`](Self::into_scope).
    pub observer: Option<Arc<dyn ScopeObserver>>,
}

impl ResolvedScope<'_> {
    /// The links given with [`ScopeOptions::link`], in order; empty for most scopes.
    pub fn links(&self) -> &[SpanLink] {
        self.links.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Builds the scope, attaching the implementation's extension (if any).
    ///
    /// A boxed extension costs a second allocation; prefer
    /// [`into_scope_with`](Self::into_scope_with), which stores it inside the scope's own.
    #[inline]
    pub fn into_scope(mut self, extension: Option<Box<dyn ScopeExtension>>) -> Scope {
        if let Some(observer) = self.observer.take() {
            let extension = extension.unwrap_or_else(|| Box::new(NoExtension));
            return self.build_observed(observer, move |_| extension);
        }
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
        mut self,
        make: impl FnOnce(&ResolvedScope<'_>) -> E,
    ) -> Scope {
        if let Some(observer) = self.observer.take() {
            return self.build_observed(observer, make);
        }
        self.build(make, true)
    }

    /// The scope with the implementation's extension (if any) and the observer's side by side.
    /// Out of line: unobserved scopes pay one branch on a `None`.
    #[inline(never)]
    fn build_observed<E: ScopeExtension>(
        self,
        observer: Arc<dyn ScopeObserver>,
        make: impl FnOnce(&ResolvedScope<'_>) -> E,
    ) -> Scope {
        self.build(
            move |r| {
                let inner = make(r);
                Observed {
                    inner,
                    observer: observer.open(r),
                }
            },
            true,
        )
    }

    #[inline(always)]
    fn build<E: ScopeExtension>(
        self,
        make: impl FnOnce(&ResolvedScope<'_>) -> E,
        has_extension: bool,
    ) -> Scope {
        /// Drops the attribute list already written if `make` unwinds (the allocation itself
        /// is then freed as uninitialised memory).
        struct DropOnUnwind(*mut Mutex<AttributeSet>);
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
            attributes.write(Mutex::new(AttributeSet::new()));
            // A reference to the field alone, which is initialised (the rest is not yet).
            let list = (*attributes).get_mut().unwrap_or_else(|e| e.into_inner());
            if !self.attributes.is_empty() {
                list.extend_from_slice(self.attributes);
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
            (&raw mut (*p).links).write(view.links);
            (&raw mut (*p).extensions).write(Extensions::new());
            (&raw mut (*p).ended).write(AtomicBool::new(false));
            let data: Arc<ScopeData<E>> = slot.assume_init();
            Scope::from_context(Context(Some(data)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::any::Any;
    use std::panic::AssertUnwindSafe;

    use crate::{AttributeValue, ScopeEnd, StringValue};

    struct Recorder(Arc<Mutex<Vec<ScopeEnd>>>);
    impl ScopeExtension for Recorder {
        fn end(&self, how: ScopeEnd) {
            self.0.lock().unwrap().push(how);
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
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
                .into_scope_with(|_| -> Recorder { panic!("extension failed") })
        }));
        assert!(outcome.is_err());
        // `given` and `shared` remain: the scope's copy was dropped, not leaked.
        assert_eq!(Arc::strong_count(&shared), 2);
    }

    #[test]
    fn an_inline_extension_is_found_told_once_and_dropped_with_the_scope() {
        let ends = Arc::new(Mutex::new(Vec::new()));
        let scope = ScopeOptions::new("inline").resolve().into_scope_with(|r| {
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

        let plain = ScopeOptions::new("plain").resolve().into_scope(None);
        assert!(plain.context().extension::<Recorder>().is_none());
    }

    #[test]
    fn an_empty_or_blank_name_opens_under_the_placeholder() {
        for bad in ["", "   ", "\u{3000}"] {
            let r = ScopeOptions::new(bad).resolve();
            assert_eq!(r.name, crate::diagnostics::UNNAMED_SCOPE);
        }
        assert_eq!(ScopeOptions::new("é").resolve().name, "é");
    }

    struct Watcher(Arc<Mutex<Vec<String>>>);
    impl crate::implement::ScopeObserver for Watcher {
        fn open(&self, r: &ResolvedScope<'_>) -> Box<dyn ScopeExtension> {
            self.0.lock().unwrap().push(format!("open {}", r.name));
            Box::new(Heard(self.0.clone()))
        }
    }
    struct Heard(Arc<Mutex<Vec<String>>>);
    impl ScopeExtension for Heard {
        fn set_attribute(&self, a: &Attribute) {
            self.0.lock().unwrap().push(format!("set {}", a.key));
        }
        fn record_error(&self, error_type: &str, _: &str) {
            self.0.lock().unwrap().push(format!("error {error_type}"));
        }
        fn end(&self, how: ScopeEnd) {
            self.0.lock().unwrap().push(format!("end {how:?}"));
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    #[test]
    fn an_observer_hears_the_scope_next_to_the_implementations_extension() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let ends = Arc::new(Mutex::new(Vec::new()));
        let scope = ScopeOptions::new("observed")
            .observe(Arc::new(Watcher(heard.clone())))
            .resolve()
            .into_scope_with(|_| Recorder(ends.clone()));
        // The implementation's extension is still found by its type.
        assert!(scope.context().extension::<Recorder>().is_some());
        scope.set_attribute("k", 1);
        scope.record_error("timeout", "slow");
        drop(scope);
        assert_eq!(*ends.lock().unwrap(), [ScopeEnd::Completed]);
        assert_eq!(
            *heard.lock().unwrap(),
            ["open observed", "set k", "error timeout", "end Completed"]
        );

        // Without an extension of its own (Basic), and with two observers.
        heard.lock().unwrap().clear();
        let plain = ScopeOptions::new("plain")
            .observe(Arc::new(Watcher(heard.clone())))
            .observe(Arc::new(Watcher(heard.clone())))
            .resolve()
            .into_scope(None);
        drop(plain);
        assert_eq!(
            *heard.lock().unwrap(),
            ["open plain", "open plain", "end Completed", "end Completed"]
        );
    }

    #[test]
    fn noop_drops_the_observer_without_calling_it() {
        use crate::ContextualCorrelator;
        let heard = Arc::new(Mutex::new(Vec::new()));
        let observer: Arc<dyn crate::implement::ScopeObserver> = Arc::new(Watcher(heard.clone()));
        drop(crate::NoOpCorrelator.open_scope(ScopeOptions::new("x").observe(observer.clone())));
        assert!(heard.lock().unwrap().is_empty());
        assert_eq!(Arc::strong_count(&observer), 1);
    }
}
