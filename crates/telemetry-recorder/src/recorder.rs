//! [`Recorder`]: the handle, and how it attaches to a [`Telemetry`] bundle.

use std::any::Any;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering, fence};
use std::time::{Instant, SystemTime};

use parking_lot::{Mutex, RwLock};
use telemetry_core::implement::{ResolvedScope, ScopeExtension, ScopeObserver};
use telemetry_core::{
    Attribute, Context, ContextualCorrelator, CorrelationId, LogLevel, Logger, Scope, ScopeEnd,
    ScopeOptions, SharedCorrelator, SharedLogger, SpanId, SpanKind, Telemetry,
};

use crate::model::{RecordedEvent, RecordedSpan, RecordedTrace, SpanStatus, TraceSummary};
use crate::store::{RecorderConfig, RecorderStats, Store};

type RootEndHook = Arc<dyn Fn(&RecordedTrace) + Send + Sync>;

struct Shared {
    /// Wall-clock and monotonic time read together once: a span's wall-clock start is derived
    /// from its monotonic one, so opening a scope reads one clock.
    anchor: (SystemTime, Instant),
    store: Mutex<Store>,
    on_root_end: RwLock<Vec<RootEndHook>>,
    /// The open CLIENT and PRODUCER spans: a scope whose remote parent is one of them (a call
    /// this process makes to itself, such as a server calling its own local API) is a child
    /// in the same tree, not a second root. Only those kinds are kept, so other scopes pay
    /// nothing for it.
    open_outgoing: Mutex<HashSet<SpanId>>,
    /// How many spans of other kinds are in `open_outgoing` because their context was
    /// injected into an outgoing message (an `execute_tool` span that describes the MCP call
    /// it makes, as the MCP conventions ask): while none is, ending a span costs no lock.
    injected_open: AtomicUsize,
}

/// A bounded in-memory record of the most recent traces, fed by any implementation.
///
/// Cloning is cheap (one shared store). [`attach`](Self::attach) wraps a bundle's correlator
/// and logger so that every scope opened through it is recorded when it ends (name, ids,
/// parent, kind, start and duration, attributes, status, how it ended) and every enabled log
/// call becomes an event of the span current at the call. The implementation underneath
/// (Basic, OpenTelemetry with any exporter or none) is unchanged and does not know.
///
/// Bounds: see [`RecorderConfig`]. Recording takes one short lock per finished span and per
/// log call, plus one when a CLIENT or PRODUCER span opens and one when a span continuing a
/// remote caller opens (to keep calls the process makes to itself in one tree); the store never
/// blocks on I/O.
#[derive(Clone)]
pub struct Recorder {
    shared: Arc<Shared>,
}

impl fmt::Debug for Recorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new(RecorderConfig::default())
    }
}

impl Recorder {
    /// An empty recorder with these bounds.
    pub fn new(config: RecorderConfig) -> Self {
        Self {
            shared: Arc::new(Shared {
                anchor: (SystemTime::now(), Instant::now()),
                store: Mutex::new(Store::new(config)),
                on_root_end: RwLock::new(Vec::new()),
                open_outgoing: Mutex::new(HashSet::new()),
                injected_open: AtomicUsize::new(0),
            }),
        }
    }

    /// `telemetry` with its correlator and logger wrapped so that they also record here; the
    /// meter and lifecycle are the same. A NoOp correlator is returned unchanged (its scopes
    /// have no ids to record).
    pub fn attach(&self, telemetry: &Telemetry) -> Telemetry {
        let mut t = telemetry.clone();
        if telemetry.correlator.is_noop() {
            return t;
        }
        t.correlator = SharedCorrelator::new(Arc::new(RecordingCorrelator {
            inner: telemetry.correlator.clone(),
            observer: Arc::new(Observer(self.clone())),
            recorder: self.clone(),
        }));
        t.logger = SharedLogger::new(Arc::new(RecordingLogger {
            inner: telemetry.logger.clone(),
            recorder: self.clone(),
        }));
        t
    }

    /// The observer to give scopes opened elsewhere ([`ScopeOptions::observe`]), for a
    /// correlator that wraps its own.
    pub fn observer(&self) -> Arc<dyn ScopeObserver> {
        Arc::new(Observer(self.clone()))
    }

    /// Calls `hook` with a copy of the trace each time a local root span ends (children that
    /// end later are recorded but not shown to it). Runs on the thread that ended the root,
    /// outside the store's lock; it must be quick.
    pub fn on_root_end(&self, hook: impl Fn(&RecordedTrace) + Send + Sync + 'static) {
        self.shared.on_root_end.write().push(Arc::new(hook));
    }

    /// The trace `id`, if held.
    pub fn trace(&self, id: CorrelationId) -> Option<RecordedTrace> {
        self.shared.store.lock().trace(id)
    }

    /// Every trace held, newest first.
    pub fn traces(&self) -> Vec<RecordedTrace> {
        self.shared.store.lock().traces()
    }

    /// The summaries of the traces held, newest start first.
    pub fn summaries(&self) -> Vec<TraceSummary> {
        let mut out = self.shared.store.lock().summaries();
        out.sort_by_key(|s| std::cmp::Reverse(s.start));
        out
    }

    /// What is held and what was let go.
    pub fn stats(&self) -> RecorderStats {
        self.shared.store.lock().stats()
    }

    /// Forgets trace `id`, if held (not counted as an eviction).
    pub fn forget(&self, id: CorrelationId) {
        self.shared.store.lock().forget(id);
    }

    /// Forgets every trace (the counters stay).
    pub fn clear(&self) {
        self.shared.store.lock().clear();
    }

    /// Records a finished span (as if a scope had ended), for spans from elsewhere (an SDK
    /// span processor, an import). Runs the root-end hooks when `span` is a local root.
    pub fn record_span(&self, span: RecordedSpan) {
        let (trace_id, root) = (span.trace_id, span.is_local_root);
        self.shared.store.lock().finish(span);
        if root {
            let hooks = {
                let hooks = self.shared.on_root_end.read();
                if hooks.is_empty() {
                    return;
                }
                hooks.clone()
            };
            if let Some(trace) = self.trace(trace_id) {
                for hook in &hooks {
                    hook(&trace);
                }
            }
        }
    }

    /// Records a log call made in span `span_id` of trace `trace_id`: it becomes one of the
    /// span's events when the span ends, or at once if it has ended (as for an evaluation
    /// recorded after the operation it judges).
    pub fn record_event(&self, trace_id: CorrelationId, span_id: SpanId, event: RecordedEvent) {
        self.shared
            .store
            .lock()
            .event(trace_id, span_id, true, event);
    }
}

struct Observer(Recorder);

impl ScopeObserver for Observer {
    fn open(&self, r: &ResolvedScope<'_>) -> Box<dyn ScopeExtension> {
        let shared = &self.0.shared;
        let (parent_span_id, is_local_root) = match &r.remote_parent {
            // A remote caller that is an open outgoing span of this recorder is local.
            Some(remote) => (
                Some(remote.span_id),
                !shared.open_outgoing.lock().contains(&remote.span_id),
            ),
            None => (r.parent.span_id(), r.parent.is_none()),
        };
        let outgoing = matches!(r.kind, SpanKind::Client | SpanKind::Producer);
        if outgoing {
            shared.open_outgoing.lock().insert(r.span_id);
        }
        Box::new(OpenSpan {
            recorder: self.0.clone(),
            trace_id: r.correlation_id,
            span_id: r.span_id,
            parent_span_id,
            is_local_root,
            outgoing,
            name: r.name.clone(),
            kind: r.kind,
            started: Instant::now(),
            state: Mutex::new((r.attributes.to_vec(), SpanStatus::Unset)),
        })
    }
}

/// A scope being recorded: what it was opened with, and what it heard since.
struct OpenSpan {
    recorder: Recorder,
    trace_id: CorrelationId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    is_local_root: bool,
    /// A CLIENT or PRODUCER span, listed in `open_outgoing` while open.
    outgoing: bool,
    name: std::borrow::Cow<'static, str>,
    kind: SpanKind,
    started: Instant,
    state: Mutex<(Vec<Attribute>, SpanStatus)>,
}

impl ScopeExtension for OpenSpan {
    fn set_attribute(&self, attribute: &Attribute) {
        let attributes = &mut self.state.lock().0;
        match attributes.iter_mut().find(|a| a.key == attribute.key) {
            Some(a) => a.value = attribute.value.clone(),
            None => attributes.push(attribute.clone()),
        }
    }

    fn record_error(&self, error_type: &str, message: &str) {
        self.state.lock().1 = SpanStatus::Error {
            error_type: error_type.to_owned(),
            message: message.to_owned(),
        };
    }

    fn end(&self, how: ScopeEnd) {
        let duration = self.started.elapsed();
        let shared = &self.recorder.shared;
        if self.outgoing {
            shared.open_outgoing.lock().remove(&self.span_id);
        } else {
            // Pairs with the fence in `inject`: one of the two sees the other (the scope is
            // marked ended before this hook runs), so no listed span outlives its scope.
            fence(Ordering::SeqCst);
            if shared.injected_open.load(Ordering::SeqCst) > 0 {
                remove_injected(shared, self.span_id);
            }
        }
        let (wall, mono) = self.recorder.shared.anchor;
        let start = wall + self.started.saturating_duration_since(mono);
        let (attributes, status) = std::mem::take(&mut *self.state.lock());
        self.recorder.record_span(RecordedSpan {
            trace_id: self.trace_id,
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
            is_local_root: self.is_local_root,
            name: self.name.clone(),
            kind: self.kind,
            start,
            duration,
            attributes,
            events: Vec::new(),
            status,
            ended: how,
        });
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Takes an injected span off the list of possible local parents.
fn remove_injected(shared: &Shared, span_id: SpanId) {
    if shared.open_outgoing.lock().remove(&span_id) {
        shared.injected_open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A correlator whose scopes are also recorded.
struct RecordingCorrelator {
    inner: SharedCorrelator,
    observer: Arc<dyn ScopeObserver>,
    recorder: Recorder,
}

impl ContextualCorrelator for RecordingCorrelator {
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        self.inner
            .open_scope(options.observe(self.observer.clone()))
    }
    fn current(&self) -> Context {
        self.inner.current()
    }
    fn extract(
        &self,
        carrier: &dyn telemetry_core::propagation::Extractor,
    ) -> Option<telemetry_core::propagation::RemoteParent> {
        self.inner.extract(carrier)
    }
    /// Also lists a span of another kind than CLIENT or PRODUCER whose context goes out, so
    /// that a scope this process opens for that message is its child in the same tree.
    fn inject(&self, context: &Context, carrier: &mut dyn telemetry_core::propagation::Injector) {
        self.inner.inject(context, carrier);
        let outgoing_kind = matches!(context.kind(), Some(SpanKind::Client | SpanKind::Producer));
        if let (Some(span_id), false) = (context.span_id(), outgoing_kind) {
            let shared = &self.recorder.shared;
            if shared.open_outgoing.lock().insert(span_id) {
                shared.injected_open.fetch_add(1, Ordering::SeqCst);
            }
            fence(Ordering::SeqCst);
            if context.has_ended() {
                remove_injected(shared, span_id);
            }
        }
    }
}

/// A logger whose enabled calls also become events of the current span.
struct RecordingLogger {
    inner: SharedLogger,
    recorder: Recorder,
}

impl RecordingLogger {
    fn record(
        &self,
        level: LogLevel,
        message: &str,
        attributes: &[Attribute],
        extra: Option<Attribute>,
    ) {
        Context::with_current(|cx| {
            let (Some(trace_id), Some(span_id)) = (cx.correlation_id(), cx.span_id()) else {
                return;
            };
            let mut attributes = attributes.to_vec();
            attributes.extend(extra);
            let event = RecordedEvent {
                timestamp: SystemTime::now(),
                level,
                message: message.to_owned(),
                attributes,
            };
            let mut store = self.recorder.shared.store.lock();
            // Read under the store lock: a scope is marked ended before its end hook stores
            // the span under this lock, so a span not ended now takes this event from the
            // pending ones when it ends, and only an ended one is searched for.
            let ended = cx.has_ended();
            store.event(trace_id, span_id, ended, event);
        });
    }
}

impl Logger for RecordingLogger {
    fn enabled(&self, level: LogLevel) -> bool {
        self.inner.enabled(level)
    }
    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        if !self.inner.enabled(level) {
            return;
        }
        self.inner.log(level, message, attributes);
        self.record(level, message, attributes, None);
    }
    fn log_event(
        &self,
        level: LogLevel,
        name: &'static str,
        body: Option<&str>,
        attributes: &[Attribute],
    ) {
        if !self.inner.enabled(level) {
            return;
        }
        self.inner.log_event(level, name, body, attributes);
        let body = body.map(|b| {
            Attribute::new(
                telemetry_core::implement::EVENT_BODY_ATTRIBUTE,
                b.to_owned(),
            )
        });
        self.record(level, name, attributes, body);
    }
    fn level(&self) -> Option<LogLevel> {
        self.inner.level()
    }
    fn set_level(&self, level: Option<LogLevel>) {
        self.inner.set_level(level);
    }
}
