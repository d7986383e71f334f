//! `cargo xtask load`: the long load run with the collector down. Builds the agent engine in
//! release mode, runs `agent-engine simulate --open-telemetry` (its in-process server) with
//! every OTLP exporter pointing at a closed port, samples the process's resident set size
//! every 100 ms from `/proc/<pid>/status` (Linux), and reports RSS at start, peak and end with
//! the telemetry loss counts the engine prints at exit.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What `load` runs.
#[derive(Clone, Debug)]
pub(crate) struct LoadConfig {
    /// Sessions to simulate.
    pub(crate) sessions: usize,
    /// Messages per session.
    pub(crate) turns: usize,
    /// Sessions in flight.
    pub(crate) concurrency: usize,
    /// Where the exporters send (default: a closed port, so every export fails).
    pub(crate) endpoint: String,
    /// The control run: Basic telemetry instead of OpenTelemetry, same load, so that the
    /// application's own memory (the session store) can be told apart from telemetry's.
    pub(crate) basic: bool,
}

/// RSS of `pid` in KiB, from `/proc/<pid>/status` (`VmRSS`); `None` when unreadable.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// A port nothing listens on: bound, then released.
fn closed_endpoint() -> Result<String, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let addr = l.local_addr().map_err(|e| e.to_string())?;
    Ok(format!("http://{addr}"))
}

pub(crate) fn default_endpoint() -> Result<String, String> {
    closed_endpoint()
}

pub(crate) fn run(
    cfg: &LoadConfig,
    cargo: impl Fn(&[&str], &[(&str, String)]) -> Result<(), String>,
) -> Result<(), String> {
    cargo(&["build", "--release", "-p", "agent-engine"], &[])?;
    let exe = crate::target_dir().join("release").join("agent-engine");
    let exe = exe.display().to_string();
    let (sessions, turns, concurrency) = (
        cfg.sessions.to_string(),
        cfg.turns.to_string(),
        cfg.concurrency.to_string(),
    );
    let mode = if cfg.basic {
        "(Basic telemetry, control run)"
    } else {
        "--open-telemetry"
    };
    eprintln!(
        "xtask: {exe} simulate {mode} --sessions {sessions} --turns {turns} \
         --concurrency {concurrency}, OTLP to {} (nothing listens)",
        cfg.endpoint
    );
    let started = Instant::now();
    let mut child = Command::new(&exe)
        .args(["simulate", "--no-progress"])
        .args(if cfg.basic {
            None
        } else {
            Some("--open-telemetry")
        })
        .args([
            "--sessions",
            &sessions,
            "--turns",
            &turns,
            "--concurrency",
            &concurrency,
        ])
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &cfg.endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_TRACES_EXPORTER", "otlp")
        .env("OTEL_METRICS_EXPORTER", "otlp")
        .env("OTEL_LOGS_EXPORTER", "otlp")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "10000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {exe}: {e}"))?;
    let pid = child.id();
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    let err = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
    });
    // (seconds since start, KiB)
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if let Some(kib) = rss_kib(pid) {
            samples.push((started.elapsed().as_secs_f64(), kib));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    for line in &out {
        println!("{line}");
    }
    let lost: Vec<&String> = err
        .iter()
        .filter(|l| l.contains("telemetry lost"))
        .collect();
    // The first sample after a second: the server is up and warmed.
    let start = samples
        .iter()
        .find(|(t, _)| *t >= 1.0)
        .or(samples.first())
        .map_or(0, |s| s.1);
    let peak = samples.iter().map(|s| s.1).max().unwrap_or(0);
    let end = samples.last().map_or(0, |s| s.1);
    let mid = samples.get(samples.len() / 2).map_or(0, |s| s.1);
    println!(
        "load run: {:.0} s; RSS start {start} KiB (at 1 s), middle {mid} KiB, peak {peak} KiB, \
         end {end} KiB ({} samples every 100 ms)",
        started.elapsed().as_secs_f64(),
        samples.len()
    );
    for l in &lost {
        println!("{l}");
    }
    if !status.success() {
        for l in err.iter().rev().take(20).rev() {
            eprintln!("{l}");
        }
        return Err(format!("agent-engine simulate exited with {status}"));
    }
    if lost.is_empty() {
        return Err("agent-engine printed no 'telemetry lost' line".into());
    }
    Ok(())
}
