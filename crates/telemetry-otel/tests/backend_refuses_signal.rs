//! A backend that takes traces only (as Phoenix and MLflow do) answers logs and metrics with
//! gRPC `UNIMPLEMENTED` or HTTP 404. Each refused signal is warned about once on stderr, naming
//! the variable that turns it off; its later batches are dropped without a network call and
//! counted; spans still arrive; flush and shutdown return `Ok`. Real failures (HTTP 500,
//! connection refused) still make them return `Err`.
//!
//! The warnings go to the process's stderr, so the two refusal tests run their scenario in a
//! child process (this test binary, filtered to the same test) and read its stderr.

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::builder;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use telemetry_core::{CorrelatorExt, Lifecycle, Logger, Meter};
use telemetry_otel::{OpenTelemetry, Protocol, Signal};
use telemetry_testkit::faults::StatusProxy;
use telemetry_testkit::mock;

const WAIT: Duration = Duration::from_secs(10);

/// Set in the child process that runs a scenario.
const CHILD: &str = "AGENT_TELEMETRY_TEST_REFUSAL_CHILD";

/// Every signal on OTLP, whatever the defaults.
const ALL_OTLP: [(&str, &str); 3] = [
    ("OTEL_TRACES_EXPORTER", "otlp"),
    ("OTEL_METRICS_EXPORTER", "otlp"),
    ("OTEL_LOGS_EXPORTER", "otlp"),
];

/// Runs the test `name` of this binary in a child process with [`CHILD`] set, asserts that it
/// ran and passed, and returns its stderr.
fn stderr_of_child(name: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "the scenario failed in the child process:\n{stdout}\n{stderr}"
    );
    stderr
}

/// The warnings of the pipeline (not the test harness's own lines).
fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("agent-telemetry: "))
        .collect()
}

/// Exactly one warning for `signal`, naming the endpoint, the answer and the variable.
fn assert_one_refusal(stderr: &str, signal: &str, answer: &str) {
    let about: Vec<_> = warnings(stderr)
        .into_iter()
        .filter(|w| w.contains(&format!("does not accept OpenTelemetry {signal}")))
        .collect();
    assert_eq!(about.len(), 1, "{stderr}");
    let var = format!("OTEL_{}_EXPORTER=none", signal.to_uppercase());
    let w = about[0];
    assert!(
        w.contains(answer) && w.contains(&var) && w.contains("the backend at http://127.0.0.1:"),
        "{w}"
    );
}

/// Three scopes, each with a log call, and a counter: what each round of a scenario sends.
fn emit_round(otel: &OpenTelemetry, round: u32) {
    for i in 0..3 {
        let _s = otel.enter_scope("work", &[]);
        otel.info(&format!("round {round} step {i}"), &[]);
    }
    otel.record_counter("work.done", 3, &[]);
}

/// The refusal scenario against a backend that accepts traces only, whichever the protocol:
/// two rounds, each flushed, then shutdown. `requests(path)` counts what reached the backend
/// for an OTLP/HTTP path (gRPC: the method's path).
async fn traces_only_scenario(otel: &OpenTelemetry, requests: impl Fn(Signal) -> usize) {
    emit_round(otel, 1);
    otel.force_flush(WAIT)
        .await
        .expect("a refused signal does not fail the flush");
    let f = otel.export_failures();
    assert!(
        f.logs.refused_by_backend && f.metrics.refused_by_backend,
        "{f:?}"
    );
    assert!(!f.traces.refused_by_backend, "{f:?}");
    assert_eq!(f.logs.refused_items, 3, "{f:?}");
    assert_eq!(f.metrics.refused_items, 1, "{f:?}");
    assert_eq!(requests(Signal::Logs), 1);
    assert_eq!(requests(Signal::Metrics), 1);

    // Later batches of the refused signals are not sent, only counted.
    emit_round(otel, 2);
    otel.force_flush(WAIT).await.unwrap();
    otel.shutdown(WAIT)
        .await
        .expect("a refused signal does not fail the shutdown");
    assert_eq!(
        requests(Signal::Logs),
        1,
        "no network call after the refusal"
    );
    assert_eq!(
        requests(Signal::Metrics),
        1,
        "no network call after the refusal"
    );
    assert!(requests(Signal::Traces) >= 2);

    let f = otel.export_failures();
    assert_eq!(f.logs.refused_items, 6, "{f:?}");
    assert_eq!(f.logs.not_exported, 0, "{f:?}");
    // Round 2's flush and the shutdown's final collection.
    assert_eq!(f.metrics.refused_items, 3, "{f:?}");
    for s in [f.traces, f.metrics, f.logs] {
        assert_eq!((s.failed_exports, s.failed_items), (0, 0), "{f:?}");
    }
    assert_eq!(f.traces.not_exported, 0, "{f:?}");
    assert_eq!(f.traces.refused_items, 0, "{f:?}");
    let why = otel.last_export_error(Signal::Logs).unwrap();
    assert!(why.contains("OTEL_LOGS_EXPORTER=none"), "{why}");
    assert_eq!(otel.last_export_error(Signal::Traces), None);
}

/// An OTLP trace receiver that counts the spans it got.
#[derive(Clone, Default)]
struct SpanCounter(Arc<Mutex<usize>>);

#[tonic::async_trait]
impl TraceService for SpanCounter {
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
        *self.0.lock().unwrap() += spans;
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// A gRPC server with only the trace service registered: it answers the logs and metrics
/// services `UNIMPLEMENTED`, as a traces-only backend does. Counts requests per gRPC path.
async fn grpc_traces_only() -> (
    SocketAddr,
    SpanCounter,
    Arc<Mutex<HashMap<String, usize>>>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let spans = SpanCounter::default();
    let paths = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let seen = paths.clone();
    let server = tonic::transport::Server::builder()
        .trace_fn(move |r| {
            *seen
                .lock()
                .unwrap()
                .entry(r.uri().path().to_owned())
                .or_default() += 1;
            tracing::Span::none()
        })
        .add_service(TraceServiceServer::new(spans.clone()))
        .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener));
    let task = tokio::spawn(async move {
        let _ = server.await;
    });
    (addr, spans, paths, task)
}

fn grpc_path(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

#[test]
fn grpc_backend_answering_unimplemented_for_logs_and_metrics() {
    if std::env::var_os(CHILD).is_none() {
        let stderr = stderr_of_child("grpc_backend_answering_unimplemented_for_logs_and_metrics");
        assert_one_refusal(&stderr, "logs", "gRPC UNIMPLEMENTED");
        assert_one_refusal(&stderr, "metrics", "gRPC UNIMPLEMENTED");
        assert_eq!(warnings(&stderr).len(), 2, "{stderr}");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (addr, spans, paths, server) = grpc_traces_only().await;
        let otel = builder("traces-only-grpc", &ALL_OTLP)
            .with_protocol(Protocol::Grpc)
            .with_endpoint(format!("http://{addr}"))
            .build()
            .unwrap();
        let requests = |s: Signal| {
            paths
                .lock()
                .unwrap()
                .get(grpc_path(s))
                .copied()
                .unwrap_or(0)
        };
        traces_only_scenario(&otel, requests).await;
        assert_eq!(*spans.0.lock().unwrap(), 6, "every span arrived");
        server.abort();
    });
}

#[test]
fn http_backend_answering_404_for_logs_and_metrics() {
    if std::env::var_os(CHILD).is_none() {
        let stderr = stderr_of_child("http_backend_answering_404_for_logs_and_metrics");
        assert_one_refusal(&stderr, "logs", "HTTP 404");
        assert_one_refusal(&stderr, "metrics", "HTTP 404");
        // 404 may also be a wrong path: the warning says which one OTLP/HTTP uses.
        assert!(
            stderr.contains("OTLP/HTTP sends logs to /v1/logs"),
            "{stderr}"
        );
        assert_eq!(warnings(&stderr).len(), 2, "{stderr}");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let server = mock::receiver().await;
        let proxy =
            StatusProxy::start(server.addr(), &[("/v1/logs", 404), ("/v1/metrics", 404)]).await;
        let otel = builder("traces-only-http", &ALL_OTLP)
            .with_protocol(Protocol::HttpProtobuf)
            .with_endpoint(format!("http://{}", proxy.addr()))
            .build()
            .unwrap();
        let requests = |s: Signal| {
            proxy.requests(match s {
                Signal::Traces => "/v1/traces",
                Signal::Metrics => "/v1/metrics",
                Signal::Logs => "/v1/logs",
            })
        };
        traces_only_scenario(&otel, requests).await;
        server.wait_for_spans(6, WAIT).await.unwrap();
        let got = server.with_collector(mock::received).await;
        assert_eq!(got.spans.len(), 6, "every span arrived");
        assert!(got.logs.is_empty() && got.metrics.is_empty());
        server.shutdown().await.unwrap();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_500_still_fails_flush_and_shutdown_beside_a_refused_signal() {
    let server = mock::receiver().await;
    let proxy = StatusProxy::start(
        server.addr(),
        &[("/v1/traces", 500), ("/v1/metrics", 500), ("/v1/logs", 404)],
    )
    .await;
    let otel = builder("failing-http", &ALL_OTLP)
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", proxy.addr()))
        .build()
        .unwrap();
    emit_round(&otel, 1);
    let flushed = otel.force_flush(WAIT).await;
    let e = flushed.expect_err("HTTP 500 is a failure").to_string();
    assert!(e.contains("traces") && e.contains("HTTP 500"), "{e}");
    emit_round(&otel, 2);
    let e = otel
        .shutdown(WAIT)
        .await
        .expect_err("the metric reader's final export failed")
        .to_string();
    assert!(e.contains("metrics"), "{e}");

    let f = otel.export_failures();
    assert_eq!(f.traces.failed_items, 6, "{f:?}");
    assert!(f.metrics.failed_exports >= 2, "{f:?}");
    assert!(!f.traces.refused_by_backend && !f.metrics.refused_by_backend);
    assert!(f.logs.refused_by_backend, "{f:?}");
    assert_eq!(
        (f.logs.failed_exports, f.logs.refused_items),
        (0, 6),
        "{f:?}"
    );
    assert_eq!(proxy.requests("/v1/logs"), 1);
    assert!(proxy.requests("/v1/traces") >= 2);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_connection_refused_still_fails_shutdown() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let otel = builder("down-grpc", &ALL_OTLP)
        .with_protocol(Protocol::Grpc)
        .with_endpoint(format!("http://127.0.0.1:{port}"))
        .with_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    emit_round(&otel, 1);
    let e = otel
        .shutdown(WAIT)
        .await
        .expect_err("nothing could be sent")
        .to_string();
    assert!(e.contains("metrics"), "{e}");
    let f = otel.export_failures();
    for s in [f.traces, f.metrics, f.logs] {
        assert!(!s.refused_by_backend && s.refused_items == 0, "{f:?}");
    }
    assert!(f.metrics.failed_exports >= 1, "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_items_are_exported_as_self_observability_metrics() {
    let server = mock::receiver().await;
    // A backend that takes metrics but not traces.
    let proxy = StatusProxy::start(server.addr(), &[("/v1/traces", 404)]).await;
    let otel = builder("refused-self-metrics", &[("OTEL_LOGS_EXPORTER", "none")])
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", proxy.addr()))
        .with_self_observability(true)
        .build()
        .unwrap();
    emit_round(&otel, 1);
    otel.force_flush(WAIT).await.unwrap();
    emit_round(&otel, 2);
    otel.shutdown(WAIT).await.unwrap();
    assert_eq!(proxy.requests("/v1/traces"), 1);
    let f = otel.export_failures();
    assert!(
        f.traces.refused_by_backend && f.traces.refused_items == 6,
        "{f:?}"
    );

    server.wait_for_metrics(1, WAIT).await.unwrap();
    let got = server.with_collector(mock::received).await;
    let latest = |error: Option<&str>| {
        got.metrics
            .iter()
            .filter(|p| {
                p.metric == "otel.sdk.exporter.span.exported"
                    && p.attributes.get("error.type").map(String::as_str) == error
            })
            .map(|p| p.sum)
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
    };
    assert_eq!(latest(Some("refused_by_backend")), Some(6.0));
    assert_eq!(latest(Some("export_failed")), Some(0.0));
    assert_eq!(latest(None), Some(0.0));
    server.shutdown().await.unwrap();
}
