//! Volume, collector outages, `current_thread` runtimes and dropping the last handle.
//!
//! Deadlines below are hang guards with wide margins, not speed assertions.

mod common;

use std::time::{Duration, Instant};

use common::builder;
use common::http_endpoint::http_endpoint;
use mock_collector::MockServer;
use telemetry_core::{CorrelatorExt, Lifecycle, Logger, Meter};
use telemetry_otel::{Protocol, Signal};

const GUARD: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_spans_and_log_records_arrive_exactly() {
    const N: usize = 10_000;
    let server = MockServer::builder()
        .protocol(mock_collector::Protocol::HttpBinary)
        .start()
        .await
        .unwrap();
    let endpoint = format!("http://{}", server.addr());
    // Queues sized for the burst (set through the env source, so OTEL_B*P_* are exercised).
    let otel = builder(
        "volume",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "16384"),
            ("OTEL_BLRP_MAX_QUEUE_SIZE", "16384"),
            ("OTEL_METRICS_EXPORTER", "none"),
        ],
    )
    .build()
    .unwrap();
    for i in 0..N {
        let _s = otel.enter_scope("unit of work", &[]);
        otel.info("working", &[telemetry_core::Attribute::new("i", i)]);
    }
    otel.shutdown(Duration::from_secs(30)).await.unwrap();
    server
        .wait_until(|c| c.span_count() >= N && c.log_count() >= N, GUARD)
        .await
        .unwrap();
    let (spans, logs) = server
        .with_collector(|c| (c.span_count(), c.log_count()))
        .await;
    assert_eq!((spans, logs), (N, N));
    let f = otel.export_failures();
    assert!(f.is_empty(), "{f:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collector_down_calls_return_shutdown_is_bounded_and_failures_are_counted() {
    // A port with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let otel = builder("down", &[])
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://127.0.0.1:{port}"))
        .with_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let start = Instant::now();
    for _ in 0..1000 {
        let _s = otel.enter_scope("work", &[]);
        otel.info("still working", &[]);
        otel.record_counter("work.done", 1, &[]);
    }
    // Reported, not asserted: machines are noisy. The calls only queue.
    eprintln!(
        "1000 scopes + logs + counters with the collector down: {:?}",
        start.elapsed()
    );

    let timeout = Duration::from_secs(2);
    let shutdown = tokio::time::timeout(GUARD, otel.shutdown(timeout))
        .await
        .expect("shutdown must return (bounded by its timeout), not hang");
    // Ok or a timeout error are both acceptable; the point is it returned.
    let _ = shutdown;
    // Retries may still be running in the background; wait for every span to be accounted.
    let deadline = Instant::now() + GUARD;
    loop {
        let f = otel.export_failures();
        if f.traces.failed_items + f.traces.not_exported == 1000
            && f.traces.failed_exports > 0
            && f.logs.failed_exports > 0
        {
            break;
        }
        assert!(Instant::now() < deadline, "failures never counted: {f:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The warning names the signal, the endpoint and the cause.
    let reason = otel.last_export_error(Signal::Traces).unwrap();
    assert!(
        reason.contains("traces export to http://127.0.0.1:")
            && reason.contains("failed: connection refused"),
        "{reason}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn shutdown_on_a_current_thread_runtime_returns_ok() {
    // gRPC is the case that deadlocks when the SDK's blocking calls run on this thread.
    let mut fake = fake_opentelemetry_collector::FakeCollectorServer::start()
        .await
        .unwrap();
    let otel = builder("current-thread", &[])
        .with_protocol(Protocol::Grpc)
        .with_endpoint(fake.endpoint())
        .build()
        .unwrap();
    {
        let _s = otel.enter_scope("on current_thread", &[]);
        otel.info("hello", &[]);
    }
    otel.force_flush(Duration::from_secs(10)).await.unwrap();
    otel.shutdown(Duration::from_secs(10)).await.unwrap();
    // Idempotent.
    otel.shutdown(Duration::from_secs(10)).await.unwrap();
    let spans = fake.exported_spans(1, Duration::from_secs(10)).await;
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "on current_thread");
}

#[test]
fn dropping_the_last_handle_inside_async_code_flushes_without_deadlock() {
    let collector_rt = tokio::runtime::Runtime::new().unwrap();
    let server = collector_rt
        .block_on(
            MockServer::builder()
                .protocol(mock_collector::Protocol::HttpBinary)
                .start(),
        )
        .unwrap();
    let endpoint = format!("http://{}", server.addr());
    // The application's own runtime: current_thread, and the drop happens inside async code.
    let app = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    app.block_on(async move {
        let otel = builder("dropped", &[])
            .with_endpoint(endpoint)
            .with_drop_timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        {
            let _s = otel.enter_scope("before drop", &[]);
        }
        drop(otel);
    });
    collector_rt.block_on(async {
        server.wait_for_spans(1, GUARD).await.unwrap();
        server
            .with_collector(|c| c.expect_span_with_name("before drop").assert_count(1))
            .await;
    });
}

#[test]
fn from_env_works_outside_and_inside_runtimes() {
    let off = [
        ("OTEL_TRACES_EXPORTER", "otlp"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ];
    let otel = builder("outside", &off).build().unwrap();
    drop(otel);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let otel = builder("inside", &off).build().unwrap();
        otel.shutdown(Duration::from_secs(5)).await.unwrap();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_4xx_and_5xx_responses_are_counted_as_failed_exports() {
    for status in [401u16, 500] {
        // A collector that rejects (4xx) or fails (5xx) every export.
        let (addr, _) = http_endpoint(move |_| (status, ""));
        let otel = builder("rejected", &[])
            .with_protocol(Protocol::HttpProtobuf)
            .with_endpoint(format!("http://{addr}"))
            .with_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        for _ in 0..10 {
            let _s = otel.enter_scope("rejected work", &[]);
            otel.info("exported into a wall", &[]);
        }
        let _ = tokio::time::timeout(GUARD, otel.shutdown(Duration::from_secs(5)))
            .await
            .expect("shutdown must return, not hang");
        let deadline = Instant::now() + GUARD;
        loop {
            let f = otel.export_failures();
            if f.traces.failed_exports > 0
                && f.traces.failed_items == 10
                && f.logs.failed_exports > 0
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "HTTP {status} responses were not counted: {f:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let reason = otel.last_export_error(Signal::Logs).unwrap();
        assert!(
            reason.contains(&format!(
                "logs export to http://{addr}/v1/logs failed: HTTP {status}"
            )),
            "{reason}"
        );
    }
}
