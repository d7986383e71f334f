//! The agent's tools over MCP against a misbehaving Streamable HTTP MCP server on 127.0.0.1:
//! a malformed answer, a JSON-RPC error and an answer that never comes each give the tool
//! call an error the model sees and an ERROR `execute_tool` span with the right
//! `error.type`; the turn finishes. Spans read from a span recorder over Basic telemetry.

use std::sync::Arc;
use std::time::Duration;

use agent_engine::agent::Agent;
use agent_engine::instruments::Instruments;
use agent_engine::mcp::{McpConfig, tools};
use agent_engine::model::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, ModelError, ToolCallRequest, Usage,
};
use agent_engine::tools::ToolRegistry;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use telemetry_basic::{BasicTelemetry, LogFormat};
use telemetry_core::{LogLevel, StringValue};
use telemetry_genai::{GenAi, GenAiConfig};
use telemetry_recorder::{Recorder, SpanStatus};

/// A Streamable HTTP MCP endpoint answering in JSON (no SSE), written by hand so it can
/// misbehave: `malformed` answers with a body that is not JSON-RPC, `failing` with a JSON-RPC
/// error, `hanging` never.
async fn fake_mcp(body: String) -> Response {
    let message: Value = match serde_json::from_str(&body) {
        Ok(v) => v,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let Some(id) = message.get("id").cloned() else {
        return StatusCode::ACCEPTED.into_response(); // a notification
    };
    let json = |result: Value| {
        (
            [
                ("content-type", "application/json"),
                ("mcp-session-id", "fake-1"),
            ],
            json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string(),
        )
            .into_response()
    };
    match message["method"].as_str().unwrap_or_default() {
        "initialize" => json(json!({
            "protocolVersion": message["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "fake", "version": "1"},
        })),
        "tools/list" => json(json!({"tools": [
            {"name": "malformed", "inputSchema": {"type": "object"}},
            {"name": "failing", "inputSchema": {"type": "object"}},
            {"name": "hanging", "inputSchema": {"type": "object"}},
        ]})),
        "tools/call" => match message["params"]["name"].as_str().unwrap_or_default() {
            "malformed" => (
                [("content-type", "application/json")],
                "{\"jsonrpc\": \"2.0\", \"id\": oops",
            )
                .into_response(),
            "failing" => (
                [("content-type", "application/json")],
                json!({"jsonrpc": "2.0", "id": id,
                       "error": {"code": -32603, "message": "weather backend down"}})
                .to_string(),
            )
                .into_response(),
            _ => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                StatusCode::GATEWAY_TIMEOUT.into_response()
            }
        },
        _ => json(json!({})),
    }
}

/// Asks for the three tools at once, then answers with what the tools returned.
struct ThreeTools;

#[async_trait::async_trait]
impl ChatModel for ThreeTools {
    fn provider_name(&self) -> StringValue {
        StringValue::from("test")
    }

    fn model_name(&self) -> StringValue {
        StringValue::from("three-tools")
    }

    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, ModelError> {
        let seen: Vec<String> = request
            .messages
            .iter()
            .filter_map(|m| match m {
                ChatMessage::Tool { name, content, .. } => Some(format!("{name}: {content}")),
                _ => None,
            })
            .collect();
        let tool_calls = if seen.is_empty() {
            ["malformed", "failing", "hanging"]
                .iter()
                .enumerate()
                .map(|(i, name)| ToolCallRequest {
                    id: format!("call_{i}"),
                    name: (*name).to_owned(),
                    arguments: json!({}),
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(ChatResponse {
            content: (!seen.is_empty()).then(|| seen.join("\n")),
            finish_reason: if tool_calls.is_empty() {
                "stop"
            } else {
                "tool_calls"
            }
            .into(),
            tool_calls,
            usage: Usage::default(),
            response_model: "three-tools".into(),
            response_id: None,
            reasoning: None,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misbehaving_mcp_server_gives_each_tool_call_an_error_and_the_turn_ends() {
    // No process-wide TLS provider installed, as in the binary: the engine's MCP clients
    // bring their own.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/mcp", post(fake_mcp)))
            .await
            .unwrap();
    });

    let basic = BasicTelemetry::stdout(LogFormat::Text, LogLevel::Error);
    let recorder = Recorder::default();
    let t = recorder.attach(&basic.telemetry);
    let genai = GenAi::new(&t, GenAiConfig::default());
    let config = McpConfig {
        builtin_over_mcp: false,
        servers: vec![format!("http://{addr}/mcp")],
        timeout: Duration::from_millis(500),
        ..McpConfig::default()
    };
    let (registry, connections) = tools(&config, ToolRegistry::new(), &genai)
        .await
        .expect("the fake server connects and lists its tools");
    assert_eq!(registry.definitions().len(), 3);
    let agent = Agent::new(
        Arc::new(ThreeTools),
        registry,
        genai,
        Instruments::new(&t.meter),
        4,
    );
    let outcome = tokio::time::timeout(
        Duration::from_secs(10),
        agent.run_turn("s1".into(), "tester".into(), &[], "go"),
    )
    .await
    .expect("the turn is not stuck")
    .expect("the turn succeeds: tool errors go to the model");
    connections.close().await;
    server.abort();

    // The model saw an error for each tool.
    for (record, name) in outcome
        .tool_calls
        .iter()
        .zip(["malformed", "failing", "hanging"])
    {
        assert_eq!(record.name, name);
        assert!(record.result.is_none(), "{record:?}");
        assert!(record.error.is_some(), "{record:?}");
    }
    assert!(
        outcome.reply.contains("weather backend down"),
        "{}",
        outcome.reply
    );
    assert!(
        outcome.reply.contains("hanging: error:"),
        "{}",
        outcome.reply
    );

    let traces = recorder.traces();
    let tool_span = |name: &str| {
        traces
            .iter()
            .flat_map(|t| &t.spans)
            .find(|s| s.name == format!("execute_tool {name}"))
            .unwrap_or_else(|| panic!("no execute_tool {name}: {traces:#?}"))
            .clone()
    };
    let error_type = |name: &str| match tool_span(name).status {
        SpanStatus::Error { error_type, .. } => error_type,
        other => panic!("execute_tool {name} did not fail: {other:?}"),
    };
    assert_eq!(error_type("failing"), "-32603");
    assert_eq!(error_type("hanging"), "timeout");
    // rmcp's HTTP client reports a body it cannot read as JSON-RPC as a failed send.
    assert_eq!(error_type("malformed"), "transport_send");
    for name in ["malformed", "failing", "hanging"] {
        let span = tool_span(name);
        assert_eq!(
            span.attribute("mcp.method.name")
                .and_then(|v| v.as_str().map(str::to_owned)),
            Some("tools/call".to_owned()),
            "the MCP call describes the tool span: {span:#?}"
        );
        assert_eq!(
            span.attribute("server.port").map(|v| format!("{v:?}")),
            Some(format!(
                "{:?}",
                telemetry_core::AttributeValue::from(i64::from(addr.port()))
            ))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_mcp_settings_and_servers_that_cannot_be_reached_are_errors_naming_them() {
    let invalid = |c: McpConfig| c.validate().unwrap_err().to_string();
    let e = invalid(McpConfig {
        servers: vec!["ftp://host/mcp".into()],
        ..McpConfig::default()
    });
    assert!(
        e.contains("--mcp-server") && e.contains("ftp://host/mcp"),
        "{e}"
    );
    let e = invalid(McpConfig {
        commands: vec!["  ".into()],
        ..McpConfig::default()
    });
    assert!(e.contains("--mcp-command"), "{e}");
    let e = invalid(McpConfig {
        timeout: Duration::ZERO,
        ..McpConfig::default()
    });
    assert!(e.contains("--mcp-timeout"), "{e}");

    let genai = GenAi::new(&telemetry_core::Telemetry::noop(), GenAiConfig::default());
    let connect = |c: McpConfig| {
        let genai = genai.clone();
        async move {
            match tools(&c, ToolRegistry::new(), &genai).await {
                Ok(_) => panic!("connected to {c:?}"),
                Err(e) => e.to_string(),
            }
        }
    };
    // A stdio server that exits at once.
    let e = connect(McpConfig {
        builtin_over_mcp: false,
        commands: vec!["exit 3".into()],
        timeout: Duration::from_secs(5),
        ..McpConfig::default()
    })
    .await;
    assert!(
        e.contains("cannot connect to MCP command \"exit 3\""),
        "{e}"
    );
    // Nothing listens on the port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{closed}/mcp");
    let e = connect(McpConfig {
        builtin_over_mcp: false,
        servers: vec![url.clone()],
        timeout: Duration::from_secs(5),
        ..McpConfig::default()
    })
    .await;
    assert!(
        e.contains(&format!("cannot connect to MCP server {url}")),
        "{e}"
    );
}
