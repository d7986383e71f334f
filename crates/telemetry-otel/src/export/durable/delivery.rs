//! The delivery thread of one signal: takes the oldest request, sends it, and on a transient
//! failure keeps it at the head and waits (backoff or the server's delay) while new requests
//! queue behind it; plus hand-off (the exporter's side), flush and shutdown.
//!
//! Everything shared sits behind one mutex, held only for bookkeeping: never across a network
//! call, and across file I/O only for reading a spooled request back (the hand-off writes its
//! file before taking the lock).

mod lifecycle;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use crate::drops::{DropReason, unix_ms};
use crate::export::durable::encode::Encoding;
use crate::export::durable::queue::{Entry, Evicted, Queue};
use crate::export::durable::retry::{Backoff, Outcome};
use crate::export::durable::spool::Spool;
use crate::export::durable::transport::Transport;
use crate::failures::Stats;
use crate::signal::Signal;

/// One signal's delivery: shared by its exporter (hand-off), its thread and the lifecycle.
pub(crate) struct Delivery {
    pub(crate) signal: Signal,
    pub(crate) stats: Arc<Stats>,
    pub(crate) endpoint: Arc<str>,
    /// Set once the backend answered that it does not take the signal.
    pub(crate) refused: Arc<AtomicBool>,
    pub(crate) encoding: Encoding,
    spool: Option<Spool>,
    window: Duration,
    timeout: Duration,
    state: Mutex<State>,
    changed: Condvar,
}

struct State {
    queue: Queue,
    /// Shutdown's deadline, once shutdown started.
    closing: Option<Instant>,
    /// The thread has ended.
    stopped: bool,
    next_attempt: Option<Instant>,
    backoff: Backoff,
    /// Failed attempts since start.
    failures: u64,
    /// Requests given up on (rejected, retry window, shutdown) since start.
    given_up: u64,
    /// Why the latest was given up on.
    last_given_up: Option<String>,
}

/// Counts taken before a flush or shutdown, to tell what failed during it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark(u64);

impl Delivery {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        signal: Signal,
        stats: Arc<Stats>,
        endpoint: Arc<str>,
        refused: Arc<AtomicBool>,
        encoding: Encoding,
        spool: Option<(Spool, Vec<Entry>)>,
        mem_limit: u64,
        spool_limit: u64,
        window: Duration,
        timeout: Duration,
    ) -> Self {
        let mut queue = Queue::new(mem_limit, spool_limit);
        let spool = spool.map(|(spool, found)| {
            for e in found {
                // Bounds are applied as the hand-offs come; what an earlier process left is
                // within the same spool bound already (or trimmed here).
                let ev = queue.push(e);
                for seq in &ev.files {
                    spool.remove(*seq);
                }
                for e in ev.spool_full {
                    stats.dropped(signal, DropReason::SpoolFull, e.items, true);
                }
            }
            spool
        });
        let d = Self {
            signal,
            stats,
            endpoint,
            refused,
            encoding,
            spool,
            window,
            timeout,
            state: Mutex::new(State {
                queue,
                closing: None,
                stopped: false,
                next_attempt: None,
                backoff: Backoff::default(),
                failures: 0,
                given_up: 0,
                last_given_up: None,
            }),
            changed: Condvar::new(),
        };
        d.gauges(&d.state.lock());
        d
    }

    pub(crate) fn is_refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    /// The spool file path of a sequence number, for warnings.
    fn file(&self, seq: u64) -> PathBuf {
        self.spool.as_ref().map(|s| s.path(seq)).unwrap_or_default()
    }

    /// The exporter's side: queues one encoded request (written to the spool first, when
    /// there is one). Never blocks on the network.
    pub(crate) fn hand_off(&self, encoded: Result<Vec<u8>, String>, items: u64) {
        let body = match encoded {
            Ok(b) => Bytes::from(b),
            Err(e) => {
                self.stats
                    .attempt_failed(self.signal, &self.endpoint, &e, None);
                self.stats
                    .dropped(self.signal, DropReason::Rejected, items, false);
                return;
            }
        };
        let created_ms = unix_ms(SystemTime::now());
        let file = self.spool.as_ref().and_then(|s| {
            match s.write(self.encoding, items, created_ms, &body) {
                Ok(f) => Some(f),
                Err(e) => {
                    self.stats.spool_error(
                        self.signal,
                        &format!("cannot write to the spool {} ({e})", s.dir().display()),
                    );
                    None
                }
            }
        });
        let mut entry = Entry::new(body, items, created_ms, file);
        let mut st = self.state.lock();
        entry.failures_at_queueing = st.failures;
        let ev = st.queue.push(entry);
        self.evicted(ev);
        self.gauges(&st);
        drop(st);
        self.changed.notify_all();
    }

    fn evicted(&self, ev: Evicted) {
        for seq in &ev.files {
            if let Some(s) = &self.spool {
                s.remove(*seq);
            }
        }
        for e in ev.queue_full {
            self.stats
                .dropped(self.signal, DropReason::QueueFull, e.items, e.replayed);
        }
        for e in ev.spool_full {
            self.stats
                .dropped(self.signal, DropReason::SpoolFull, e.items, e.replayed);
        }
    }

    fn gauges(&self, st: &State) {
        let s = self.stats.signal(self.signal);
        s.queued_bytes
            .store(st.queue.mem_bytes(), Ordering::Relaxed);
        s.spool_bytes
            .store(st.queue.spool_bytes(), Ordering::Relaxed);
        s.oldest_pending_ms
            .store(st.queue.oldest_ms().unwrap_or(0), Ordering::Relaxed);
    }

    /// Removes a finished entry's spool file.
    fn forget(&self, e: &Entry) {
        if let (Some(s), Some((seq, _))) = (&self.spool, e.file) {
            s.remove(seq);
        }
    }

    /// The thread's loop; returns when shutdown is over.
    pub(crate) fn run(&self, transport: Transport) {
        loop {
            let Some((body, timeout)) = self.next() else {
                break;
            };
            let outcome = transport.send(self.signal, self.encoding, &body, timeout);
            self.settle(outcome);
        }
        let mut st = self.state.lock();
        st.stopped = true;
        self.gauges(&st);
        drop(st);
        self.changed.notify_all();
    }

    /// Waits for the next attempt: the head's bytes and the attempt's timeout; `None` when
    /// the thread should end.
    fn next(&self) -> Option<(Bytes, Duration)> {
        loop {
            let mut st = self.state.lock();
            if !self.wait_for_head(&mut st) {
                return None;
            }
            st.queue.busy = true;
            let head = st.queue.front().expect("not empty");
            let timeout = match st.closing {
                Some(d) => self
                    .timeout
                    .min(d.saturating_duration_since(Instant::now())),
                None => self.timeout,
            };
            if let Some(body) = &head.body {
                return Some((body.clone(), timeout));
            }
            let seq = head.file.map_or(0, |(seq, _)| seq);
            let read = match &self.spool {
                Some(s) => s.read(seq),
                None => Err("no spool".to_owned()),
            };
            match read {
                Ok((_, body)) => {
                    st.queue.load_front(body.clone());
                    return Some((body, timeout));
                }
                Err(why) => {
                    let e = st.queue.pop().expect("not empty");
                    self.forget(&e);
                    self.gauges(&st);
                    drop(st);
                    self.corrupt(&self.file(seq), &why);
                }
            }
        }
    }

    /// Waits until the head may be sent; `false` when the thread should end.
    fn wait_for_head(&self, st: &mut parking_lot::MutexGuard<'_, State>) -> bool {
        loop {
            let now = Instant::now();
            if st.queue.is_empty() {
                if st.closing.is_some() {
                    return false;
                }
                self.changed.wait(st);
                continue;
            }
            if self.is_refused() {
                let mut n = 0;
                for e in st.queue.drain() {
                    self.forget(&e);
                    n += e.items;
                }
                self.stats.refused_items(self.signal, n as usize);
                self.gauges(st);
                self.changed.notify_all();
                continue;
            }
            if st.closing.is_some_and(|deadline| now >= deadline) {
                self.abandon(st);
                return false;
            }
            if let Some(at) = st.next_attempt.filter(|at| *at > now) {
                let until = st.closing.map_or(at, |d| d.min(at));
                self.changed.wait_until(st, until);
                continue;
            }
            return true;
        }
    }

    /// One warning per damaged spool file, naming it; counted in files.
    pub(crate) fn corrupt(&self, path: &std::path::Path, why: &str) {
        eprintln!(
            "agent-telemetry: OpenTelemetry {}: spool file {} skipped: {why}; the other files \
             are delivered",
            self.signal,
            path.display()
        );
        self.stats
            .dropped(self.signal, DropReason::CorruptSpoolFile, 1, true);
    }

    /// Books one attempt's outcome.
    fn settle(&self, outcome: Outcome) {
        let mut st = self.state.lock();
        st.queue.busy = false;
        let now = Instant::now();
        match outcome {
            Outcome::Delivered { rejected, message } => {
                st.backoff.reset();
                st.next_attempt = None;
                let e = st.queue.pop().expect("the head was sent");
                self.forget(&e);
                let late = e.replayed || st.failures > e.failures_at_queueing;
                let rejected = if self.signal == Signal::Metrics {
                    0
                } else {
                    rejected.min(e.items)
                };
                self.stats
                    .delivered(self.signal, e.items - rejected, late, e.replayed);
                if rejected > 0 || !message.is_empty() {
                    self.stats.partial_success(
                        self.signal,
                        &self.endpoint,
                        rejected,
                        &message,
                        e.replayed,
                    );
                }
            }
            Outcome::Retry { detail, after } => {
                st.failures += 1;
                let head = st.queue.front_mut().expect("the head was sent");
                let first = *head.first_failure.get_or_insert(now);
                let on_disk = head.file.is_some();
                if now.duration_since(first) >= self.window && !on_disk {
                    self.stats
                        .attempt_failed(self.signal, &self.endpoint, &detail, None);
                    let e = st.queue.pop().expect("the head was sent");
                    self.give_up(&mut st, &e, DropReason::RetryWindow, detail);
                } else {
                    if now.duration_since(first) >= self.window {
                        // Safe on disk: free its memory, keep trying at the backoff's pace.
                        st.queue.evict_front_body();
                    }
                    let wait = st.backoff.next(after);
                    st.next_attempt = Some(now + wait);
                    self.stats
                        .attempt_failed(self.signal, &self.endpoint, &detail, Some(wait));
                }
            }
            Outcome::Rejected { detail } => {
                st.failures += 1;
                st.backoff.reset();
                st.next_attempt = None;
                self.stats
                    .attempt_failed(self.signal, &self.endpoint, &detail, None);
                let e = st.queue.pop().expect("the head was sent");
                self.give_up(&mut st, &e, DropReason::Rejected, detail);
            }
            Outcome::Refused { answer } => {
                let e = st.queue.pop().expect("the head was sent");
                self.forget(&e);
                if self.refused.swap(true, Ordering::AcqRel) {
                    self.stats.refused_items(self.signal, e.items as usize);
                } else {
                    self.stats
                        .refused(self.signal, &self.endpoint, answer, e.items as usize);
                }
            }
        }
        self.gauges(&st);
        drop(st);
        self.changed.notify_all();
    }

    fn give_up(&self, st: &mut State, e: &Entry, reason: DropReason, detail: String) {
        self.forget(e);
        st.given_up += 1;
        st.last_given_up = Some(format!(
            "{} of {} dropped ({}): {}",
            e.items,
            self.signal,
            reason.name(),
            crate::cause::describe(&detail)
        ));
        self.stats.dropped(self.signal, reason, e.items, e.replayed);
    }

    /// At shutdown's deadline: what is on disk stays there for the next start; the rest is
    /// dropped and counted.
    fn abandon(&self, st: &mut State) {
        let mut kept = 0;
        let mut lost = 0;
        for e in st.queue.drain() {
            if e.file.is_some() {
                kept += e.items;
                continue;
            }
            let written = match (&self.spool, &e.body) {
                (Some(s), Some(body)) => {
                    s.write(self.encoding, e.items, e.created_ms, body).is_ok()
                }
                _ => false,
            };
            if written {
                kept += e.items;
            } else {
                lost += 1;
                self.stats
                    .dropped(self.signal, DropReason::Shutdown, e.items, e.replayed);
            }
        }
        if kept > 0 {
            self.stats
                .signal(self.signal)
                .spooled
                .fetch_add(kept, Ordering::Relaxed);
        }
        if lost > 0 {
            st.given_up += lost;
            st.last_given_up = Some(format!(
                "{lost} requests still undelivered at the deadline were dropped (set \
                 AGENT_TELEMETRY_SPOOL_DIR to keep them for the next start)"
            ));
        }
        // On disk now, not pending in this process.
        self.gauges(st);
        let s = self.stats.signal(self.signal);
        s.queued_bytes.store(0, Ordering::Relaxed);
        s.oldest_pending_ms.store(0, Ordering::Relaxed);
    }
}
