//! Proves the NoOp path never touches the heap: every call through `Arc<dyn Trait>` runs under a
//! counting global allocator, which must see zero allocations.
//!
//! One test per binary (this file) so no other test thread allocates while we count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::Duration;

use std::sync::Arc;

use telemetry_core::{
    CorrelatorExt, InstrumentDescriptor, Lifecycle, LogLevel, MeterExt, ScopeOptions, SpanKind,
    Telemetry, TelemetryError, attrs,
};

/// A part to flush, so the bundle below has something in its lifecycle list.
struct Flushable;

#[async_trait::async_trait]
impl Lifecycle for Flushable {
    async fn force_flush(&self, _: Duration) -> Result<(), TelemetryError> {
        Ok(())
    }
    async fn shutdown(&self, _: Duration) -> Result<(), TelemetryError> {
        Ok(())
    }
}

struct CountingAllocator;

thread_local! {
    // Const-initialised and without a destructor, so reading it never allocates. Only the test
    // thread counts: the harness's other threads may allocate at any time.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: delegates to the system allocator; only counts.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations_during(f: impl FnOnce()) -> usize {
    ALLOCATIONS.store(0, Ordering::SeqCst);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.load(Ordering::SeqCst)
}

fn poll_to_end<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[test]
fn noop_calls_never_allocate() {
    // Construction may allocate (the Arcs); calls may not, and neither may cloning the bundle,
    // which servers do per request.
    let t = Telemetry::noop().with_lifecycle(Arc::new(Flushable));
    let counter_desc = InstrumentDescriptor::new("requests").unwrap();
    let hist_desc = InstrumentDescriptor::new("latency").unwrap().seconds();

    // The first unnamed scope prints the one-time warning, and printing may allocate; later
    // ones are only counted.
    drop(t.correlator.open_scope(ScopeOptions::new("")));

    // The counter must see allocations, or a zero below proves nothing.
    assert!(allocations_during(|| drop(std::hint::black_box(Box::new(1u64)))) > 0);

    let n = allocations_during(|| {
        for _ in 0..1000 {
            drop(std::hint::black_box(t.clone()));
            let a = attrs!["http.request.method" => "POST", "attempt" => 3, "ok" => true];
            // Correlator: sync, async, explicit options, lookups.
            let guard = t.correlator.enter_scope("request", &a);
            guard.set_attribute("http.response.status_code", 200);
            guard.record_error("timeout", "upstream timed out");
            let inner = t.correlator.open_scope(
                ScopeOptions::new("child")
                    .attributes(&a)
                    .kind(SpanKind::Client),
            );
            let _entered = inner.enter();
            assert_eq!(t.correlator.correlation_id(), None);
            assert_eq!(t.correlator.attribute("ok"), None);
            let v = poll_to_end(t.correlator.scoped("tool", &a, async { 7 }));
            assert_eq!(v, 7);
            // An empty name opens the NoOp scope too (counted, not failed).
            let unnamed = t.correlator.open_scope(ScopeOptions::new(""));
            assert!(unnamed.context().is_none());
            drop(guard);

            // Logger.
            assert!(!t.logger.enabled(LogLevel::Critical));
            t.logger.info("hello", &a);
            t.logger.log(LogLevel::Error, "boom", &a);
            t.logger
                .log_fmt(LogLevel::Warning, format_args!("{} of {}", 1, 2), &a);

            // Meter: by name, by handle, durations, measure_duration.
            t.meter.record_counter("requests", 1, &a);
            t.meter.record_histogram("latency", 0.25, &a);
            t.meter
                .record_duration("latency", Duration::from_millis(3), &a);
            let c = t.meter.counter(&counter_desc);
            c.add(1, &a);
            let h = t.meter.histogram(&hist_desc);
            h.record(0.5, &a);
            h.record(f64::NAN, &a);
            drop(h.start_timer(&a));
            t.meter.up_down_counter(&counter_desc).add(-1, &a);
            t.meter.gauge(&counter_desc).record(1.0, &a);
            let r: Result<(), &str> =
                poll_to_end(t.meter.measure_duration("latency", &a, async { Err("x") }));
            assert!(r.is_err());
        }
    });
    assert_eq!(n, 0, "NoOp calls allocated {n} times");
}
