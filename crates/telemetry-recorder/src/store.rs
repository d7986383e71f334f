//! The bounded store: recent traces by trace id, oldest evicted first.

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;

use telemetry_core::implement::FxHasher;

use telemetry_core::{CorrelationId, SpanId};

use crate::model::{RecordedEvent, RecordedSpan, RecordedTrace};

/// Traces kept by default: [`RecorderConfig::max_traces`].
pub const DEFAULT_MAX_TRACES: usize = 500;
/// Bytes kept by default (16 MiB): [`RecorderConfig::max_bytes`].
pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;

/// The recorder's bounds.
///
/// Both hold at all times: when a new span or event would break one, the oldest traces
/// (by when the recorder first heard of them) are evicted first and counted
/// ([`RecorderStats::evicted_traces`]). A span or event that does not fit even when its
/// trace is the only one left is dropped and counted ([`RecorderStats::dropped`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecorderConfig {
    /// Most traces held (default [`DEFAULT_MAX_TRACES`], 500). At least 1.
    pub max_traces: usize,
    /// Most bytes held, estimated from the text and attribute sizes of every span and event
    /// plus their fixed size (default [`DEFAULT_MAX_BYTES`], 16 MiB).
    pub max_bytes: usize,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        Self {
            max_traces: DEFAULT_MAX_TRACES,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

impl RecorderConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps at most `n` traces (at least 1).
    pub fn max_traces(mut self, n: usize) -> Self {
        self.max_traces = n.max(1);
        self
    }

    /// Keeps at most `bytes` bytes.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }
}

/// What the recorder holds and what it had to let go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecorderStats {
    /// Traces held.
    pub traces: usize,
    /// Estimated bytes held.
    pub bytes: usize,
    /// Traces evicted to stay within the bounds, since the start.
    pub evicted_traces: u64,
    /// Spans and events dropped because they did not fit even alone, since the start.
    pub dropped: u64,
}

#[derive(Default)]
struct Entry {
    spans: Vec<RecordedSpan>,
    pending_events: Vec<(SpanId, RecordedEvent)>,
    bytes: usize,
}

pub(crate) struct Store {
    config: RecorderConfig,
    // Trace ids are random: a fast hash is enough.
    traces: HashMap<CorrelationId, Entry, BuildHasherDefault<FxHasher>>,
    /// Trace ids, oldest first.
    order: VecDeque<CorrelationId>,
    bytes: usize,
    evicted: u64,
    dropped: u64,
}

impl Store {
    pub(crate) fn new(config: RecorderConfig) -> Self {
        Self {
            config: RecorderConfig {
                max_traces: config.max_traces.max(1),
                ..config
            },
            traces: HashMap::default(),
            order: VecDeque::new(),
            bytes: 0,
            evicted: 0,
            dropped: 0,
        }
    }

    /// Makes room for `bytes` more in trace `id`, creating its entry; false (and counted as
    /// dropped) when it cannot fit.
    fn make_room(&mut self, id: CorrelationId, bytes: usize) -> bool {
        if bytes > self.config.max_bytes {
            self.dropped += 1;
            return false;
        }
        if !self.traces.contains_key(&id) {
            while self.traces.len() >= self.config.max_traces {
                self.evict_oldest_except(id);
            }
            self.traces.insert(id, Entry::default());
            self.order.push_back(id);
        }
        while self.bytes + bytes > self.config.max_bytes {
            if !self.evict_oldest_except(id) {
                self.dropped += 1;
                return false;
            }
        }
        true
    }

    /// Evicts the oldest trace other than `keep`; false if there is none.
    fn evict_oldest_except(&mut self, keep: CorrelationId) -> bool {
        let Some(pos) = self.order.iter().position(|t| *t != keep) else {
            return false;
        };
        let Some(id) = self.order.remove(pos) else {
            return false;
        };
        if let Some(entry) = self.traces.remove(&id) {
            self.bytes -= entry.bytes;
        }
        self.evicted += 1;
        true
    }

    /// Adds a finished span, with the events logged in it while it was open.
    pub(crate) fn finish(&mut self, mut span: RecordedSpan) {
        let id = span.trace_id;
        // Its events were counted when they were logged; they move into the span.
        let moved: Vec<RecordedEvent> = match self.traces.get_mut(&id) {
            Some(entry) if !entry.pending_events.is_empty() => {
                let (mine, rest) = std::mem::take(&mut entry.pending_events)
                    .into_iter()
                    .partition(|(s, _)| *s == span.span_id);
                entry.pending_events = rest;
                mine.into_iter().map(|(_, e)| e).collect()
            }
            _ => Vec::new(),
        };
        let moved_bytes: usize = moved.iter().map(RecordedEvent::approx_bytes).sum();
        if let Some(entry) = self.traces.get_mut(&id) {
            entry.bytes -= moved_bytes;
            self.bytes -= moved_bytes;
        }
        span.events.splice(0..0, moved);
        let bytes = span.approx_bytes();
        if !self.make_room(id, bytes) {
            return;
        }
        let entry = self.traces.get_mut(&id).expect("made room");
        entry.bytes += bytes;
        entry.spans.push(span);
        self.bytes += bytes;
    }

    /// Adds an event logged in span `span_id`: to the span if it has ended (an evaluation
    /// recorded later, say), else kept until it ends. `may_have_ended` false means the span is
    /// known to be open, so the trace's finished spans are not searched for it (the common log
    /// call in an open span costs no scan).
    pub(crate) fn event(
        &mut self,
        trace_id: CorrelationId,
        span_id: SpanId,
        may_have_ended: bool,
        event: RecordedEvent,
    ) {
        let bytes = event.approx_bytes();
        if !self.make_room(trace_id, bytes) {
            return;
        }
        let entry = self.traces.get_mut(&trace_id).expect("made room");
        entry.bytes += bytes;
        self.bytes += bytes;
        let finished = if may_have_ended {
            entry.spans.iter_mut().rev().find(|s| s.span_id == span_id)
        } else {
            None
        };
        match finished {
            Some(span) => span.events.push(event),
            None => entry.pending_events.push((span_id, event)),
        }
    }

    pub(crate) fn trace(&self, id: CorrelationId) -> Option<RecordedTrace> {
        self.traces.get(&id).map(|e| RecordedTrace {
            trace_id: id,
            spans: e.spans.clone(),
            pending_events: e.pending_events.clone(),
        })
    }

    /// Every trace, newest first (by when the recorder first heard of it).
    pub(crate) fn traces(&self) -> Vec<RecordedTrace> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.trace(*id))
            .collect()
    }

    /// The summary of every trace, without copying their spans.
    pub(crate) fn summaries(&self) -> Vec<crate::model::TraceSummary> {
        self.traces
            .iter()
            .map(|(id, e)| crate::model::summarize(*id, &e.spans))
            .collect()
    }

    pub(crate) fn stats(&self) -> RecorderStats {
        RecorderStats {
            traces: self.traces.len(),
            bytes: self.bytes,
            evicted_traces: self.evicted,
            dropped: self.dropped,
        }
    }

    pub(crate) fn forget(&mut self, id: CorrelationId) {
        if let Some(entry) = self.traces.remove(&id) {
            self.bytes -= entry.bytes;
            self.order.retain(|t| *t != id);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.traces.clear();
        self.order.clear();
        self.bytes = 0;
    }
}
