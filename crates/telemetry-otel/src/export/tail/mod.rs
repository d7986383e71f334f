//! In-process tail sampling (`OTEL_TRACES_SAMPLER=agent_tail`): a span processor in front of
//! the exporters' processors that holds the ended spans of each trace until the trace is done
//! here, decides once for the whole trace, and forwards the spans of kept traces.
//!
//! - **Done** means a local root (a span with no parent, or with a remote one) has ended and
//!   no span of the trace started here is still open; spans are counted open from
//!   `on_start`. A span of an already decided trace (a detached task ending late) follows the
//!   decision, remembered for the latest `8 × max_traces` traces.
//! - **Decision**, first match: the caller sampled it (the caller whose request brought the
//!   trace here, not this process's own spans continued in-process; never dropped, no rate
//!   limit), an
//!   error, the latency, token and cost thresholds, an attribute rule, then the consistent
//!   probability rule on the trace id ([`probability`](crate::sampling::probability)); a kept
//!   trace other than the caller's then needs a token of the rate limit.
//! - **Bounds**: at most `max_traces` traces and `max_bytes` estimated bytes are held; past
//!   either, the oldest trace is decided on what arrived. A trace held longer than the
//!   decision timeout is decided likewise, by a thread that checks four times per timeout.
//!   Spans of a trace decided early carry
//!   [`TAIL_DECIDED_EARLY_ATTRIBUTE`](crate::TAIL_DECIDED_EARLY_ATTRIBUTE).
//! - Dropped spans are sampled out, not lost: they are taken out of the "handed to the
//!   pipeline" count that [`ExportFailures`](crate::ExportFailures) compares against.

pub(crate) mod counts;
pub(crate) mod metrics;
pub(crate) mod trace;

use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use opentelemetry::trace::{Span as _, SpanId, TraceContextExt as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use parking_lot::{Condvar, Mutex};
use telemetry_core::implement::FxHasher;

use crate::config::tail::TailSettings;
use crate::export::tail::counts::{Dropped, Early, Kept, TailStats};
use crate::export::tail::trace::{Bucket, Held, Rules};
use crate::failures::Stats;
use crate::signal::Signal;

/// The attribute on every span of a trace decided before all its spans ended: `timeout`,
/// `max_traces`, `max_bytes` or `shutdown` (this project's name; the conventions define none).
pub const TAIL_DECIDED_EARLY_ATTRIBUTE: &str = "agent_telemetry.tail_sampling.decided_early";

/// The tail sampling span processor.
#[derive(Debug)]
pub(crate) struct TailProcessor {
    core: Arc<Core>,
}

/// What the processor, its timeout thread and the [`TailHandle`]s share.
#[derive(Debug)]
pub(crate) struct Core {
    rules: Rules,
    max_traces: usize,
    max_bytes: usize,
    timeout: Duration,
    state: Mutex<State>,
    downstream: Vec<Box<dyn SpanProcessor>>,
    pub(crate) stats: TailStats,
    pipeline: Arc<Stats>,
    stop: Mutex<bool>,
    wake: Condvar,
    ticker: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Set once the timeout thread runs: every span start checks this one atomic instead of
    /// taking the two locks above.
    ticker_started: AtomicBool,
}

// Trace ids are random (or a caller's), and the maps are bounded: a fast hash is enough.
type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[derive(Debug)]
struct State {
    held: FxMap<u128, Held>,
    /// Held traces by arrival; entries of traces decided since are skipped when met.
    order: VecDeque<(u128, Instant)>,
    bytes: usize,
    decided: FxMap<u128, bool>,
    decided_order: VecDeque<u128>,
    bucket: Option<Bucket>,
}

/// Spans to hand on once the lock is released.
type Forward = Vec<SpanData>;

/// A read handle on the decisions, for the correlator and the application.
#[derive(Clone, Debug)]
pub(crate) struct TailHandle(Arc<Core>);

impl TailHandle {
    /// The decision for a trace: `Some(true)` kept, `Some(false)` dropped, `None` not
    /// decided yet or long forgotten.
    pub(crate) fn decision(&self, trace_id: u128) -> Option<bool> {
        self.0.state.lock().decided.get(&trace_id).copied()
    }

    /// Whether the trace is already certain to be kept (decided kept, or a rule matched on a
    /// span that ended, or its caller sampled it).
    pub(crate) fn certain(&self, trace_id: u128) -> bool {
        let state = self.0.state.lock();
        state.decided.get(&trace_id).copied().unwrap_or(false)
            || state.held.get(&trace_id).is_some_and(Held::certain)
    }

    pub(crate) fn stats(&self) -> &TailStats {
        &self.0.stats
    }
}

impl TailProcessor {
    /// Holds spans for `downstream` (the exporters' processors, their resource already set)
    /// under `settings`. The downstream processors see the spans of kept traces in `on_end`
    /// only: their `on_start` is not called, since when a span starts its trace may yet be
    /// dropped, and a processor that notes open spans (the console's) would wait for spans
    /// that never come.
    pub(crate) fn new(
        settings: &TailSettings,
        downstream: Vec<Box<dyn SpanProcessor>>,
        pipeline: Arc<Stats>,
    ) -> Self {
        let now = Instant::now();
        Self {
            core: Arc::new(Core {
                rules: Rules::new(settings),
                max_traces: settings.max_traces,
                max_bytes: settings.max_bytes,
                timeout: settings.decision_timeout,
                state: Mutex::new(State {
                    held: FxMap::default(),
                    order: VecDeque::new(),
                    bytes: 0,
                    decided: FxMap::default(),
                    decided_order: VecDeque::new(),
                    bucket: settings.rate_limit.map(|r| Bucket::new(r, now)),
                }),
                downstream,
                stats: TailStats::default(),
                pipeline,
                stop: Mutex::new(false),
                wake: Condvar::new(),
                ticker: Mutex::new(None),
                ticker_started: AtomicBool::new(false),
            }),
        }
    }

    pub(crate) fn handle(&self) -> TailHandle {
        TailHandle(self.core.clone())
    }

    /// Starts the timeout thread on first use. It holds only a weak reference between
    /// checks, so dropping the provider ends it.
    fn ensure_ticker(&self) {
        if self.core.ticker_started.load(Ordering::Acquire) {
            return;
        }
        let mut ticker = self.core.ticker.lock();
        if ticker.is_some() || *self.core.stop.lock() {
            return;
        }
        let weak = Arc::downgrade(&self.core);
        let period = (self.core.timeout / 4).max(Duration::from_millis(1));
        *ticker = std::thread::Builder::new()
            .name("telemetry-otel-tail".to_owned())
            .spawn(move || {
                loop {
                    let Some(core) = weak.upgrade() else { return };
                    {
                        let mut stop = core.stop.lock();
                        if *stop {
                            return;
                        }
                        core.wake.wait_for(&mut stop, period);
                        if *stop {
                            return;
                        }
                    }
                    core.expire(Instant::now());
                }
            })
            .ok();
        self.core
            .ticker_started
            .store(ticker.is_some(), Ordering::Release);
    }
}

impl Core {
    fn decide(&self, state: &mut State, trace_id: u128, early: Option<Early>, out: &mut Forward) {
        let Some(mut held) = state.held.remove(&trace_id) else {
            return;
        };
        state.bytes -= held.bytes;
        let verdict = match held.verdict(trace_id, &self.rules) {
            Ok(Kept::RemoteSampled) => Ok(Kept::RemoteSampled),
            Ok(reason) => match &mut state.bucket {
                Some(b) => {
                    if b.take(Instant::now(), reason == Kept::Error) {
                        Ok(reason)
                    } else {
                        Err(Dropped::RateLimited)
                    }
                }
                None => Ok(reason),
            },
            Err(d) => Err(d),
        };
        let kept = verdict.is_ok();
        match verdict {
            Ok(r) => self.stats.kept[r as usize].fetch_add(1, Ordering::Relaxed),
            Err(r) => self.stats.dropped[r as usize].fetch_add(1, Ordering::Relaxed),
        };
        if let Some(e) = early {
            self.stats.early[e as usize].fetch_add(1, Ordering::Relaxed);
        }
        self.stats.held_traces.fetch_sub(1, Ordering::Relaxed);
        self.stats
            .held_spans
            .fetch_sub(held.spans.len() as i64, Ordering::Relaxed);
        self.stats
            .held_bytes
            .fetch_sub(held.bytes as i64, Ordering::Relaxed);
        remember(state, trace_id, kept, 8 * self.max_traces);
        if kept {
            if let Some(e) = early {
                for span in &mut held.spans {
                    span.attributes
                        .push(KeyValue::new(TAIL_DECIDED_EARLY_ATTRIBUTE, e.as_str()));
                }
            }
            out.append(&mut held.spans);
        } else {
            self.sampled_out(held.spans.len());
        }
    }

    /// Spans dropped by a decision are no loss: they leave the pipeline's "handed over" count.
    fn sampled_out(&self, spans: usize) {
        self.stats
            .spans_dropped
            .fetch_add(spans as u64, Ordering::Relaxed);
        let per_span = self.pipeline.span_processors.load(Ordering::Relaxed);
        self.pipeline
            .signal(Signal::Traces)
            .submitted
            .fetch_sub(spans as u64 * per_span, Ordering::Relaxed);
    }

    /// Decides the oldest held trace early; false when none is held.
    fn decide_oldest(&self, state: &mut State, why: Early, out: &mut Forward) -> bool {
        while let Some((id, since)) = state.order.pop_front() {
            if state.held.get(&id).is_some_and(|h| h.since == since) {
                self.decide(state, id, Some(why), out);
                return true;
            }
        }
        false
    }

    /// Decides every trace held longer than the timeout.
    fn expire(&self, now: Instant) {
        let mut out = Vec::new();
        {
            let mut state = self.state.lock();
            while let Some(&(id, since)) = state.order.front() {
                if state.held.get(&id).is_none_or(|h| h.since != since) {
                    state.order.pop_front();
                    continue;
                }
                if now.saturating_duration_since(since) < self.timeout {
                    break;
                }
                state.order.pop_front();
                self.decide(&mut state, id, Some(Early::Timeout), &mut out);
            }
        }
        self.forward(out);
    }

    fn forward(&self, spans: Forward) {
        if spans.is_empty() {
            return;
        }
        self.stats
            .spans_kept
            .fetch_add(spans.len() as u64, Ordering::Relaxed);
        let Some((last, rest)) = self.downstream.split_last() else {
            return;
        };
        for span in spans {
            for p in rest {
                p.on_end(span.clone());
            }
            last.on_end(span);
        }
    }

    fn decide_all(&self, why: Early) {
        let mut out = Vec::new();
        {
            let mut state = self.state.lock();
            let ids: Vec<u128> = state.held.keys().copied().collect();
            for id in ids {
                self.decide(&mut state, id, Some(why), &mut out);
            }
            state.order.clear();
        }
        self.forward(out);
    }
}

fn remember(state: &mut State, trace_id: u128, kept: bool, capacity: usize) {
    if state.decided.insert(trace_id, kept).is_none() {
        state.decided_order.push_back(trace_id);
    }
    while state.decided_order.len() > capacity {
        if let Some(old) = state.decided_order.pop_front() {
            state.decided.remove(&old);
        }
    }
}

impl SpanProcessor for TailProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        let trace_id = u128::from_be_bytes(span.span_context().trace_id().to_bytes());
        let parent = cx.span();
        let parent = parent.span_context();
        let remote_sampled = parent.is_valid() && parent.is_remote() && parent.is_sampled();
        let core = &*self.core;
        let mut out = Vec::new();
        {
            let mut state = core.state.lock();
            if state.decided.contains_key(&trace_id) {
                // A late span of a decided trace: it follows the decision when it ends.
            } else if !state.held.contains_key(&trace_id) {
                if state.held.len() >= core.max_traces {
                    core.decide_oldest(&mut state, Early::MaxTraces, &mut out);
                }
                let now = Instant::now();
                state.held.insert(trace_id, Held::new(now));
                state.order.push_back((trace_id, now));
                core.stats.held_traces.fetch_add(1, Ordering::Relaxed);
            }
            if let Some(held) = state.held.get_mut(&trace_id) {
                // Only the caller that brought the trace here decides "the caller sampled
                // it": a later span continuing a remote parent while the trace already has
                // spans open here is a call this process made to itself (an in-process MCP
                // server, a local HTTP API), whose parent carries this process's own flag.
                if held.open == 0 && !held.root_ended {
                    held.remote_sampled |= remote_sampled;
                }
                held.open += 1;
            }
        }
        core.forward(out);
        self.ensure_ticker();
    }

    fn on_end(&self, span: SpanData) {
        let core = &*self.core;
        let trace_id = u128::from_be_bytes(span.span_context.trace_id().to_bytes());
        let mut out = Vec::new();
        {
            let mut state = core.state.lock();
            if let Some(&kept) = state.decided.get(&trace_id) {
                drop(state);
                if kept {
                    core.forward(vec![span]);
                } else {
                    core.sampled_out(1);
                }
                return;
            }
            let local_root = span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote;
            let state = &mut *state;
            let held = state.held.entry(trace_id).or_insert_with(|| {
                // Started before this processor saw it: count it as open until now.
                let now = Instant::now();
                state.order.push_back((trace_id, now));
                core.stats.held_traces.fetch_add(1, Ordering::Relaxed);
                let mut h = Held::new(now);
                h.open = 1;
                h
            });
            held.open = held.open.saturating_sub(1);
            held.root_ended |= local_root;
            let bytes = held.push(span, &core.rules);
            let done = held.root_ended && held.open == 0;
            state.bytes += bytes;
            core.stats.held_spans.fetch_add(1, Ordering::Relaxed);
            core.stats
                .held_bytes
                .fetch_add(bytes as i64, Ordering::Relaxed);
            if done {
                core.decide(state, trace_id, None, &mut out);
            }
            while state.bytes > core.max_bytes {
                if !core.decide_oldest(state, Early::MaxBytes, &mut out) {
                    break;
                }
            }
        }
        core.forward(out);
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Traces with spans still open stay held: deciding now would decide them on part of
        // their spans. Everything decided is already downstream.
        let mut result = Ok(());
        for p in &self.core.downstream {
            if let Err(e) = p.force_flush() {
                result = Err(e);
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        *self.core.stop.lock() = true;
        self.core.wake.notify_all();
        if let Some(t) = self.core.ticker.lock().take() {
            let _ = t.join();
        }
        self.core.decide_all(Early::Shutdown);
        let mut result = Ok(());
        for p in &self.core.downstream {
            if let Err(e) = p.shutdown_with_timeout(timeout) {
                result = Err(e);
            }
        }
        result
    }

    /// The downstream processors got the resource before they were wrapped (the core is
    /// shared by then: see [`TailProcessor::new`]).
    fn set_resource(&mut self, _resource: &Resource) {}
}
