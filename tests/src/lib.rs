//! Shared pieces of the benchmark suite in `tests/benches`.
//!
//! Each bench target measures one group against its references in the same run:
//!
//! | target | group |
//! | --- | --- |
//! | `disabled` | NoOp scope, log call and counter against `tracing` without a subscriber, the OpenTelemetry no-op API and `metrics` without a recorder; allocations per operation |
//! | `basic` | Basic scopes (sync, async, nested), a log call to a discarding sink, counter and histogram against a fastrace local span and a `metrics` counter handle |
//! | `otel` | OpenTelemetry scopes with attributes and an event, counters and histograms against the raw SDK and `tracing` + `tracing-opentelemetry` |
//! | `export` | spans per second to an in-process OTLP gRPC receiver with the drop count; peak RSS with the collector down |
//! | `server` | the agent engine's request throughput and p50/p99 latency with NoOp, Basic and OpenTelemetry |
//! | `http` | a request through `telemetry-http`'s server layer into the OpenTelemetry implementation against the same axum router with no layer and with `tower-http`'s `TraceLayer` + `tracing-opentelemetry` ([`http`]) |
//! | `redact` | the GenAI layer's default redactor on a 4 KB agent message without and with secrets, against a `str::contains` scan of the same text |
//!
//! Criterion keeps time per operation in `<criterion home>/<group>/<case>/new/estimates.json`.
//! Numbers that are not a time per operation (allocations, spans per second, bytes, latency
//! percentiles) are written by [`record`] as `<criterion home>/agent-telemetry/<group>/<case>.json`
//! with the shape `{"group", "case", "value", "unit"}`. `cargo xtask bench` reads both and
//! writes README's Performance table.
//!
//! Run it with `cargo xtask bench` (about 15 minutes on 2 cores) or `cargo xtask bench --quick`
//! (about 5); one group with `cargo bench -p agent-telemetry-benches --bench otel`.
//! Wall-clock figures move with machine load (the table records the load average at the start);
//! for tuning, count instructions instead: `cargo xtask iai` (the `tests/iai` package) runs the
//! hot paths under Callgrind and leaves each row's profile under
//! `<target>/gungraun/agent-telemetry-iai/` for `callgrind_annotate`.
//!
//! # Reading the targets
//!
//! - **NoOp ≤ 2 ns.** `Telemetry` holds shared handles that hold nothing for NoOp, so a scope,
//!   log call or counter through the bundle is an inlined branch (about 1.5 ns for a scope,
//!   0.3 ns for a log call with prepared attributes, 1.1 ns for the `info!` macro), and a
//!   statically known NoOp type costs about 0.3 ns. Through a bare `Arc<dyn _>` a scope is a
//!   virtual call the compiler cannot remove (about 3.6 ns). Still over 2 ns: calls that build
//!   an `attrs!` array per call (2.6–2.9 ns), which pay for storing the array and for its drop
//!   glue, an out-of-line call (an attribute may own strings), before and after a call that
//!   does nothing; `info!` and prepared attributes avoid both. No NoOp call allocates.
//! - **Basic scope ≤ 60 ns.** One `Arc` allocation and free, four atomic read-modify-writes
//!   (attach, restore, strong and weak count), two random ids: about 55–65 ns depending on
//!   load.
//! - **OpenTelemetry ≤ 1.15× the raw SDK, ≥ 3× faster than `tracing-opentelemetry`.** A scope
//!   and its SDK span share one allocation (the extension is the unsized tail of the scope
//!   data), its attributes sit inline, a log call borrows the current scope and interns its
//!   event name, and spans are counted without wrapping the processor. What remains over the
//!   raw SDK making its span current is the copy of the scope's attributes (they serve
//!   `Context::attribute`) and the scope's own context; over the raw SDK's bare span value,
//!   the whole context machinery, which the bare value does not have. The span cases use the
//!   SDK's simple processor (see `benches/otel.rs`) and are the median of three runs: between
//!   identical single runs they moved by up to 30 %.
//! - **Export ≥ 100,000 spans/s with 0 drops.** The in-process receiver sets `TCP_NODELAY` as
//!   the Collector does; without it, Nagle's algorithm and the exporter's delayed ACK stalled
//!   exports for 40 ms at a time, and the 2048-span queue (20 ms at that rate) overflowed.
//! - **Server p50 ≤ 1.10× NoOp.** A scripted-model turn costs the engine little, so its
//!   telemetry is a large share of it: 7 spans with 3–7 attributes each, 9 span events and
//!   13 metric records. Callgrind counts about 76,000 more instructions per turn than with
//!   NoOp (about 16 % of a NoOp turn). About 30,000 of them run inside the SDK (building and
//!   ending spans, adding events and attributes, aggregating, and the batch processor's
//!   thread receiving and dropping the spans); the rest is this crate's mapping (copying
//!   attributes for the scope and converting them for the SDK, making spans current, binding
//!   metric attribute sets). Strings attached to many spans and records are shared
//!   (`Arc<str>`), so copies of them do not allocate; a turn allocates about 67 times more
//!   than with NoOp.
//!
//! ```
//! // Case names become file names the way criterion makes its directory names safe.
//! assert_eq!(agent_telemetry_benches::sanitize("p50 (µs)"), "p50___s_");
//! ```

pub mod http;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// Where criterion writes its results: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else the workspace's `target/criterion` (criterion's own order; `cargo xtask bench` sets
/// `CRITERION_HOME`).
pub fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("criterion"),
        // The workspace's target directory, where criterion writes (not the bench's working
        // directory, which is this package's).
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/criterion")),
    }
}

/// Records a measurement that is not a time per operation (for example `3.0` `"allocs/op"`,
/// `152000.0` `"spans/s"`, `41.5` `"MiB"`) and prints it. Failures to write are reported on
/// stderr and otherwise ignored: a benchmark run is never aborted by its report.
pub fn record(group: &str, case: &str, value: f64, unit: &str) {
    println!("{group}/{case}: {value} {unit}");
    let dir = criterion_home().join("agent-telemetry").join(group);
    let json = serde_json::json!({"group": group, "case": case, "value": value, "unit": unit});
    let file = dir.join(format!("{}.json", sanitize(case)));
    let written =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, format!("{json:#}\n")));
    if let Err(e) = written {
        eprintln!("could not write {}: {e}", file.display());
    }
}

/// A file-name-safe form of a case name (criterion does the same to its directories).
pub fn sanitize(case: &str) -> String {
    case.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Whether the suite runs in quick mode (`cargo xtask bench --quick` sets `AT_BENCH_QUICK=1`):
/// the non-criterion measurements then use smaller sample counts.
pub fn quick() -> bool {
    std::env::var_os("AT_BENCH_QUICK").is_some_and(|v| v == "1")
}

/// A span exporter that drops every batch, so a benchmark measures instrumentation, not I/O.
#[derive(Debug, Default)]
pub struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        drop(std::hint::black_box(batch));
        Ok(())
    }
}

/// This project's OpenTelemetry implementation as the `otel` and `http` groups measure it:
/// spans through the SDK's simple span processor into [`Discard`] (ended and freed on the
/// calling thread, so figures are the instrumentation itself), no log exporter, and a metric
/// reader whose one-hour interval never fires during a run.
///
/// # Panics
/// Never for this fixed configuration.
pub fn otel_discarding() -> telemetry_otel::OpenTelemetry {
    use telemetry_otel::{ExporterKind, OpenTelemetry, Signal};
    OpenTelemetry::builder("bench")
        .with_env_source(|_| None)
        .with_exporters(Signal::Traces, &[])
        .with_exporters(Signal::Logs, &[])
        .with_exporters(Signal::Metrics, &[ExporterKind::Console])
        .with_metric_export_interval(std::time::Duration::from_secs(3600))
        .with_span_processor(opentelemetry_sdk::trace::SimpleSpanProcessor::new(Discard))
        .build()
        .expect("a valid configuration")
}

/// A coding agent's turn: prose, code, paths, ids and the words that make rules run
/// (`key`, `token`, `auth`, `access`, `secret`, `password`), but no secret.
const PARAGRAPH: &str = "The agent opened src/auth/session.rs and read the token refresh logic. \
The access check calls verify_key(&cfg) before the request reaches the handler; the secret \
store is mounted at /var/run/secrets and rotated every 24 hours. Tests in tests/auth.rs fail \
with `expected 200, got 401` after commit 9fceb02d0ae598e95dc970b74767f19372d61af8. \
Request 123e4567-e89b-12d3-a456-426614174000 took 35 ms; max_tokens = 4096, temperature 0.2. \
They asked whether the password policy (12 characters, one digit) applies to API keys too.\n";

/// Eight secrets of the kinds the default redactor masks (AWS, GitHub, OpenAI, a password
/// assignment, a bearer token, Slack, a database URL, a JWT), for [`agent_message`].
pub const SECRETS: [&str; 8] = [
    "AKIAQYLPMN5HHHFPZAM2",
    "ghp_R2fQxL9mZ0bV7cN4kT8sW1yH6jD3aE5uP0oI",
    "sk-proj-Qm3vX9bL2nR7tY5wK8pZ1cF4hJ6dS0aG3eU9iO2x",
    "password=Tr0ub4dor-3",
    "Authorization: Bearer mF7kQ2xZ9pL4wR8tV1nB6cY3hJ0sD5gA",
    "xoxb-202019283746-2020192837465-Qm3vX9bL2nR7tY5wK8pZ1cF4",
    "postgres://app:Pw4kQ2xZ9pL@db.internal:5432/app",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
];

/// A 4 KB coding agent's message (the paragraph above, repeated), with `secrets[i]` after the
/// `i`th paragraph: the redaction benchmarks' input (`benches/redact.rs`, `iai/`).
pub fn agent_message(secrets: &[&str]) -> String {
    let mut s = String::with_capacity(4096 + 512);
    let mut i = 0;
    while s.len() < 4096 {
        s.push_str(PARAGRAPH);
        if let Some(secret) = secrets.get(i) {
            s.push_str("Use ");
            s.push_str(secret);
            s.push_str(" for this.\n");
        }
        i += 1;
    }
    s
}

/// Polls a future that never waits to completion with a no-op waker.
///
/// # Panics
/// Never; it spins while the future is pending, so only use it for futures that do not wait.
pub fn run_ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// A global allocator that counts allocations, for allocations per operation. Install it in a
/// bench binary with `#[global_allocator]`.
#[derive(Debug)]
pub struct CountingAllocator {
    allocations: AtomicU64,
}

impl CountingAllocator {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self {
            allocations: AtomicU64::new(0),
        }
    }

    /// Allocations (including reallocations) so far, on every thread.
    pub fn allocations(&self) -> u64 {
        self.allocations.load(Ordering::Relaxed)
    }

    /// Average allocations per call of `f` over `iterations` calls, on this thread's work
    /// (other threads must be idle for the number to mean anything).
    pub fn per_op(&self, iterations: u64, mut f: impl FnMut()) -> f64 {
        let before = self.allocations();
        for _ in 0..iterations {
            f();
        }
        (self.allocations() - before) as f64 / iterations as f64
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; only a counter is added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.allocations.fetch_add(1, Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Resident set size of this process now and at its peak, in bytes, from `/proc/self/status`
/// (`VmRSS`, `VmHWM`). `None` where that file does not exist.
pub fn rss() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status.lines().find_map(|l| {
            let rest = l.strip_prefix(name)?.trim().strip_suffix("kB")?;
            rest.trim().parse::<u64>().ok().map(|kb| kb * 1024)
        })
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resets the peak RSS (`VmHWM`) to the current RSS (Linux ≥ 4.0, `/proc/self/clear_refs`
/// value 5), so a later [`rss`] reports the peak of what ran in between. Returns whether the
/// reset worked.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// README.md's Rust code blocks, compiled and run as this crate's doc tests (`cargo test -p
/// agent-telemetry-benches --doc`, part of `cargo xtask test`), so a stale snippet fails CI.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
