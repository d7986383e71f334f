//! Shared by the OTLP tests (the OpenTelemetry pipeline and its receiver are
//! `telemetry_testkit::otel`'s): axum servers on 127.0.0.1:0, a plain HTTP client, and a
//! look-up on received spans.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;

use axum::Router;
use telemetry_testkit::RSpan;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The service name of the tests' pipelines.
pub const SERVICE: &str = "telemetry-http-test";

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

/// Whether the span was ended as cancelled (the core's `ScopeEnd::Cancelled`).
pub fn is_cancelled(span: &RSpan) -> bool {
    span.attributes
        .iter()
        .any(|(k, v)| k == "agent_telemetry.cancelled" && v == "true")
}
