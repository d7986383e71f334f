//! A real rmcp client and server over Streamable HTTP on 127.0.0.1, checked on what an
//! in-process OTLP receiver got: the client span's server address and port, the server
//! span's session id and HTTP version, its parent the client span (from `params._meta`) and
//! its link to the HTTP request's span (from telemetry-http's layer).

mod common;

use std::sync::Arc;

use common::{Tools, mcp, otel, received};
use rmcp::model::{CallToolRequestParams, JsonObject};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use telemetry_core::ScopeOptions;
use telemetry_http::HttpServerLayer;
use telemetry_mcp::{McpClient, TransportInfo};
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_call_over_streamable_http_is_one_mcp_trace_linked_to_the_http_span() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (otel, receiver) = otel().await;
    let t = otel.telemetry();
    let (_genai, mcp) = mcp(&t, false);

    let stop = CancellationToken::new();
    let factory_mcp = mcp.clone();
    let factory_t = t.clone();
    let service = StreamableHttpService::new(
        move || {
            Ok(factory_mcp.server(
                Tools {
                    telemetry: factory_t.clone(),
                },
                TransportInfo::streamable_http_server(),
            ))
        },
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default()
            .with_sse_keep_alive(None)
            .with_cancellation_token(stop.child_token()),
    );
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(HttpServerLayer::new(t.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn({
        let stop = stop.clone();
        async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
        }
    });

    let url = format!("http://{addr}/mcp");
    let client = McpClient::connect(
        &mcp,
        (),
        StreamableHttpClientTransport::from_uri(url.clone()),
        TransportInfo::streamable_http(&url).unwrap(),
    )
    .await
    .expect("connects");
    let turn = t.correlator.open_scope(ScopeOptions::new("agent turn"));
    let arguments: JsonObject =
        serde_json::from_value(serde_json::json!({"a": 40, "b": 2})).unwrap();
    let result = turn
        .context()
        .clone()
        .wrap(client.call_tool(CallToolRequestParams::new("add").with_arguments(arguments)))
        .await
        .unwrap();
    assert_ne!(result.is_error, Some(true));
    let trace = turn.correlation_id().unwrap().to_string();
    drop(turn);
    client.close();
    stop.cancel();
    server.await.unwrap();

    let got = received(otel, receiver, 6).await;
    let spans = got.spans_in(&trace);
    let client_span = spans
        .iter()
        .find(|s| s.name == "tools/call add" && s.kind == "SPAN_KIND_CLIENT")
        .unwrap_or_else(|| panic!("{:#?}", got.spans));
    let server_span = spans
        .iter()
        .find(|s| s.name == "tools/call add" && s.kind == "SPAN_KIND_SERVER")
        .unwrap_or_else(|| panic!("{:#?}", got.spans));
    assert_eq!(server_span.parent(), Some(client_span.span_id.as_str()));
    assert_eq!(client_span.attr("server.address"), Some("127.0.0.1"));
    assert_eq!(
        client_span.attr("server.port"),
        Some(addr.port().to_string().as_str())
    );
    for s in [client_span, server_span] {
        assert_eq!(s.attr("network.transport"), Some("tcp"));
        assert_eq!(s.attr("network.protocol.name"), Some("http"));
    }
    assert_eq!(server_span.attr("network.protocol.version"), Some("1.1"));
    let session = server_span.attr("mcp.session.id").expect("the session id");
    assert!(!session.is_empty());
    assert_eq!(
        server_span.attr("server.address"),
        None,
        "server.* is the client's view"
    );

    // The transport's context: the HTTP request that carried the call, a span of its own
    // trace (rmcp's HTTP client sends no traceparent), linked from the MCP server span.
    assert_eq!(server_span.links.len(), 1, "{server_span:#?}");
    let link = &server_span.links[0];
    let http_span = got
        .spans
        .iter()
        .find(|s| s.span_id == link.span_id)
        .expect("the linked span was exported");
    assert_eq!(http_span.kind, "SPAN_KIND_SERVER");
    assert_eq!(http_span.attr("http.request.method"), Some("POST"));
    assert_ne!(http_span.trace_id, trace);
}
