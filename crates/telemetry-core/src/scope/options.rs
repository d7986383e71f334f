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

use crate::scope::link::LinkTarget;

use crate::attributes::attribute::Attribute;
use crate::ids::CorrelationId;
use crate::ids::SpanId;
use crate::propagation::RemoteParent;
use crate::scope::context::Context;
use crate::scope::link::SpanLink;
use crate::scope::resolved::ResolvedScope;
use crate::scope::resolved::ScopeObserver;
use crate::scope::span_kind::SpanKind;

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

    /// Lets `observer` watch the scope: when it opens, `observer` makes a [`ScopeExtension`](crate::implement::ScopeExtension)
    /// that hears the scope's later attributes, error and end alongside the implementation's
    /// own (for example a local span recorder next to OpenTelemetry). For correlators that wrap
    /// another; given twice, both observers watch. Implementations need do nothing: it takes
    /// effect in [`ResolvedScope::into_scope_with`] and [`ResolvedScope::into_scope`]. A
    /// correlator that records nothing (NoOp) ignores it.
    pub fn observe(mut self, observer: Arc<dyn ScopeObserver>) -> Self {
        self.observer = Some(match self.observer.take() {
            None => observer,
            Some(first) => Arc::new(crate::scope::resolved::BothObservers(first, observer)),
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
        // Straight into `buf`: no list of its own per scope.
        let copy = |c: &Context, buf: &mut Vec<Attribute>| {
            buf.extend(
                keys.iter()
                    .filter_map(|k| Some(Attribute::new(k.clone(), c.baggage_value(k)?))),
            );
        };
        let before = buf.len();
        match &self.parent {
            ParentChoice::Current => Context::with_current(|c| copy(c, buf)),
            ParentChoice::Explicit(parent) => copy(parent, buf),
            ParentChoice::Root(_) => {}
            ParentChoice::Remote(r) => buf.extend(
                keys.iter()
                    .filter_map(|k| Some(Attribute::new(k.clone(), r.baggage.get(k)?.to_owned()))),
            ),
        }
        if buf.len() == before {
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
