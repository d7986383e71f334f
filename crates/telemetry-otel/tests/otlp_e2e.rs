//! End to end over real OTLP: gRPC (fake-opentelemetry-collector) and HTTP/protobuf and
//! HTTP/JSON (mock-collector), each receiver started in-process on 127.0.0.1:0.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{assert_tree, builder, emit_tree};
use mock_collector::MockServer;
use telemetry_core::{ContextualCorrelator, CorrelatorExt, Lifecycle, Logger, ScopeOptions};
use telemetry_otel::Protocol;
use telemetry_testkit::{fake, mock};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_tree_with_logs_and_metrics_arrives_intact() {
    let mut fake = fake_opentelemetry_collector::FakeCollectorServer::start()
        .await
        .unwrap();
    let otel = builder("e2e-grpc", &[])
        .with_protocol(Protocol::Grpc)
        .with_endpoint(fake.endpoint())
        .build()
        .unwrap();
    let emitted = emit_tree(&otel);
    otel.shutdown(WAIT).await.unwrap();

    let spans = fake.exported_spans(3, WAIT).await;
    let logs = fake.exported_logs(2, WAIT).await;
    let metrics = fake.exported_metrics(1, WAIT).await;
    let received = fake::received(&spans, &logs, &metrics);
    assert_tree(&received, &emitted);
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );
}

async fn http_tree(protocol: Protocol, mock_protocol: mock_collector::Protocol) {
    let server = MockServer::builder()
        .protocol(mock_protocol)
        .start()
        .await
        .unwrap();
    let otel = builder("e2e-http", &[])
        .with_protocol(protocol)
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap();
    let emitted = emit_tree(&otel);
    otel.shutdown(WAIT).await.unwrap();
    server.wait_for_spans(3, WAIT).await.unwrap();
    server.wait_for_logs(2, WAIT).await.unwrap();
    server.wait_for_metrics(2, WAIT).await.unwrap();
    let received = server.with_collector(mock::received).await;
    assert_tree(&received, &emitted);
    server
        .with_collector(|c| {
            c.expect_span_with_name("request")
                .with_resource_attributes([("service.name", "e2e-http")])
                .assert_count(1);
        })
        .await;
    assert!(
        otel.export_failures().is_empty(),
        "{:?}",
        otel.export_failures()
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf_tree_with_logs_and_metrics_arrives_intact() {
    http_tree(Protocol::HttpProtobuf, mock_collector::Protocol::HttpBinary).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_json_tree_with_logs_and_metrics_arrives_intact() {
    http_tree(Protocol::HttpJson, mock_collector::Protocol::HttpJson).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_from_incoming_traceparent_continues_the_remote_trace() {
    let server = MockServer::builder()
        .protocol(mock_collector::Protocol::HttpBinary)
        .start()
        .await
        .unwrap();
    let otel = builder("e2e-remote", &[])
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .unwrap();
    let mut headers = HashMap::new();
    headers.insert(
        "traceparent".to_owned(),
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
    );
    // OWS to drop (W3C Trace Context Level 2 §3.3.2), and a Level 2 key with a 15-character
    // part after '@', which the SDK's own check refuses.
    headers.insert(
        "tracestate".to_owned(),
        " vendor=abc , t@vvvvvvvvvvvvvvv=1".to_owned(),
    );
    headers.insert("baggage".to_owned(), "user=alice".to_owned());
    let remote = otel.extract(&headers);
    let root = otel.open_scope(ScopeOptions::new("POST /v1/chat").remote_parent(remote));
    assert_eq!(
        root.correlation_id().unwrap().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let mut outgoing: HashMap<String, String> = HashMap::new();
    {
        let _g = root.enter();
        let child = otel.enter_scope("call tool", &[]);
        otel.inject(child.context(), &mut outgoing);
        otel.info("inside", &[]);
    }
    drop(root);
    otel.shutdown(WAIT).await.unwrap();
    assert!(outgoing["traceparent"].starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
    assert_eq!(outgoing["tracestate"], "vendor=abc,t@vvvvvvvvvvvvvvv=1");
    assert_eq!(outgoing["baggage"], "user=alice");

    server.wait_for_spans(2, WAIT).await.unwrap();
    let r = server.with_collector(mock::received).await;
    let root = r.spans.iter().find(|s| s.name == "POST /v1/chat").unwrap();
    assert_eq!(root.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(root.parent_span_id, "00f067aa0ba902b7");
    let child = r.spans.iter().find(|s| s.name == "call tool").unwrap();
    assert_eq!(child.trace_id, root.trace_id);
    assert_eq!(child.parent_span_id, root.span_id);
    server
        .with_collector(|c| {
            let span = c
                .spans()
                .iter()
                .find(|s| s.span().name == "POST /v1/chat")
                .unwrap()
                .span()
                .clone();
            assert_eq!(span.trace_state, "vendor=abc");
        })
        .await;
    server.shutdown().await.unwrap();
}
