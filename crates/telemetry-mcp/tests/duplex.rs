//! A real rmcp client and server over an in-process duplex, checked on what an in-process
//! OTLP receiver got: one trace from the caller through the CLIENT span to the SERVER span,
//! the conventions' attributes and metrics, error outcomes, a timeout, baggage, the
//! `execute_tool` merge, and content capture.

mod common;

use std::time::Duration;

use common::{Tools, is_cancelled, mcp, otel, received};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, JsonObject};
use rmcp::{ServiceError, model::ContentBlock};
use telemetry_core::{ScopeOptions, Telemetry};
use telemetry_mcp::{Mcp, McpClient, TransportInfo};
use tokio::task::JoinHandle;

fn args(v: serde_json::Value) -> JsonObject {
    serde_json::from_value(v).expect("an object")
}

fn text(r: &rmcp::model::CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(ContentBlock::as_text)
        .map(|t| t.text.clone())
        .collect()
}

/// Serves the test tools over one end of a duplex; the client connects over the other.
async fn pair(mcp: &Mcp, t: &Telemetry) -> (McpClient, JoinHandle<()>) {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server = mcp.server(
        Tools {
            telemetry: t.clone(),
        },
        TransportInfo::in_process(),
    );
    let task = tokio::spawn(async move {
        let running = server.serve(server_io).await.expect("server starts");
        let _ = running.waiting().await;
    });
    let client = McpClient::connect(mcp, (), client_io, TransportInfo::in_process())
        .await
        .expect("client connects");
    (client, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_call_is_one_trace_caller_client_server_with_the_conventions_attributes() {
    let (otel, receiver) = otel().await;
    let t = otel.telemetry();
    let (_genai, mcp) = mcp(&t, false);
    let (client, server) = pair(&mcp, &t).await;

    let turn = t.correlator.open_scope(ScopeOptions::new("agent turn"));
    turn.context().set_baggage("tenant", "acme").unwrap();
    let call =
        CallToolRequestParams::new("add").with_arguments(args(serde_json::json!({"a": 2, "b": 3})));
    let (tools, result) = turn
        .context()
        .clone()
        .wrap(async { (client.list_all_tools().await, client.call_tool(call).await) })
        .await;
    assert_eq!(tools.unwrap().len(), 4);
    let result = result.expect("the call succeeds");
    assert_eq!(text(&result), "5 tenant=acme", "baggage reached the tool");
    let trace = turn.correlation_id().unwrap().to_string();
    drop(turn);
    client.close();
    server.await.unwrap(); // the server's session ends with the connection

    let got = received(otel, receiver, 7).await;
    let root = got.span_named("agent turn");
    let spans = got.spans_in(&trace);
    let client_span = spans
        .iter()
        .find(|s| s.name == "tools/call add" && s.kind == "SPAN_KIND_CLIENT")
        .expect("a CLIENT span");
    let server_span = spans
        .iter()
        .find(|s| s.name == "tools/call add" && s.kind == "SPAN_KIND_SERVER")
        .expect("a SERVER span in the caller's trace");
    assert_eq!(client_span.parent(), Some(root.span_id.as_str()));
    assert_eq!(
        server_span.parent(),
        Some(client_span.span_id.as_str()),
        "the server span continues the client span from params._meta"
    );
    for s in [client_span, server_span] {
        assert_eq!(s.attr("mcp.method.name"), Some("tools/call"), "{s:#?}");
        assert_eq!(s.attr("gen_ai.tool.name"), Some("add"));
        assert_eq!(s.attr("gen_ai.operation.name"), Some("execute_tool"));
        assert_eq!(s.attr("network.transport"), Some("pipe"));
        assert_eq!(s.attr("error.type"), None);
        assert_eq!(s.status_code, "STATUS_CODE_UNSET");
        assert!(
            s.attr("mcp.protocol.version")
                .is_some_and(|v| v.starts_with("20")),
            "{s:#?}"
        );
        assert!(
            s.attr("gen_ai.tool.call.arguments").is_none(),
            "content is off by default"
        );
    }
    let id = client_span
        .attr("jsonrpc.request.id")
        .expect("a request id");
    assert_eq!(server_span.attr("jsonrpc.request.id"), Some(id));
    let lookup = got.span_named("lookup");
    assert_eq!(
        lookup.parent(),
        Some(server_span.span_id.as_str()),
        "the handler runs in the server span"
    );
    assert_eq!(lookup.attr("seen.tenant"), Some("acme"));
    // `tools/list` under the turn too, and the handshake on both sides.
    let list = spans
        .iter()
        .find(|s| s.name == "tools/list" && s.kind == "SPAN_KIND_CLIENT")
        .unwrap();
    assert_eq!(list.parent(), Some(root.span_id.as_str()));
    assert_eq!(
        list.attr("gen_ai.operation.name"),
        None,
        "only tool calls are execute_tool"
    );
    let init = got
        .spans
        .iter()
        .find(|s| s.name == "initialize" && s.kind == "SPAN_KIND_CLIENT")
        .unwrap();
    assert!(init.attr("mcp.protocol.version").is_some());
    // The handshake is one trace: rmcp builds `initialize` from the client handler's info,
    // which carries the span's context; `notifications/initialized` follows the server's
    // `initialize`.
    let init_server = got
        .spans
        .iter()
        .find(|s| s.name == "initialize" && s.kind == "SPAN_KIND_SERVER")
        .unwrap();
    assert_eq!(
        init_server.parent(),
        Some(init.span_id.as_str()),
        "{init_server:#?}"
    );
    let initialized = got.span_named("notifications/initialized");
    assert_eq!(initialized.kind, "SPAN_KIND_SERVER");
    assert_eq!(initialized.parent(), Some(init_server.span_id.as_str()));
    assert_eq!(
        initialized.attr("jsonrpc.request.id"),
        None,
        "a notification has no id"
    );

    let buckets = [
        0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
    ];
    for metric in [
        "mcp.client.operation.duration",
        "mcp.server.operation.duration",
    ] {
        let p = got
            .points_of(metric)
            .into_iter()
            .find(|p| p.attributes.get("mcp.method.name").map(String::as_str) == Some("tools/call"))
            .unwrap_or_else(|| panic!("{metric}: {:#?}", got.metrics));
        assert_eq!((p.unit.as_str(), p.count), ("s", 1));
        assert_eq!(p.bounds, buckets);
        assert_eq!(p.attributes["gen_ai.tool.name"], "add");
        assert_eq!(p.attributes["network.transport"], "pipe");
        assert!(
            !p.attributes.contains_key("jsonrpc.request.id"),
            "no per-request ids in metrics"
        );
    }
    for metric in ["mcp.client.session.duration", "mcp.server.session.duration"] {
        let points = got.points_of(metric);
        assert_eq!(points.len(), 1, "{metric}: {:#?}", got.metrics);
        assert_eq!(points[0].count, 1);
        assert_eq!(points[0].bounds, buckets);
        assert!(points[0].attributes.contains_key("mcp.protocol.version"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_rpc_errors_and_is_error_results_set_error_type_on_both_sides() {
    let (otel, receiver) = otel().await;
    let t = otel.telemetry();
    let (_genai, mcp) = mcp(&t, false);
    let (client, _server) = pair(&mcp, &t).await;

    let broken = client
        .call_tool(CallToolRequestParams::new("broken"))
        .await
        .unwrap();
    assert_eq!(broken.is_error, Some(true));
    let rejected = client
        .call_tool(CallToolRequestParams::new("reject"))
        .await
        .unwrap_err();
    assert!(
        matches!(&rejected, ServiceError::McpError(e) if e.code.0 == -32603),
        "{rejected:?}"
    );
    let unknown = client
        .call_tool(CallToolRequestParams::new("nope"))
        .await
        .unwrap_err();
    let ServiceError::McpError(unknown) = unknown else {
        panic!("{unknown:?}")
    };
    let unknown_code = unknown.code.0.to_string();

    let got = received(otel, receiver, 8).await;
    let pair_of = |name: &str| {
        let find = |kind: &str| {
            got.spans
                .iter()
                .find(|s| s.name == name && s.kind == kind)
                .unwrap_or_else(|| panic!("{name} {kind}: {:#?}", got.spans))
        };
        (find("SPAN_KIND_CLIENT"), find("SPAN_KIND_SERVER"))
    };
    for s in <[_; 2]>::from(pair_of("tools/call broken")) {
        assert_eq!(s.attr("error.type"), Some("tool_error"), "{s:#?}");
        assert_eq!(s.status_code, "STATUS_CODE_ERROR");
        assert_eq!(s.status_message, "disk full on /var");
        assert_eq!(s.attr("rpc.response.status_code"), None);
    }
    for s in <[_; 2]>::from(pair_of("tools/call reject")) {
        assert_eq!(s.attr("error.type"), Some("-32603"), "{s:#?}");
        assert_eq!(s.attr("rpc.response.status_code"), Some("-32603"));
        assert_eq!(s.status_code, "STATUS_CODE_ERROR");
        assert_eq!(s.status_message, "database unavailable");
    }
    for s in <[_; 2]>::from(pair_of("tools/call nope")) {
        assert_eq!(s.attr("error.type"), Some(unknown_code.as_str()), "{s:#?}");
    }
    let failed = got
        .points_of("mcp.client.operation.duration")
        .into_iter()
        .filter(|p| p.attributes.contains_key("error.type"))
        .count();
    assert_eq!(failed, 3, "{:#?}", got.metrics);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_fails_the_client_span_and_ends_the_server_span_as_cancelled() {
    let (otel, receiver) = otel().await;
    let t = otel.telemetry();
    let (_genai, mcp) = mcp(&t, false);
    let (client, _server) = pair(&mcp, &t).await;
    let client = client.with_timeout(Duration::from_millis(300));

    let e = client
        .call_tool(CallToolRequestParams::new("slow"))
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Timeout { .. }), "{e:?}");

    // The server span ends when rmcp's `notifications/cancelled` arrives, long before the
    // handler's 3 s are up; `received` waits for it.
    let got = received(otel, receiver, 4).await;
    let client_span = got
        .spans
        .iter()
        .find(|s| s.name == "tools/call slow" && s.kind == "SPAN_KIND_CLIENT")
        .unwrap();
    assert_eq!(client_span.attr("error.type"), Some("timeout"));
    assert_eq!(client_span.status_code, "STATUS_CODE_ERROR");
    let server_span = got
        .spans
        .iter()
        .find(|s| s.name == "tools/call slow" && s.kind == "SPAN_KIND_SERVER")
        .unwrap_or_else(|| panic!("the server span ended: {:#?}", got.spans));
    assert!(is_cancelled(server_span), "{server_span:#?}");
    assert_eq!(
        server_span.attr("error.type"),
        None,
        "cancelled, not failed"
    );
    assert_eq!(server_span.parent(), Some(client_span.span_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_an_execute_tool_span_the_call_describes_that_span() {
    let (otel, receiver) = otel().await;
    let t = otel.telemetry();
    let (genai, merged) = mcp(&t, false);
    let separate = Mcp::builder(&genai).merge_into_tool_spans(false).build();
    let (client, _server) = pair(&merged, &t).await;
    let (client2, _server2) = pair(&separate, &t).await;

    let tool = genai.execute_tool("add").call_id("call_1").start();
    let call = || {
        CallToolRequestParams::new("add").with_arguments(args(serde_json::json!({"a": 1, "b": 1})))
    };
    tool.instrument(async {
        client.call_tool(call()).await.unwrap();
        // A second call under the same tool span opens its own CLIENT span.
        client.call_tool(call()).await.unwrap();
    })
    .await;
    let merged_trace = tool.context().correlation_id().unwrap().to_string();
    tool.end();
    let tool2 = genai.execute_tool("add").call_id("call_2").start();
    tool2.instrument(client2.call_tool(call())).await.unwrap();
    tool2.end();

    let got = received(otel, receiver, 9).await;
    let in_trace = got.spans_in(&merged_trace);
    let exec = in_trace
        .iter()
        .find(|s| s.name == "execute_tool add")
        .unwrap();
    assert_eq!(exec.kind, "SPAN_KIND_INTERNAL");
    assert_eq!(
        exec.attr("mcp.method.name"),
        Some("tools/call"),
        "{exec:#?}"
    );
    assert!(exec.attr("jsonrpc.request.id").is_some());
    assert_eq!(exec.attr("network.transport"), Some("pipe"));
    assert_eq!(exec.attr("gen_ai.tool.call.id"), Some("call_1"));
    let clients: Vec<_> = in_trace
        .iter()
        .filter(|s| s.kind == "SPAN_KIND_CLIENT")
        .collect();
    assert_eq!(
        clients.len(),
        1,
        "only the second call has its own span: {in_trace:#?}"
    );
    assert_eq!(clients[0].parent(), Some(exec.span_id.as_str()));
    let servers: Vec<_> = in_trace
        .iter()
        .filter(|s| s.kind == "SPAN_KIND_SERVER")
        .collect();
    assert_eq!(servers.len(), 2);
    assert!(
        servers
            .iter()
            .any(|s| s.parent() == Some(exec.span_id.as_str())),
        "the first server span is the tool span's child"
    );
    assert!(
        servers
            .iter()
            .any(|s| s.parent() == Some(clients[0].span_id.as_str()))
    );

    // Merging switched off: execute_tool → CLIENT → SERVER.
    let exec2 = got
        .spans
        .iter()
        .find(|s| s.attr("gen_ai.tool.call.id") == Some("call_2"))
        .unwrap();
    assert_eq!(exec2.attr("mcp.method.name"), None);
    let in_trace2 = got.spans_in(&exec2.trace_id);
    let c = in_trace2
        .iter()
        .find(|s| s.kind == "SPAN_KIND_CLIENT")
        .unwrap();
    let s = in_trace2
        .iter()
        .find(|s| s.kind == "SPAN_KIND_SERVER")
        .unwrap();
    assert_eq!(c.parent(), Some(exec2.span_id.as_str()));
    assert_eq!(s.parent(), Some(c.span_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_content_is_captured_only_when_genai_captures_it_and_redacted() {
    for capture in [true, false] {
        let (otel, receiver) = otel().await;
        let t = otel.telemetry();
        let (_genai, mcp) = mcp(&t, capture);
        let (client, _server) = pair(&mcp, &t).await;
        let call = CallToolRequestParams::new("add").with_arguments(args(
            serde_json::json!({"a": 20, "b": 22, "note": "use password=hunter2 for the db"}),
        ));
        client.call_tool(call).await.unwrap();

        let got = received(otel, receiver, 4).await;
        for kind in ["SPAN_KIND_CLIENT", "SPAN_KIND_SERVER"] {
            let s = got
                .spans
                .iter()
                .find(|s| s.name == "tools/call add" && s.kind == kind)
                .unwrap();
            let args = s.attr("gen_ai.tool.call.arguments");
            let result = s.attr("gen_ai.tool.call.result");
            if capture {
                let args = args.unwrap_or_else(|| panic!("{s:#?}"));
                assert!(args.contains("\"a\":20"), "{args}");
                assert!(
                    !args.contains("hunter2") && args.contains("[REDACTED:"),
                    "{args}"
                );
                assert!(result.unwrap().contains("42 tenant="), "{result:?}");
            } else {
                assert_eq!((args, result), (None, None), "{s:#?}");
            }
        }
    }
}

/// A hand-written server on the other end of the duplex: a correct handshake, then a line
/// that is not JSON-RPC as the answer to `tools/call`.
async fn malformed_server(io: tokio::io::DuplexStream) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = tokio::io::split(io);
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let message: serde_json::Value = serde_json::from_str(&line).unwrap();
        let answer = match message["method"].as_str() {
            Some("initialize") => {
                serde_json::json!({"jsonrpc": "2.0", "id": message["id"], "result": {
                    "protocolVersion": message["params"]["protocolVersion"],
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "malformed", "version": "1"},
                }})
                .to_string()
            }
            Some("tools/call") => "{\"jsonrpc\": \"2.0\", \"id\": oops".to_owned(),
            _ => continue,
        };
        write.write_all(answer.as_bytes()).await.unwrap();
        write.write_all(b"\n").await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_answer_on_a_byte_stream_ends_at_the_timeout_with_an_error_span() {
    let (otel, receiver) = otel().await;
    let t = otel.telemetry();
    let (_genai, mcp) = mcp(&t, false);
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(malformed_server(server_io));
    let client = McpClient::connect(&mcp, (), client_io, TransportInfo::in_process())
        .await
        .unwrap()
        .with_timeout(Duration::from_millis(500));

    // rmcp skips a line it cannot decode on a byte stream, so the call ends at the timeout.
    let e = client
        .call_tool(CallToolRequestParams::new("anything"))
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Timeout { .. }), "{e:?}");

    let got = received(otel, receiver, 2).await;
    let span = got
        .spans
        .iter()
        .find(|s| s.name == "tools/call anything")
        .unwrap();
    assert_eq!(span.status_code, "STATUS_CODE_ERROR", "{span:#?}");
    assert_eq!(span.attr("error.type"), Some("timeout"));
}
