//! [`ResolvedScope`]: scope options with their ids chosen, and how an implementation turns
//! one into a [`Scope`] (written field by field into the [`ScopeData`] allocation);
//! [`ScopeObserver`], hooks for a second party that watches scopes next to the implementation.
//!
//! Ids are chosen in the core, not by each implementation: see
//! [`ScopeOptions::resolve`](crate::ScopeOptions::resolve).

use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use crate::scope::context::Context;

use crate::attributes::attribute::Attribute;
use crate::attributes::attribute_set::AttributeSet;
use crate::ids::CorrelationId;
use crate::ids::SpanId;
use crate::propagation::RemoteParent;
use crate::scope::context::ScopeData;
use crate::scope::extensions::Extensions;
use crate::scope::guard::Scope;
use crate::scope::link::SpanLink;
use crate::scope::scope_extension::NoExtension;
use crate::scope::scope_extension::ScopeEnd;
use crate::scope::scope_extension::ScopeExtension;
use crate::scope::span_kind::SpanKind;

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
    /// Who else watches the scope ([`ScopeOptions::observe`](crate::ScopeOptions::observe)); applied by
    /// [`into_scope_with`](Self::into_scope_with) and [`into_scope`](Self::into_scope).
    pub observer: Option<Arc<dyn ScopeObserver>>,
}

impl ResolvedScope<'_> {
    /// The links given with [`ScopeOptions::link`](crate::ScopeOptions::link), in order; empty for most scopes.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scope::options::ScopeOptions;
    use std::any::Any;
    use std::panic::AssertUnwindSafe;

    use crate::attributes::attribute::AttributeValue;

    use crate::scope::scope_extension::ScopeEnd;

    use crate::attributes::string_value::StringValue;

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
        use crate::scope::correlator::ContextualCorrelator;
        let heard = Arc::new(Mutex::new(Vec::new()));
        let observer: Arc<dyn crate::implement::ScopeObserver> = Arc::new(Watcher(heard.clone()));
        drop(crate::NoOpCorrelator.open_scope(ScopeOptions::new("x").observe(observer.clone())));
        assert!(heard.lock().unwrap().is_empty());
        assert_eq!(Arc::strong_count(&observer), 1);
    }
}
