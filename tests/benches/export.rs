//! Group 4, export: what the OTLP pipeline sustains, and what it costs in memory when the
//! collector is down. Not a criterion benchmark: the figures are rates, counts and bytes,
//! recorded with [`agent_telemetry_benches::record`].
//!
//! - **Throughput.** Scopes (each a root span with 2 attributes) go through the batch span
//!   processor at its defaults (queue 2048, batch 512) and the gRPC exporter to a lean
//!   in-process OTLP receiver that counts the spans it decodes. Run twice: at full speed (the
//!   application thread emits as fast as it can; the figure is spans received per second from
//!   the first span to the end of the final flush, and the drop count), and paced at 100,000
//!   spans/s in 1 ms bursts (the drop count at the target rate).
//! - **Peak RSS, collector down.** 1,000,000 scopes emitted while the gRPC endpoint refuses
//!   connections. The peak (`VmHWM`, reset just before emitting) and its growth over the RSS
//!   before emitting show that a dead collector costs a bounded queue, not memory per span.
//!
//! The receiver sets `TCP_NODELAY` on accepted connections, as the Collector does (Go enables it
//! on every TCP connection). Without it, Nagle's algorithm holds the second write of a response
//! until the exporter's delayed ACK (40 ms on Linux), and those stalls, not the pipeline, made
//! the 2048-span queue overflow at 100,000 spans/s in earlier runs.
//!
//! Drops are [`ExportFailures`](telemetry_otel::ExportFailures)' `not_exported` after
//! shutdown, cross-checked against the receiver's count.
//!
//! **Reference, in the same run.** Full-speed throughput and the emit rate with the collector
//! down are measured twice: with this project's OTLP delivery (retry window, byte-bounded
//! queue) and with the SDK's own OTLP/gRPC exporter (`opentelemetry-otlp` 0.33.1) given to the
//! same bundle (`with_span_exporter`: the same batch span processor and settings). The first ÷
//! the second is what durable delivery costs where it could cost: encoding and sending, and
//! the hand-off while nothing is delivered.
#![allow(missing_docs)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use agent_telemetry_benches::{quick, record, reset_peak_rss, rss};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use telemetry_core::{CorrelatorExt, Lifecycle, attrs};
use telemetry_otel::{ExporterKind, OpenTelemetry, Protocol, Signal};

const GROUP: &str = "export";

/// Counts the spans in every export request and the longest gap between two requests;
/// answers at once.
#[derive(Clone, Default)]
struct CountingReceiver(Arc<AtomicU64>, Arc<Mutex<Gaps>>);

#[derive(Default)]
struct Gaps {
    last: Option<Instant>,
    longest: Duration,
}

#[tonic::async_trait]
impl TraceService for CountingReceiver {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let spans: usize = request
            .into_inner()
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum();
        self.0.fetch_add(spans as u64, Ordering::Relaxed);
        let mut gaps = self.1.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if let Some(last) = gaps.last {
            gaps.longest = gaps.longest.max(now - last);
        }
        gaps.last = Some(now);
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// Which OTLP exporter the pipeline sends with.
#[derive(Clone, Copy, PartialEq)]
enum Exporter {
    /// This project's delivery (`OTEL_TRACES_EXPORTER=otlp`).
    Durable,
    /// The SDK's `opentelemetry-otlp` span exporter (tonic), the reference.
    SdkOtlp,
}

impl Exporter {
    /// The suffix of this exporter's case names.
    fn suffix(self) -> &'static str {
        match self {
            Self::Durable => "",
            Self::SdkOtlp => "_sdk_otlp",
        }
    }
}

fn pipeline(rt: &tokio::runtime::Runtime, endpoint: String, exporter: Exporter) -> OpenTelemetry {
    // Built inside the runtime like an application would; the pipeline owns its own gRPC
    // runtime either way (tonic's connection tasks for the SDK exporter run on `rt`).
    let _entered = rt.enter();
    let timeout = Duration::from_secs(2);
    let builder = OpenTelemetry::builder("bench-export")
        .with_env_source(|_| None)
        .with_exporters(Signal::Logs, &[])
        .with_exporters(Signal::Metrics, &[]);
    match exporter {
        Exporter::Durable => builder
            .with_exporters(Signal::Traces, &[ExporterKind::Otlp])
            .with_protocol(Protocol::Grpc)
            .with_endpoint(endpoint)
            .with_timeout(timeout),
        Exporter::SdkOtlp => {
            use opentelemetry_otlp::WithExportConfig as _;
            let e = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint)
                .with_timeout(timeout)
                .build()
                .expect("the SDK's OTLP exporter builds");
            builder
                .with_exporters(Signal::Traces, &[])
                .with_span_exporter(e)
        }
    }
    .build()
    .expect("a valid configuration")
}

fn emit(otel: &OpenTelemetry) {
    let scope = otel.enter_scope("op", &attrs!["a" => 1, "b" => "x"]);
    drop(scope);
}

/// Shuts down (exporting what is queued) and returns the spans not exported.
fn finish(rt: &tokio::runtime::Runtime, otel: &OpenTelemetry) -> u64 {
    if let Err(e) = rt.block_on(otel.shutdown(Duration::from_secs(30))) {
        eprintln!("export bench: shutdown: {e}");
    }
    otel.export_failures().traces.not_exported
}

/// What [`throughput`] measured.
struct Throughput {
    /// Spans the receiver got, per second from the first span to the end of the final flush.
    received_per_s: f64,
    /// Spans the application thread emitted per second (the emitting loop alone).
    emitted_per_s: f64,
    /// Spans emitted and not received.
    dropped: u64,
    /// The longest gap between two export requests while spans were flowing.
    longest_gap: Duration,
}

fn throughput(
    rt: &tokio::runtime::Runtime,
    spans: u64,
    paced_per_ms: Option<u64>,
    exporter: Exporter,
) -> Throughput {
    let receiver = CountingReceiver::default();
    let received = receiver.0.clone();
    let gaps = receiver.1.clone();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    let server = rt.spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(receiver))
            .serve_with_incoming(
                // TCP_NODELAY as the Collector (Go) sets it: with Nagle on, a response split
                // in two writes waits for the client's delayed ACK (40 ms on Linux).
                tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            ),
    );
    let otel = pipeline(rt, format!("http://{addr}"), exporter);
    // Warm the connection up so connecting is not part of the figure.
    emit(&otel);
    rt.block_on(otel.force_flush(Duration::from_secs(10)))
        .expect("the receiver is up");
    let before = received.load(Ordering::Relaxed);
    *gaps.lock().unwrap_or_else(|p| p.into_inner()) = Gaps::default();

    let start = Instant::now();
    match paced_per_ms {
        None => (0..spans).for_each(|_| emit(&otel)),
        Some(per_ms) => {
            let mut sent = 0;
            while sent < spans {
                let burst = per_ms.min(spans - sent);
                (0..burst).for_each(|_| emit(&otel));
                sent += burst;
                let due = start + Duration::from_micros(sent * 1000 / per_ms);
                while Instant::now() < due {
                    std::thread::sleep(Duration::from_micros(100));
                }
            }
        }
    }
    let emitting = start.elapsed();
    let dropped = finish(rt, &otel);
    let elapsed = start.elapsed();
    let got = received.load(Ordering::Relaxed) - before;
    if got + dropped != spans {
        eprintln!("export bench: {spans} emitted, {got} received, {dropped} reported dropped");
    }
    server.abort();
    let longest = gaps.lock().unwrap_or_else(|p| p.into_inner()).longest;
    Throughput {
        received_per_s: got as f64 / elapsed.as_secs_f64(),
        emitted_per_s: spans as f64 / emitting.as_secs_f64(),
        dropped: spans - got,
        longest_gap: longest,
    }
}

fn rss_collector_down(rt: &tokio::runtime::Runtime, spans: u64, exporter: Exporter) {
    // A port that refuses connections: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a loopback port")
        .port();
    let otel = pipeline(rt, format!("http://127.0.0.1:{port}"), exporter);
    emit(&otel);
    if exporter == Exporter::SdkOtlp {
        // The reference gives only the emit rate.
        let start = Instant::now();
        (0..spans).for_each(|_| emit(&otel));
        let rate = spans as f64 / start.elapsed().as_secs_f64();
        record(GROUP, "collector_down_emit_rate_sdk_otlp", rate, "spans/s");
        finish(rt, &otel);
        return;
    }
    let Some((before, _)) = rss() else {
        eprintln!("export bench: no /proc/self/status, skipping peak RSS");
        return;
    };
    let reset = reset_peak_rss();
    let start = Instant::now();
    (0..spans).for_each(|_| emit(&otel));
    let elapsed = start.elapsed();
    let (_, peak) = rss().expect("read before");
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    if !reset {
        eprintln!("export bench: could not reset VmHWM; the peak includes earlier work");
    }
    record(GROUP, "rss_collector_down_peak", mib(peak), "MiB");
    record(
        GROUP,
        "rss_collector_down_growth",
        mib(peak.saturating_sub(before)),
        "MiB",
    );
    record(
        GROUP,
        "collector_down_emit_rate",
        spans as f64 / elapsed.as_secs_f64(),
        "spans/s",
    );
    let dropped = finish(rt, &otel);
    record(
        GROUP,
        "collector_down_not_exported",
        dropped as f64,
        "spans",
    );
}

fn main() {
    // `cargo bench` passes criterion's arguments to every bench target; there are none here.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    // Peak RSS first, in a process that has not yet run anything else.
    rss_collector_down(&rt, 1_000_000, Exporter::Durable);
    rss_collector_down(&rt, 1_000_000, Exporter::SdkOtlp);

    let n = if quick() { 200_000 } else { 1_000_000 };
    for exporter in [Exporter::Durable, Exporter::SdkOtlp] {
        let t = throughput(&rt, n, None, exporter);
        let suffix = exporter.suffix();
        record(
            GROUP,
            &format!("throughput_max{suffix}"),
            t.received_per_s,
            "spans/s",
        );
        record(
            GROUP,
            &format!("throughput_max_drops{suffix}"),
            t.dropped as f64,
            "spans",
        );
        record(
            GROUP,
            &format!("collector_up_emit_rate{suffix}"),
            t.emitted_per_s,
            "spans/s",
        );
    }

    let n = if quick() { 100_000 } else { 300_000 };
    let Throughput {
        received_per_s: rate,
        dropped,
        longest_gap,
        ..
    } = throughput(&rt, n, Some(100), Exporter::Durable);
    record(GROUP, "throughput_paced_100k", rate, "spans/s");
    record(
        GROUP,
        "throughput_paced_100k_drops",
        dropped as f64,
        "spans",
    );
    // At 100,000 spans/s the default queue (2048) holds 20 ms: a longer gap between exports
    // means drops.
    record(
        GROUP,
        "throughput_paced_100k_longest_export_gap",
        longest_gap.as_secs_f64() * 1e3,
        "ms",
    );
}
