//! Group 5, server overhead: the agent engine's request throughput and p50/p99 latency with
//! NoOp, Basic and OpenTelemetry telemetry, driven in-process over loopback HTTP.
//!
//! Three servers run side by side (scripted model, local task API), one per telemetry. A
//! reqwest client with 4 concurrent workers drives each: every turn creates a session and sends
//! one message that calls two tools concurrently (calculator and clock), and the message
//! request's latency is kept. The modes take turns in many short rounds, in rotating order, so
//! load from elsewhere on the machine falls on all three alike (with 6 rounds the p50 ratio
//! moved between 1.10 and 1.32 from one run to the next; 36 rounds steady it, and 1,200 turns
//! per round rather than 400 narrowed the OpenTelemetry ratio's spread over runs from
//! 1.13–1.22 to 1.14–1.18, for about 17 s a run). Basic logs at `info` as text to a discarding writer;
//! OpenTelemetry records spans (batch processor, discarding exporter), span events for logs
//! and metrics (SDK aggregation; the periodic reader does not fire during the run). Not a
//! criterion benchmark: the figures are percentiles and rates, recorded with
//! [`agent_telemetry_benches::record`].
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use agent_engine::{RunningServer, ServerConfig, ServerTelemetry, SessionLimits, spawn_server};
use agent_telemetry_benches::{Discard, quick, record};
use serde_json::{Value, json};
use telemetry_basic::{BasicContextualCorrelator, BasicMeter, ColorChoice, StdoutLogger};
use telemetry_core::{ContextualCorrelator, LogLevel, Telemetry};
use telemetry_otel::{ExporterKind, OpenTelemetry, Signal};

const GROUP: &str = "server";
const WORKERS: usize = 4;

fn basic() -> ServerTelemetry {
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(std::io::sink()))
        .color(ColorChoice::Never)
        .level(LogLevel::Info);
    let meter = Arc::new(BasicMeter::new());
    ServerTelemetry::from_telemetry(Telemetry::new(Arc::new(logger), correlator, meter))
}

fn otel() -> (ServerTelemetry, OpenTelemetry) {
    let otel = OpenTelemetry::builder("bench-server")
        .with_env_source(|_| None)
        .with_exporters(Signal::Traces, &[])
        .with_exporters(Signal::Logs, &[])
        .with_exporters(Signal::Metrics, &[ExporterKind::Console])
        .with_metric_export_interval(Duration::from_secs(3600))
        .with_level(Some(LogLevel::Info))
        .with_span_exporter(Discard)
        .build()
        .expect("a valid configuration");
    (ServerTelemetry::from_otel(&otel), otel)
}

/// The default server, with room for every session the run creates (each turn makes one, and
/// the default store refuses the 10,001st with 503).
fn config() -> ServerConfig {
    ServerConfig {
        limits: SessionLimits {
            max_sessions: usize::MAX,
            ..SessionLimits::default()
        },
        ..ServerConfig::default()
    }
}

async fn turn(http: &reqwest::Client, base: &str) -> Duration {
    let session: Value = http
        .post(format!("{base}/v1/sessions"))
        .json(&json!({"agent": "planner"}))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("session created")
        .json()
        .await
        .expect("a JSON session");
    let id = session["id"].as_str().expect("a session id");
    let start = Instant::now();
    let reply = http
        .post(format!("{base}/v1/sessions/{id}/messages"))
        .json(&json!({"content": "what is 6 * 7 and what time is it?"}))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .expect("a reply");
    let _ = reply.bytes().await.expect("a body");
    start.elapsed()
}

/// Runs `turns` turns with [`WORKERS`] concurrent workers; returns their latencies and the
/// wall time.
async fn drive(http: &reqwest::Client, base: &str, turns: usize) -> (Vec<Duration>, Duration) {
    let start = Instant::now();
    let per_worker = turns / WORKERS;
    let workers = (0..WORKERS).map(|_| async move {
        let mut latencies = Vec::with_capacity(per_worker);
        for _ in 0..per_worker {
            latencies.push(turn(http, base).await);
        }
        latencies
    });
    let latencies = futures::future::join_all(workers).await.concat();
    (latencies, start.elapsed())
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let (otel_telemetry, otel_pipeline) = otel();
    // `AT_BENCH_SERVER_MODES=otel` (a comma-separated subset) runs only those modes, for
    // profiling one of them.
    let only = std::env::var("AT_BENCH_SERVER_MODES").ok();
    let modes: Vec<(&str, ServerTelemetry)> = vec![
        ("noop", ServerTelemetry::noop()),
        ("basic", basic()),
        ("otel", otel_telemetry),
    ]
    .into_iter()
    .filter(|(name, _)| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|m| m == *name))
    })
    .collect();
    // Many short rounds, in rotating order: machine load falls on all modes alike, and no
    // mode always runs right after the same other one.
    let (rounds, turns) = if quick() { (12, 200) } else { (36, 1200) };
    rt.block_on(async {
        let http = agent_engine::tls::client().unwrap();
        let mut servers: Vec<(&str, RunningServer)> = Vec::new();
        for (name, telemetry) in modes {
            servers.push((
                name,
                spawn_server(config(), telemetry).await.expect("a server"),
            ));
        }
        // Warm-up: connections, allocator, caches.
        for (_, server) in &servers {
            drive(&http, &server.base_url(), 100).await;
        }
        let mut latencies = vec![Vec::new(); servers.len()];
        let mut wall = vec![Duration::ZERO; servers.len()];
        for round in 0..rounds {
            for k in 0..servers.len() {
                let i = (round + k) % servers.len();
                let server = &servers[i].1;
                let (l, w) = drive(&http, &server.base_url(), turns).await;
                latencies[i].extend(l);
                wall[i] += w;
            }
        }
        for (i, (name, _)) in servers.iter().enumerate() {
            let l = &mut latencies[i];
            l.sort_unstable();
            let us = |d: Duration| d.as_secs_f64() * 1e6;
            record(GROUP, &format!("{name}_p50"), us(percentile(l, 0.50)), "µs");
            record(GROUP, &format!("{name}_p99"), us(percentile(l, 0.99)), "µs");
            record(
                GROUP,
                &format!("{name}_throughput"),
                l.len() as f64 / wall[i].as_secs_f64(),
                "turns/s",
            );
        }
        for (_, server) in servers {
            let _ = server.shutdown().await;
        }
    });
    // Dropping would print the console metrics exporter's final export into the output.
    std::mem::forget(otel_pipeline);
}
