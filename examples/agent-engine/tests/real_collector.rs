//! Through a real OpenTelemetry collector restarted mid-run: the built `agent-engine serve
//! --open-telemetry` exports OTLP/gRPC to a `rotel-agent` process (the Rust collector shipped
//! in the PyPI package `rotel==0.0.1a15`), which forwards OTLP/HTTP to an in-process receiver.
//! Five turns with the collector up; SIGTERM to the collector, as a rolling restart sends, and
//! five turns while it is down (about 2.5 s); a new collector process on the same ports; five
//! turns more. Every span and log record of the fifteen turns arrives, each trace whole, and
//! the last cumulative `http.server.request.duration` point counts all fifteen turns, without
//! an engine restart: the engine's exporter retries what the collector did not take, and its
//! exit line counts what rode the outage out as "delivered late". The engine is only ever
//! given the collector's address, so what the receiver holds came through the collector, whose
//! own log shows that it started twice.
//!
//! What rotel (0.0.1-alpha10 binary in that package) does on SIGTERM, found by experiment: it
//! stops its receivers, flushes the batch it holds to its exporter (a 10 s `--batch-timeout`
//! batch arrived at once), and exits 0. When its exporter's endpoint is down at that moment, it
//! retries for about 3 s, then logs `Exporters did not exit on channel close, cancelling` and
//! `timed out waiting for requests to finish`, exits 0 all the same, and what it held is lost.
//! `start --help` offers no disk queue: across a restart of this collector, the data rides on
//! the sender's retry. `--log-file` and `--pid-file` are only used with `--daemon`; in the
//! foreground it logs to stdout, which this test keeps in a file.
//!
//! The binary comes from `ROTEL_AGENT` (its path), which `cargo xtask test` sets after
//! installing the package in a venv under the target directory. Without it the test prints
//! `skipped: …` and passes, except under `CI`, where it fails; `ROTEL_AGENT=skip` or
//! `skip:<why>` skips it anywhere.
#![cfg(unix)]

mod common;

use std::collections::HashSet;
use std::fs::File;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::engine::{Engine, otlp_env};
use telemetry_testkit::Received;
use telemetry_testkit::faults::RestartableReceiver;

/// The variable naming the `rotel-agent` binary, or `skip` / `skip:<why>`.
const BINARY_VAR: &str = "ROTEL_AGENT";

/// Whether this runs under CI (`CI` set, and not to `false` or `0`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The `rotel-agent` binary, or `None` after printing why the test is skipped.
///
/// # Panics
/// When `ROTEL_AGENT` names no file, or is unset under CI.
fn rotel_agent() -> Option<PathBuf> {
    match std::env::var(BINARY_VAR) {
        Ok(v) if v == "skip" => {
            eprintln!("skipped: {BINARY_VAR}=skip");
            None
        }
        Ok(v) if v.starts_with("skip:") => {
            eprintln!("skipped: {}", &v["skip:".len()..]);
            None
        }
        Ok(path) => {
            assert!(
                Path::new(&path).is_file(),
                "{BINARY_VAR}={path} is not a file: point it at the rotel-agent binary"
            );
            Some(path.into())
        }
        Err(_) => {
            let how = "`cargo xtask test` installs it (PyPI rotel==0.0.1a15 in a venv under the \
                       target directory) and sets it; by hand: `python3 -m venv v && \
                       v/bin/pip install rotel==0.0.1a15`, then ROTEL_AGENT=\
                       v/lib/python3.X/site-packages/rotel/rotel-agent";
            assert!(
                !in_ci(),
                "{BINARY_VAR} is not set, and under CI this test must run: {how}"
            );
            eprintln!("skipped: {BINARY_VAR} (the rotel collector binary) is not set; {how}");
            None
        }
    }
}

/// A free 127.0.0.1 port (bound, then released).
fn free_port() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A `rotel-agent` collector: OTLP/gRPC and OTLP/HTTP in on fixed ports, OTLP/HTTP out to the
/// test's receiver. Each start is a new process on the same ports, logging to the same file.
struct Rotel {
    binary: PathBuf,
    dir: tempfile::TempDir,
    grpc: SocketAddr,
    http: SocketAddr,
    receiver: SocketAddr,
    child: Option<Child>,
}

impl Rotel {
    fn new(binary: PathBuf, receiver: SocketAddr) -> Self {
        Self {
            binary,
            dir: tempfile::tempdir().unwrap(),
            grpc: free_port(),
            http: free_port(),
            receiver,
            child: None,
        }
    }

    /// Everything the collector processes printed so far.
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("rotel.log")).unwrap_or_default()
    }

    /// Starts a collector process batching for `batch_timeout` (e.g. `2s`) and waits until
    /// both its ports accept connections; a process that exits first (the port still held by
    /// the previous one) is started again.
    ///
    /// # Panics
    /// When no process is serving within 60 s, with the collector's log.
    fn start(&mut self, batch_timeout: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let log = File::options()
                .create(true)
                .append(true)
                .open(self.dir.path().join("rotel.log"))
                .unwrap();
            let mut child = Command::new(&self.binary)
                .arg("start")
                .arg("--otlp-grpc-endpoint")
                .arg(self.grpc.to_string())
                .arg("--otlp-http-endpoint")
                .arg(self.http.to_string())
                .args(["--exporter", "otlp", "--otlp-exporter-protocol", "http"])
                .args(["--batch-timeout", batch_timeout])
                .arg("--otlp-exporter-endpoint")
                .arg(format!("http://{}", self.receiver))
                // Only read with --daemon, but never the shared defaults in /tmp.
                .arg("--pid-file")
                .arg(self.dir.path().join("rotel-agent.pid"))
                .arg("--log-file")
                .arg(self.dir.path().join("rotel-agent.log"))
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .expect("start rotel-agent");
            loop {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                if TcpStream::connect(self.grpc).is_ok() && TcpStream::connect(self.http).is_ok() {
                    self.child = Some(child);
                    return;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "rotel-agent is not serving on {} and {} after 60 s; its log:\n{}",
            self.grpc,
            self.http,
            self.log()
        );
    }

    /// SIGTERM, and its exit status.
    ///
    /// # Panics
    /// When it has not exited 30 s later (it is then killed).
    fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("a running collector");
        let kill = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "rotel-agent ignored SIGTERM for 30 s; its log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether every trace of `traces` has arrived with its SERVER span and its `invoke_agent`
/// span.
fn whole(got: &Received, traces: &[String]) -> bool {
    traces.iter().all(|t| {
        let spans = got.spans_in(t);
        spans.iter().any(|s| s.kind == "SPAN_KIND_SERVER")
            && spans.iter().any(|s| s.name.starts_with("invoke_agent"))
    })
}

/// Polls the receiver until every trace of `traces` is whole or `limit` has passed; the
/// time it took, or `None`.
async fn wait_whole(
    receiver: &RestartableReceiver,
    traces: &[String],
    limit: Duration,
) -> Option<Duration> {
    let t = Instant::now();
    loop {
        if whole(&receiver.received().await, traces) {
            return Some(t.elapsed());
        }
        if t.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A waiting time for the figure line.
fn shown(waited: Option<Duration>) -> String {
    waited.map_or_else(|| "never".to_owned(), |d| format!("{d:.1?}"))
}

/// Distinct spans of `traces` received (delivery is at least once: a request the collector
/// took just before its SIGTERM may be sent again).
fn distinct_spans(got: &Received, traces: &[String]) -> usize {
    got.spans
        .iter()
        .filter(|s| traces.contains(&s.trace_id))
        .map(|s| &s.span_id)
        .collect::<HashSet<_>>()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collector_restart_mid_run_loses_nothing_through_a_real_rotel_collector() {
    let Some(binary) = rotel_agent() else { return };
    let receiver = RestartableReceiver::start().await;
    let mut rotel = Rotel::new(binary, receiver.addr());
    // The collector's start and stop wait on a worker thread of their own, leaving the
    // receiver's tasks the runtime.
    // The first collector batches for 2 s, so that what the engine hands over just before the
    // SIGTERM is still in its batch then; the second one for rotel's default 200 ms.
    tokio::task::block_in_place(|| rotel.start("2s"));

    let mut env = otlp_env(
        &format!("http://{}", rotel.grpc),
        "grpc",
        "agent-engine-real-collector",
    );
    // Batches leave every 500 ms and metrics every second, so that each phase's turns are on
    // their way within it; an attempt may take 5 s on a loaded machine before it counts as
    // failed.
    env.extend(
        [
            ("OTEL_BSP_SCHEDULE_DELAY", "500"),
            ("OTEL_BLRP_SCHEDULE_DELAY", "500"),
            ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let mut engine = Engine::start(std::iter::empty::<&str>(), &env);

    let before = engine.turns(5).await;
    // The restart: SIGTERM 1 s after the turns, when the engine has handed their spans over
    // (its batches leave every 500 ms) and the collector holds them in its batch (2 s), which
    // its SIGTERM flush sends; then the ports are closed while five more turns are made.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let down = Instant::now();
    let first_exit = tokio::task::block_in_place(|| rotel.stop());
    let flushed = receiver.received().await;
    let during = engine.turns(5).await;
    let rest = Duration::from_millis(2500).saturating_sub(down.elapsed());
    tokio::time::sleep(rest).await;
    tokio::task::block_in_place(|| rotel.start("200ms"));
    let outage = down.elapsed();
    let arrived_in = wait_whole(
        &receiver,
        &[before.clone(), during.clone()].concat(),
        Duration::from_secs(90),
    )
    .await;
    let after = engine.turns(5).await;
    let all = [before.clone(), during.clone(), after.clone()].concat();
    // After a failed first wait, only what it takes to list what is missing.
    let limit = Duration::from_secs(if arrived_in.is_some() { 90 } else { 5 });
    let after_in = wait_whole(&receiver, &all, limit).await;

    let engine_log = engine.stderr().to_vec();
    let exit = tokio::task::block_in_place(|| engine.stop());
    // The collector's own SIGTERM flush sends what it still holds.
    let second_exit = tokio::task::block_in_place(|| rotel.stop());
    let got = receiver.received().await;
    let log = rotel.log();
    let exit_line = exit
        .iter()
        .find(|l| l.contains("telemetry lost"))
        .cloned()
        .unwrap_or_default();
    // Cumulative (the default temporality): the largest count is the turns the engine served.
    let turns_counted = got
        .points_of("http.server.request.duration")
        .iter()
        .filter(|p| {
            p.attributes.get("http.route").map(String::as_str) == Some("/v1/sessions/{id}/messages")
        })
        .map(|p| p.count)
        .max()
        .unwrap_or(0);
    let logs_of = |traces: &[String]| {
        got.logs
            .iter()
            .filter(|l| traces.contains(&l.trace_id))
            .count()
    };
    eprintln!(
        "through rotel, down {outage:.1?} (SIGTERM to a new process serving): spans of the \
         turns before / during / after the outage {} / {} / {}, log records {} / {} / {}; \
         {} spans of the turns before arrived by the first collector's SIGTERM flush; the \
         outage's turns were whole at the receiver {} after the new collector served, the \
         last five {} after they were made; metrics: {} points, the turns' request count \
         {turns_counted}; engine: {exit_line}",
        distinct_spans(&got, &before),
        distinct_spans(&got, &during),
        distinct_spans(&got, &after),
        logs_of(&before),
        logs_of(&during),
        logs_of(&after),
        distinct_spans(&flushed, &before),
        shown(arrived_in),
        shown(after_in),
        got.metrics.len(),
    );

    assert!(
        arrived_in.is_some() && after_in.is_some(),
        "turns missing at the receiver: {:?}; engine stderr: {engine_log:?}; rotel log:\n{log}",
        all.iter()
            .filter(|t| !whole(&got, std::slice::from_ref(t)))
            .collect::<Vec<_>>()
    );
    assert!(whole(&got, &all));
    telemetry_testkit::assert_no_orphans(&got.spans);
    // Every turn's log records came along with its spans.
    for trace in &all {
        assert!(
            got.logs.iter().any(|l| &l.trace_id == trace),
            "no log record of {trace}"
        );
    }
    assert_eq!(
        turns_counted,
        15,
        "{:?}",
        got.points_of("http.server.request.duration")
    );
    // Nothing lost, and the engine's exporter rode the outage out (what it retried counts as
    // delivered late).
    assert!(
        exit_line.starts_with("telemetry lost: spans 0 in ")
            && exit_line.contains(" + 0 not exported (queue full or never ended); log records 0 failed + 0 not exported;"),
        "{exit:?}"
    );
    assert!(
        !exit_line.contains("delivered late: spans 0,"),
        "{exit_line}"
    );
    // Two collector processes, each stopped by SIGTERM and exiting 0.
    assert_eq!(log.matches("Starting Rotel").count(), 2, "{log}");
    assert_eq!(log.matches("Shutdown signal received").count(), 2, "{log}");
    assert!(first_exit.success() && second_exit.success(), "{log}");
    receiver.shutdown().await;
}
