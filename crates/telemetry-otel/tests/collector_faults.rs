//! Collector faults, end to end against in-process receivers (`telemetry_testkit::faults`):
//! a collector that restarts mid-stream, one that never answers (black hole), one that answers
//! each export after 2 s, and logs of a scope that never ends. Each test prints its figures
//! (`--no-capture`); none asserts on time except that shutdown returns.
//!
//! The accounting identity checked everywhere: spans received + spans counted as lost
//! (`failed_items` + `not_exported` of [`ExportFailures`](telemetry_otel::ExportFailures)) =
//! spans emitted, exactly.

mod common;

use std::time::{Duration, Instant};

use common::builder;
use telemetry_core::{Attribute, CorrelatorExt, Lifecycle, Logger};
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::faults::{BlackHole, RestartableReceiver, SlowProxy};
use telemetry_testkit::{Received, mock};

const WAIT: Duration = Duration::from_secs(20);

/// Resident set size of this process in bytes (Linux `/proc/self/statm`), 0 elsewhere.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn traces_only(name: &str, endpoint: String, extra: &[(&str, &str)]) -> OpenTelemetry {
    let mut vars = vec![("OTEL_BSP_SCHEDULE_DELAY", "100")];
    vars.extend_from_slice(extra);
    common::traces_only(name, endpoint, &vars).build().unwrap()
}

/// Sequence numbers of the spans named `name` that arrived (one entry per received span).
fn seqs(r: &Received, name: &str) -> Vec<u64> {
    r.spans
        .iter()
        .filter(|s| s.name == name)
        .map(|s| s.attributes["seq"].parse().unwrap())
        .collect()
}

/// `n` spans, each with one event (a log call inside it), numbered from `*next`.
fn emit(otel: &OpenTelemetry, name: &'static str, next: &mut u64, n: u64) {
    for _ in 0..n {
        let s = otel.enter_scope(name, &[Attribute::new("seq", *next as i64)]);
        otel.info("working", &[]);
        drop(s);
        *next += 1;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// p50 and p99 of one scope with one event, over `n` iterations.
fn scope_latency(otel: &OpenTelemetry, n: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        let s = otel.enter_scope("op", &[Attribute::new("seq", i as i64)]);
        otel.info("event", &[Attribute::new("i", i as i64)]);
        drop(s);
        times.push(t.elapsed());
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_resumes_after_a_restart_and_every_span_is_received_or_counted() {
    let mut receiver = RestartableReceiver::start().await;
    let otel = traces_only("restart", format!("http://{}", receiver.addr()), &[]);
    let mut next = 0;
    // Before: the collector is up.
    for _ in 0..10 {
        emit(&otel, "restart", &mut next, 20);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    while receiver.span_count().await == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let before = next;
    // Down for about 3 s: connections refused, exports fail after their retries.
    receiver.stop().await;
    for _ in 0..30 {
        emit(&otel, "restart", &mut next, 10);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let during = next - before;
    // Back on the same port; the application was never restarted.
    receiver.restart().await;
    let after_start = next;
    for _ in 0..10 {
        emit(&otel, "restart", &mut next, 20);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    otel.shutdown(WAIT).await.unwrap();
    let got = seqs(&receiver.received().await, "restart");
    let f = otel.export_failures();
    let mut distinct = got.clone();
    distinct.sort_unstable();
    distinct.dedup();
    eprintln!(
        "restart: emitted {next} ({before} before, {during} while down, {} after); received \
         {}; counted lost: {} in {} failed exports + {} never exported",
        next - after_start,
        got.len(),
        f.traces.failed_items,
        f.traces.failed_exports,
        f.traces.not_exported
    );
    assert_eq!(distinct.len(), got.len(), "a span arrived twice");
    assert_eq!(
        got.len() as u64 + f.traces.failed_items + f.traces.not_exported,
        next,
        "received + counted as lost != emitted: {f:?}"
    );
    // Export resumed: spans emitted after the restart arrived, all of them.
    assert_eq!(
        got.iter().filter(|&&s| s >= after_start).count() as u64,
        next - after_start
    );
    assert!(
        f.traces.failed_exports > 0,
        "the outage went unnoticed: {f:?}"
    );
    receiver.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_black_hole_collector_keeps_calls_fast_memory_bounded_and_shutdown_on_time() {
    const N: usize = 20_000;
    // Healthy reference first, in the same process and run.
    let healthy = mock::receiver().await;
    let otel = traces_only("healthy", format!("http://{}", healthy.addr()), &[]);
    scope_latency(&otel, 2_000); // warm-up
    let (h50, h99) = scope_latency(&otel, N);
    otel.shutdown(WAIT).await.unwrap();
    healthy.shutdown().await.unwrap();

    let hole = BlackHole::start().await;
    let otel = traces_only(
        "black-hole",
        format!("http://{}", hole.addr()),
        &[("OTEL_EXPORTER_OTLP_TIMEOUT", "1000")],
    );
    // Let the first export get stuck before measuring.
    emit(&otel, "op", &mut 0, 600);
    while hole.connections() == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let rss_start = rss_bytes();
    scope_latency(&otel, 2_000);
    let (s50, s99) = scope_latency(&otel, N);
    let mut peak = rss_bytes();
    // Ten times as many again: memory must not follow.
    for _ in 0..10 {
        scope_latency(&otel, N);
        peak = peak.max(rss_bytes());
    }
    let emitted = 600 + 2_000 + 11 * N as u64;
    let timeout = Duration::from_secs(5);
    let t = Instant::now();
    let result = otel.shutdown(timeout).await;
    let took = t.elapsed();
    let f = otel.export_failures();
    eprintln!(
        "black hole: scope+event p50/p99 healthy {h50:?}/{h99:?}, stuck {s50:?}/{s99:?}; RSS \
         {} KiB at start, {} KiB peak over {emitted} spans; shutdown({timeout:?}) took \
         {took:?} ({result:?}); counted lost {} failed + {} not exported; {} connections",
        rss_start / 1024,
        peak / 1024,
        f.traces.failed_items,
        f.traces.not_exported,
        hole.connections()
    );
    // Nothing was received, so everything is counted as lost.
    assert_eq!(f.traces.failed_items + f.traces.not_exported, emitted);
    // The queue (2048 spans) bounds memory: 220,000 spans would need far more than this.
    assert!(
        peak.saturating_sub(rss_start) < 64 << 20,
        "RSS grew {} KiB",
        (peak - rss_start) / 1024
    );
    // Shutdown returns by its timeout (slack for a loaded machine).
    assert!(
        took < timeout + Duration::from_secs(10),
        "shutdown took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_collector_blocks_nothing_and_drops_are_counted() {
    let receiver = mock::receiver().await;
    let slow = SlowProxy::start(receiver.addr(), Duration::from_secs(2)).await;
    // The export queue behind the slow collector is bounded in bytes: a few batches, so that
    // it fills and drops (oldest first), and what it holds at shutdown is delivered in time.
    let otel = traces_only(
        "slow",
        format!("http://{}", slow.addr()),
        &[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "256"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "128"),
            ("AGENT_TELEMETRY_EXPORT_QUEUE_BYTES", "64KiB"),
        ],
    );
    let mut next = 0;
    let rss_start = rss_bytes();
    let t = Instant::now();
    for _ in 0..20 {
        emit(&otel, "slow", &mut next, 500);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let emitting = t.elapsed();
    let rss_peak = rss_bytes();
    let t = Instant::now();
    otel.shutdown(WAIT).await.unwrap();
    let shutdown = t.elapsed();
    let got = seqs(&receiver.with_collector(mock::received).await, "slow");
    let f = otel.export_failures();
    eprintln!(
        "slow collector (2 s per export): emitted {next} in {emitting:?} (20 × 500 with 100 ms \
         pauses); received {}; counted lost {} failed + {} dropped on the full queue; RSS {} \
         -> {} KiB; shutdown took {shutdown:?}",
        got.len(),
        f.traces.failed_items,
        f.traces.not_exported,
        rss_start / 1024,
        rss_peak / 1024
    );
    assert_eq!(
        got.len() as u64 + f.traces.failed_items + f.traces.not_exported,
        next,
        "{f:?}"
    );
    assert!(!got.is_empty());
    assert!(f.traces.not_exported > 0, "the queue never filled: {f:?}");
    receiver.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_records_of_a_scope_that_never_ends_reach_the_collector() {
    let receiver = mock::receiver().await;
    let otel = builder("hung", &[("OTEL_METRICS_EXPORTER", "none")])
        .with_endpoint(format!("http://{}", receiver.addr()))
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let o = otel.clone();
    // A task that hangs inside its scope: the thread is never joined, the span never ends.
    std::thread::spawn(move || {
        let scope = o.enter_scope("hung task", &[]);
        o.info("started the hung task", &[]);
        o.warning("waiting for an answer that never comes", &[]);
        tx.send(scope.correlation_id().unwrap()).unwrap();
        std::thread::park();
        loop {
            std::thread::park();
        }
    });
    let trace_id = rx.recv().unwrap();
    otel.shutdown(WAIT).await.unwrap();
    receiver.wait_for_logs(2, WAIT).await.unwrap();
    let got = receiver.with_collector(mock::received).await;
    let logs: Vec<_> = got
        .logs
        .iter()
        .filter(|l| l.trace_id == trace_id.to_string())
        .map(|l| l.body.as_str())
        .collect();
    assert_eq!(
        logs,
        [
            "started the hung task",
            "waiting for an answer that never comes"
        ]
    );
    assert!(got.spans.iter().all(|s| s.name != "hung task"));
    // The span is counted: started, never exported.
    assert_eq!(otel.export_failures().traces.not_exported, 1);
    receiver.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losses_are_exported_as_sdk_self_observability_metrics() {
    let receiver = mock::receiver().await;
    // Traces go nowhere (a closed port); metrics reach the receiver.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    // A short retry window, so that the failing batch is given up on (and counted as lost)
    // within the test.
    let otel = builder(
        "self-metrics",
        &[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("AGENT_TELEMETRY_EXPORT_RETRY_WINDOW", "1s"),
        ],
    )
    .with_endpoint(format!("http://{}", receiver.addr()))
    .with_self_observability(true)
    .with_signal_endpoint(
        telemetry_otel::Signal::Traces,
        format!("http://{closed}/v1/traces"),
    )
    .build()
    .unwrap();
    emit(&otel, "lost", &mut 0, 50);
    // Wait for the failed export to be counted, so that the final collection reports it.
    while otel.export_failures().traces.failed_items < 50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    otel.shutdown(WAIT).await.unwrap();
    receiver.wait_for_metrics(1, WAIT).await.unwrap();
    let got = receiver.with_collector(mock::received).await;
    let value = |name: &str, error: Option<&str>| {
        got.metrics
            .iter()
            .filter(|p| {
                p.metric == name && p.attributes.get("error.type").map(String::as_str) == error
            })
            .map(|p| p.sum)
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
    };
    assert_eq!(value("otel.sdk.span.started", None), Some(50.0));
    assert_eq!(
        value("otel.sdk.exporter.span.exported", Some("export_failed")),
        Some(50.0)
    );
    assert_eq!(value("otel.sdk.exporter.span.exported", None), Some(0.0));
    assert_eq!(
        value("agent_telemetry.sdk.span.not_exported", None),
        Some(0.0)
    );
    let unit = got
        .metrics
        .iter()
        .find(|p| p.metric == "otel.sdk.span.started")
        .map(|p| p.unit.clone());
    assert_eq!(unit.as_deref(), Some("{span}"));
    receiver.shutdown().await.unwrap();
}
