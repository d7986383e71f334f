//! The task API client keeps the received HTTP status code on its CLIENT span when the body is
//! not JSON ("`http.response.status_code` … conditionally required if and only if one was
//! received", semantic-conventions v1.41.0, model/http/spans.yaml), checked on what an
//! in-process OTLP receiver got.

use std::time::Duration;

use agent_engine::ResearchLimits;
use agent_engine::tools::TaskApiClient;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use telemetry_core::Lifecycle;
use telemetry_otel::{OpenTelemetry, Protocol};
use telemetry_testkit::mock;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_json_error_answer_keeps_its_status_code_on_the_client_span() {
    // A task API behind a proxy that answers 502 with a plain-text page.
    let app = Router::new().route(
        "/v1/tasks/runs",
        post(|| async { (StatusCode::BAD_GATEWAY, "<html>Bad Gateway</html>") }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let api = tokio::spawn(async move { axum::serve(listener, app).await });

    let receiver = mock::receiver().await;
    let otel = OpenTelemetry::builder("task-api-status")
        .with_env_source(|_| None)
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(format!("http://{}", receiver.addr()))
        .build()
        .unwrap();
    let telemetry = otel.telemetry();
    let client = TaskApiClient::new(
        &format!("http://{addr}"),
        None,
        ResearchLimits::default(),
        telemetry.clone(),
    )
    .unwrap();
    let err = client.run("rust observability", "core").await.unwrap_err();
    assert_eq!(err.error_type, "502", "{err:?}");
    assert!(err.message.contains("not JSON"), "{}", err.message);

    otel.shutdown(WAIT).await.unwrap();
    receiver.wait_for_spans(1, WAIT).await.unwrap();
    let r = receiver.with_collector(mock::received).await;
    let span = r.span_named("POST /v1/tasks/runs");
    assert_eq!(span.kind, "SPAN_KIND_CLIENT");
    assert_eq!(span.attr("http.response.status_code"), Some("502"));
    assert_eq!(span.attr("error.type"), Some("502"));
    assert_eq!(span.status_code, "STATUS_CODE_ERROR");
    receiver.shutdown().await.unwrap();
    api.abort();
}
