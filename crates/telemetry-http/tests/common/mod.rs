//! Shared by the OTLP tests: the OpenTelemetry implementation exporting to an in-process
//! receiver (mock-collector, HTTP/protobuf on 127.0.0.1:0), axum servers on 127.0.0.1:0, and
//! a plain HTTP client.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use mock_collector::ServerHandle;
use telemetry_core::Lifecycle as _;
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::{RSpan, Received, env_source, mock};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub const WAIT: Duration = Duration::from_secs(10);

/// A receiver and an OpenTelemetry implementation exporting every signal to it.
pub async fn otel() -> (OpenTelemetry, ServerHandle) {
    let server = mock::receiver().await;
    let otel = OpenTelemetry::builder("telemetry-http-test")
        .with_env_source(env_source(&[]))
        .with_endpoint(format!("http://{}", server.addr()))
        .build()
        .expect("a valid configuration");
    (otel, server)
}

/// Serves `app` on 127.0.0.1 with an ephemeral port, with the peer address available to the
/// layer (`ConnectInfo`).
pub async fn serve(app: Router) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    (addr, task)
}

/// A reqwest client. reqwest is built here without a TLS crypto provider (the workspace picks
/// `ring` explicitly), so one is installed first; plain HTTP is all these tests use.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}

/// Shuts `otel` down (exporting everything) and reads what `server` got once it holds at
/// least `spans` spans.
pub async fn received(otel: OpenTelemetry, server: ServerHandle, spans: usize) -> Received {
    otel.shutdown(WAIT).await.expect("shutdown");
    server
        .wait_for_spans(spans, WAIT)
        .await
        .expect("spans arrive");
    let got = server.with_collector(mock::received).await;
    server.shutdown().await.expect("receiver stops");
    got
}

/// Whether the span was ended as cancelled (the core's `ScopeEnd::Cancelled`).
pub fn is_cancelled(span: &RSpan) -> bool {
    span.attributes
        .iter()
        .any(|(k, v)| k == "agent_telemetry.cancelled" && v == "true")
}
