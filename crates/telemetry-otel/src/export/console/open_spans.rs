//! The spans of each trace that this process started and the console exporter has not yet
//! received: how the exporter knows a trace is whole, and that a span continuing a remote
//! parent is a call the process made to itself.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;

use opentelemetry::trace::{SpanId, TraceId};
use parking_lot::Mutex;
use telemetry_core::implement::FxHasher;

// Bounded (`max_spans`), so a fast hash is enough even for ids a caller chose.
type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Spans started (sampled) and not yet exported, by trace.
///
/// Fed on the application's threads (`started`, one short lock) and read on the exporter's.
/// Bounded by `max_spans`: when full, the bookkeeping of the trace that started first is
/// dropped (or, when one trace fills the bound alone, the new span is left out), and counted
/// ([`forgotten`](Self::forgotten)); such a trace may print before the rest of its spans
/// arrive, which then print as a continuation.
#[derive(Debug)]
pub(crate) struct OpenSpans {
    max_spans: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Per trace, its open spans and whether each continues an open span of this process
    /// (the callee side of a call the process made to itself).
    traces: FxMap<TraceId, FxMap<SpanId, bool>>,
    /// Trace ids, first started first; may hold ids already gone from `traces`.
    order: VecDeque<TraceId>,
    spans: usize,
    forgotten: u64,
}

impl OpenSpans {
    /// Tracks at most `max_spans` open spans (at least 1).
    pub(crate) fn new(max_spans: usize) -> Self {
        Self {
            max_spans: max_spans.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// A sampled span started; `remote_parent` is its parent's span id when that parent came
    /// from a propagated context.
    pub(crate) fn started(&self, trace: TraceId, span: SpanId, remote_parent: Option<SpanId>) {
        let mut g = self.inner.lock();
        let inner = &mut *g;
        // A remote parent that is an open span of this process: the process called itself
        // (the parent is the CLIENT span whose request this span serves).
        let continues = remote_parent.is_some_and(|p| {
            inner
                .traces
                .get(&trace)
                .is_some_and(|open| open.contains_key(&p))
        });
        while inner.spans >= self.max_spans {
            if !inner.forget_oldest_except(trace) {
                // Only this trace is tracked and it fills the bound: leave this span out.
                inner.forgotten += 1;
                return;
            }
        }
        let open = match inner.traces.get_mut(&trace) {
            Some(open) => open,
            None => {
                inner.order.push_back(trace);
                if inner.order.len() > 2 * inner.traces.len() + 64 {
                    let traces = &inner.traces;
                    inner
                        .order
                        .retain(|t| traces.contains_key(t) || *t == trace);
                }
                inner.traces.entry(trace).or_default()
            }
        };
        if open.insert(span, continues).is_none() {
            inner.spans += 1;
        }
    }

    /// The span reached the exporter, so it is no longer open. True when it continues an open
    /// span of this process (so it is not a root of the trace here).
    pub(crate) fn arrived(&self, trace: TraceId, span: SpanId) -> bool {
        let mut g = self.inner.lock();
        let Some(open) = g.traces.get_mut(&trace) else {
            return false;
        };
        let Some(continues) = open.remove(&span) else {
            return false;
        };
        let empty = open.is_empty();
        g.spans -= 1;
        if empty {
            g.traces.remove(&trace);
        }
        continues
    }

    /// How many spans of `trace` started here have not reached the exporter (open, or ended
    /// and still queued).
    pub(crate) fn pending(&self, trace: TraceId) -> usize {
        self.inner.lock().traces.get(&trace).map_or(0, HashMap::len)
    }

    /// Times bookkeeping was dropped to stay within the bound (a trace's, or one span's),
    /// since the start.
    pub(crate) fn forgotten(&self) -> u64 {
        self.inner.lock().forgotten
    }
}

impl Inner {
    /// Drops the bookkeeping of the trace that started first, other than `keep`; false if
    /// there is none.
    fn forget_oldest_except(&mut self, keep: TraceId) -> bool {
        let mut kept = 0;
        let oldest = loop {
            match self.order.pop_front() {
                None => break None,
                Some(t) if t == keep => kept += 1,
                Some(t) if self.traces.contains_key(&t) => break Some(t),
                Some(_) => {} // already gone
            }
        };
        for _ in 0..kept {
            self.order.push_front(keep);
        }
        let Some(id) = oldest else {
            return false;
        };
        if let Some(open) = self.traces.remove(&id) {
            self.spans -= open.len();
        }
        self.forgotten += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(t: u128, s: u64) -> (TraceId, SpanId) {
        (TraceId::from(t), SpanId::from(s))
    }

    #[test]
    fn a_remote_parent_that_is_open_here_is_a_continuation_until_it_arrives() {
        let open = OpenSpans::new(16);
        let (t, client) = ids(1, 1);
        open.started(t, client, None);
        open.started(t, SpanId::from(2), Some(client));
        // A remote parent that is no span of this process.
        open.started(t, SpanId::from(3), Some(SpanId::from(99)));
        assert_eq!(open.pending(t), 3);
        assert!(open.arrived(t, SpanId::from(2)));
        assert!(!open.arrived(t, SpanId::from(3)));
        assert!(!open.arrived(t, client));
        assert_eq!(open.pending(t), 0);
        // Once the CLIENT span has arrived, a new span under it is a root here.
        open.started(t, SpanId::from(4), Some(client));
        assert!(!open.arrived(t, SpanId::from(4)));
    }

    #[test]
    fn over_the_bound_the_oldest_trace_is_forgotten_and_counted() {
        let open = OpenSpans::new(3);
        for trace in 1..=3u128 {
            open.started(TraceId::from(trace), SpanId::from(1), None);
        }
        open.started(TraceId::from(4), SpanId::from(1), None);
        assert_eq!(open.forgotten(), 1);
        assert_eq!(open.pending(TraceId::from(1)), 0, "the oldest went");
        assert_eq!(open.pending(TraceId::from(2)), 1);
        assert_eq!(open.pending(TraceId::from(4)), 1);
        // One trace filling the bound alone: its further spans are not tracked.
        let open = OpenSpans::new(2);
        let t = TraceId::from(9);
        for s in 1..=3u64 {
            open.started(t, SpanId::from(s), None);
        }
        assert_eq!((open.pending(t), open.forgotten()), (2, 1));
    }
}
