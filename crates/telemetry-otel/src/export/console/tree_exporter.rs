//! [`TreeExporter`]: ended spans held per trace until the trace is whole in this process,
//! then printed as one tree.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::hash::BuildHasherDefault;
use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry::trace::TraceId;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use parking_lot::{Condvar, Mutex, MutexGuard};
use telemetry_core::CorrelationId;
use telemetry_core::implement::FxHasher;
use telemetry_recorder::{Recorder, RecorderConfig, TreeStyle, format_duration, render_tree};

use crate::export::console::open_spans::OpenSpans;
use crate::export::console::recorded::recorded;

/// How long a trace may wait for the rest of its spans, counted from when its first span was
/// exported, before it prints anyway, marked incomplete (one schedule delay is added when the
/// pipeline is built, for a root exported one batch later).
pub(crate) const INCOMPLETE_AFTER: Duration = Duration::from_secs(30);
/// Open spans tracked at most, across traces (about 24 bytes each).
pub(crate) const MAX_OPEN_SPANS: usize = 65_536;
/// The marker under spans of a trace printed before (they ended after it was printed, or
/// another caller continued it).
const CONTINUED: &str = "… continued: more spans of a trace printed earlier";
/// Printed traces remembered, so that spans of them arriving later are marked late.
const PRINTED_REMEMBERED: usize = 1024;

// Bounded (by the recorder's trace bound), so a fast hash is enough.
type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
type Output = Box<dyn Fn(&str) + Send + Sync>;

/// The console exporter's bounds and look.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    pub(crate) style: TreeStyle,
    /// Bounds of the ended spans waiting to print (traces and bytes, oldest trace evicted
    /// first).
    pub(crate) waiting: RecorderConfig,
    /// See [`INCOMPLETE_AFTER`].
    pub(crate) incomplete_after: Duration,
    /// See [`MAX_OPEN_SPANS`].
    pub(crate) max_open_spans: usize,
}

impl Settings {
    /// The defaults: the recorder's bounds (500 traces, 16 MiB), [`INCOMPLETE_AFTER`],
    /// [`MAX_OPEN_SPANS`].
    pub(crate) fn new(style: TreeStyle) -> Self {
        Self {
            style,
            waiting: RecorderConfig::default(),
            incomplete_after: INCOMPLETE_AFTER,
            max_open_spans: MAX_OPEN_SPANS,
        }
    }
}

/// Prints each trace once, as one tree, when every span of it that this process started has
/// been exported and its local root is among them.
///
/// The local root is a span without a parent, or whose parent is remote and not an open span
/// of this process: a span continuing a CLIENT span of this process (a call the process made
/// to itself) nests under it, as in the trace view. What is still open is known from
/// [`OpenSpans`], which the console span processor feeds as spans start; so a child ending
/// after its root (a detached task) is waited for, without a guessed grace period. Printing
/// runs on the batch processor's thread (on export) and on a timer thread of its own (for
/// traces still incomplete after [`Settings::incomplete_after`]), never on the
/// application's.
pub(crate) struct TreeExporter {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for TreeExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeExporter")
            .field("waiting", &self.shared.waiting.stats())
            .finish()
    }
}

struct Shared {
    settings: Settings,
    open: Arc<OpenSpans>,
    /// Ended spans waiting to print; a trace leaves it when printed.
    waiting: Recorder,
    state: Mutex<State>,
    /// Wakes the timer thread: a first trace to wait for, or shutdown.
    wake: Condvar,
    /// Taken before `state` is released and held while writing, so that text appears in the
    /// order it was taken and trees never interleave.
    output: Mutex<Output>,
}

#[derive(Default)]
struct State {
    held: FxMap<TraceId, Held>,
    /// Traces printed lately, oldest first, and the same as a set.
    printed: (VecDeque<TraceId>, FxMap<TraceId, ()>),
    /// The loss counts last printed.
    reported: Losses,
    stopped: bool,
    /// Whether the timer thread runs; without it, timeouts are checked on export.
    timer: bool,
}

/// A trace with ended spans waiting.
struct Held {
    id: CorrelationId,
    /// When its first waiting span was exported.
    since: Instant,
    /// Whether its local root is among them.
    root: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Losses {
    evicted: u64,
    dropped: u64,
    forgotten: u64,
}

/// Why a trace is printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Why {
    Whole,
    Timeout,
    Shutdown,
}

impl TreeExporter {
    /// Prints through `write`, one call per batch of text (whole trees).
    pub(crate) fn new(settings: Settings, write: impl Fn(&str) + Send + Sync + 'static) -> Self {
        let shared = Arc::new(Shared {
            settings,
            open: Arc::new(OpenSpans::new(settings.max_open_spans)),
            waiting: Recorder::new(settings.waiting),
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            output: Mutex::new(Box::new(write)),
        });
        let timer = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("telemetry-otel-console".into())
            .spawn(move || run_timer(&timer));
        shared.state.lock().timer = spawned.is_ok();
        Self { shared }
    }

    /// The open-span bookkeeping the console span processor feeds.
    pub(crate) fn open_spans(&self) -> Arc<OpenSpans> {
        self.shared.open.clone()
    }

    /// A handle to run the timer thread's work at a chosen time.
    #[cfg(test)]
    pub(crate) fn expire_handle(&self) -> Expire {
        Expire(self.shared.clone())
    }
}

/// Runs the timer thread's work as of a chosen time.
#[cfg(test)]
pub(crate) struct Expire(Arc<Shared>);

#[cfg(test)]
impl Expire {
    /// Prints what has waited past the timeout as of `now`.
    pub(crate) fn print_expired(&self, now: Instant) {
        self.0.print_expired(now);
    }
}

impl Drop for TreeExporter {
    fn drop(&mut self) {
        self.shared.state.lock().stopped = true;
        self.shared.wake.notify_all();
    }
}

impl SpanExporter for TreeExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        self.shared.receive(batch);
        std::future::ready(Ok(()))
    }

    /// Prints every trace still waiting, each marked with what it lacks.
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let mut st = self.shared.state.lock();
        st.stopped = true;
        self.shared.wake.notify_all();
        let mut out = String::new();
        self.shared
            .print_due(&mut st, Instant::now(), Why::Shutdown, &mut out);
        self.shared.write(st, out);
        Ok(())
    }
}

impl Shared {
    fn receive(&self, batch: Vec<SpanData>) {
        let now = Instant::now();
        let mut out = String::new();
        let mut st = self.state.lock();
        let was_empty = st.held.is_empty();
        for span in batch {
            let trace = span.span_context.trace_id();
            let continues = self.open.arrived(trace, span.span_context.span_id());
            let Some(mut span) = recorded(span) else {
                continue;
            };
            // The SDK marks every remote parent; one that is an open span of this process is
            // the call the process made to itself, not a second root.
            span.is_local_root &= !continues;
            let held = st.held.entry(trace).or_insert(Held {
                id: span.trace_id,
                since: now,
                root: false,
            });
            held.root |= span.is_local_root;
            // Under `state`, so that a trace being printed never misses a span recorded
            // meanwhile.
            self.waiting.record_span(span);
            // Printed as soon as whole, so that it leaves room for the rest of the batch.
            if self.whole(&st, trace) {
                self.take(&mut st, trace, Why::Whole, &mut out);
            }
        }
        if was_empty && !st.held.is_empty() {
            self.wake.notify_all();
        }
        if st.held.len() > 2 * self.settings.waiting.max_traces {
            // Traces the recorder evicted: their entries go too.
            let kept: Vec<CorrelationId> = self
                .waiting
                .summaries()
                .into_iter()
                .map(|s| s.trace_id)
                .collect();
            st.held.retain(|_, h| kept.contains(&h.id));
        }
        if !st.timer {
            self.print_due(&mut st, now, Why::Timeout, &mut out);
        }
        self.write(st, out);
    }

    /// Prints the traces whose timeout has passed as of `now`.
    fn print_expired(&self, now: Instant) {
        let mut st = self.state.lock();
        let mut out = String::new();
        self.print_due(&mut st, now, Why::Timeout, &mut out);
        self.write(st, out);
    }

    /// Whether every span of `trace` started here has arrived, with its root or after an
    /// earlier part was printed.
    fn whole(&self, st: &State, trace: TraceId) -> bool {
        st.held
            .get(&trace)
            .is_some_and(|h| h.root || st.printed.1.contains_key(&trace))
            && self.open.pending(trace) == 0
    }

    /// Renders, oldest first, the traces whose timeout has passed as of `now` (all of them at
    /// shutdown), marked unless whole.
    fn print_due(&self, st: &mut State, now: Instant, why: Why, out: &mut String) {
        let mut chosen: Vec<(Instant, TraceId, Why)> = st
            .held
            .iter()
            .filter(|(_, h)| why == Why::Shutdown || self.expired(h, now))
            .map(|(t, h)| (h.since, *t, why))
            .collect();
        for c in &mut chosen {
            if self.whole(st, c.1) {
                c.2 = Why::Whole;
            }
        }
        chosen.sort_by_key(|(since, ..)| *since);
        for (_, trace, why) in chosen {
            self.take(st, trace, why, out);
        }
    }

    /// Writes `out` and a line for any new losses, after releasing `st`.
    fn write(&self, mut st: MutexGuard<'_, State>, mut out: String) {
        self.report_losses(&mut st, &mut out);
        if out.is_empty() {
            return;
        }
        let write = self.output.lock();
        drop(st);
        write(&out);
    }

    fn expired(&self, h: &Held, now: Instant) -> bool {
        h.since
            .checked_add(self.settings.incomplete_after)
            .is_some_and(|deadline| deadline <= now)
    }

    /// Removes `trace` and renders it, with a marker line saying what it lacks.
    fn take(&self, st: &mut State, trace: TraceId, why: Why, out: &mut String) {
        let Some(h) = st.held.remove(&trace) else {
            return;
        };
        let earlier = st.printed.1.contains_key(&trace);
        if !earlier {
            let (order, set) = &mut st.printed;
            order.push_back(trace);
            set.insert(trace, ());
            if order.len() > PRINTED_REMEMBERED {
                if let Some(old) = order.pop_front() {
                    set.remove(&old);
                }
            }
        }
        // `None`: evicted meanwhile (counted, reported below).
        let Some(spans) = self.waiting.trace(h.id) else {
            return;
        };
        self.waiting.forget(h.id);
        out.push_str(&render_tree(&spans, self.settings.style));
        let lacks = if !h.root && !earlier {
            "root not ended".to_owned()
        } else {
            format!(
                "{} not ended",
                count(self.open.pending(trace) as u64, "span")
            )
        };
        let after = seconds(self.settings.incomplete_after);
        let marker = match (why, earlier) {
            (Why::Whole, false) => None,
            (Why::Whole, true) => Some(CONTINUED.to_owned()),
            (Why::Timeout, _) => Some(format!("… incomplete: {lacks} after {after}")),
            (Why::Shutdown, _) => Some(format!("… incomplete at shutdown: {lacks}")),
        };
        if earlier && why != Why::Whole {
            out.push_str(CONTINUED);
            out.push('\n');
        }
        if let Some(m) = marker {
            out.push_str(&m);
            out.push('\n');
        }
    }

    /// A line counting what was lost since the last such line, if anything.
    fn report_losses(&self, st: &mut State, out: &mut String) {
        let stats = self.waiting.stats();
        let now = Losses {
            evicted: stats.evicted_traces,
            dropped: stats.dropped,
            forgotten: self.open.forgotten(),
        };
        let last = std::mem::replace(&mut st.reported, now);
        if now == last {
            return;
        }
        let w = self.settings.waiting;
        let mut parts = Vec::new();
        if now.evicted > last.evicted {
            parts.push(format!(
                "{} evicted before printing (over {} traces or {} waiting)",
                count(now.evicted - last.evicted, "trace"),
                w.max_traces,
                bytes(w.max_bytes)
            ));
        }
        if now.dropped > last.dropped {
            parts.push(format!(
                "{} dropped (larger than {} alone)",
                count(now.dropped - last.dropped, "span"),
                bytes(w.max_bytes)
            ));
        }
        if now.forgotten > last.forgotten {
            parts.push(format!(
                "open-span bookkeeping dropped {} (over {} open spans), so traces may print \
                 in parts",
                count(now.forgotten - last.forgotten, "time"),
                self.settings.max_open_spans
            ));
        }
        let _ = writeln!(out, "… console: {}", parts.join("; "));
    }
}

/// The timer thread: prints each trace still waiting when its timeout passes, whether or not
/// batches arrive (the SDK exports only when there are spans).
fn run_timer(shared: &Shared) {
    let mut st = shared.state.lock();
    loop {
        if st.stopped {
            return;
        }
        let after = shared.settings.incomplete_after;
        let next = st
            .held
            .values()
            .map(|h| h.since)
            .min()
            .and_then(|since| since.checked_add(after));
        match next {
            // Nothing waits, or never: sleep until a first trace is held or shutdown.
            None => shared.wake.wait(&mut st),
            Some(deadline) if Instant::now() < deadline => {
                shared.wake.wait_until(&mut st, deadline);
            }
            Some(_) => {
                MutexGuard::unlocked(&mut st, || shared.print_expired(Instant::now()));
            }
        }
    }
}

fn count(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format_duration(d)
    }
}

fn bytes(n: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if n >= MIB && n % MIB == 0 {
        format!("{} MiB", n / MIB)
    } else {
        format!("{n} bytes")
    }
}
