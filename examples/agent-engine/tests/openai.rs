//! The OpenAI-compatible model against a local HTTP stub: tool calling, error mapping to
//! `error.type`, and graceful shutdown with a model call in flight.

mod common;

use std::sync::Arc;
use std::time::Duration;

use agent_engine::model::OpenAiConfig;
use agent_engine::{ModelChoice, RunningServer, ServerConfig, ServerTelemetry, spawn_server};
use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Notify, mpsc};

#[derive(Clone)]
struct Stub {
    seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    arrived: mpsc::UnboundedSender<()>,
    release: Arc<Notify>,
}

/// Behaves by requested model name, like a provider with several deployments.
async fn completions(
    axum::extract::State(stub): axum::extract::State<Stub>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    stub.seen.lock().await.push((headers, body.clone()));
    let has_tool_result = body["messages"]
        .as_array()
        .is_some_and(|m| m.iter().any(|m| m["role"] == "tool"));
    match body["model"].as_str().unwrap_or_default() {
        "tools-model" if !has_tool_result => Json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "tools-model-2024",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [{"id": "call_abc", "type": "function",
                    "function": {"name": "calculator", "arguments": "{\"expression\": \"2 + 3\"}"}}],
            }}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
        }))
        .into_response(),
        "tools-model" | "gated-model" => {
            if body["model"] == "gated-model" {
                let _ = stub.arrived.send(());
                stub.release.notified().await;
            }
            Json(json!({
                "id": "chatcmpl-2", "object": "chat.completion", "model": "tools-model-2024",
                "choices": [{"index": 0, "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "The answer is 5."}}],
                "usage": {"prompt_tokens": 70, "completion_tokens": 5, "total_tokens": 75},
            }))
            .into_response()
        }
        "ratelimited-model" => (
            StatusCode::TOO_MANY_REQUESTS,
            Json(json!({"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}})),
        )
            .into_response(),
        "long-context-model" => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "This model's maximum context length is 8192 tokens.",
                "type": "invalid_request_error", "code": "context_length_exceeded"}})),
        )
            .into_response(),
        "slow-model" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            StatusCode::OK.into_response()
        }
        _ => (StatusCode::OK, "not json").into_response(),
    }
}

async fn start_stub() -> (String, Stub, mpsc::UnboundedReceiver<()>) {
    let (arrived, arrivals) = mpsc::unbounded_channel();
    let stub = Stub {
        seen: Arc::default(),
        arrived,
        release: Arc::new(Notify::new()),
    };
    let app = axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(completions))
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/v1"), stub, arrivals)
}

async fn server(base_url: &str, model: &str, telemetry: ServerTelemetry) -> RunningServer {
    // Short enough for the slow-model test, long enough for the others on a busy machine.
    let timeout = if model == "slow-model" {
        Duration::from_millis(300)
    } else {
        Duration::from_secs(30)
    };
    let config = ServerConfig {
        model: ModelChoice::OpenAi(OpenAiConfig {
            base_url: base_url.to_owned(),
            api_key: Some("sk-test".into()),
            model: model.into(),
            timeout,
        }),
        ..ServerConfig::default()
    };
    spawn_server(config, telemetry).await.unwrap()
}

async fn turn(server: &RunningServer, content: &str) -> (StatusCode, Value) {
    let http = agent_engine::tls::client().unwrap();
    let base = server.base_url();
    let session = common::api::new_session(&http, &base, None).await;
    let (status, body) = common::api::say(&http, &base, &session, content).await;
    (status, body)
}

#[tokio::test]
async fn tool_calls_round_trip_through_an_openai_compatible_endpoint() {
    let (base, stub, _) = start_stub().await;
    let server = server(&base, "tools-model", ServerTelemetry::noop()).await;
    let (status, body) = turn(&server, "add two and three").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["reply"], "The answer is 5.");
    assert_eq!(body["tool_calls"][0]["name"], "calculator");
    assert_eq!(body["tool_calls"][0]["result"], json!(5.0));
    // "tools-model" is in no price table: no cost, rather than a made-up 0.
    assert_eq!(
        body["usage"],
        json!({"input_tokens": 120, "output_tokens": 15, "cost_usd": null})
    );

    let seen = stub.seen.lock().await;
    assert_eq!(seen.len(), 2);
    let (headers, first) = &seen[0];
    assert_eq!(headers["authorization"], "Bearer sk-test");
    let tools: Vec<&str> = first["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["calculator", "clock", "research_task"]);
    let second = &seen[1].1["messages"];
    let last = second.as_array().unwrap().last().unwrap();
    assert_eq!(last["role"], "tool");
    assert_eq!(last["tool_call_id"], "call_abc");
    drop(seen);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn provider_errors_map_to_statuses_and_error_types() {
    let (base, _stub, _) = start_stub().await;
    let basic = telemetry_basic::BasicTelemetry::stdout(
        telemetry_basic::LogFormat::Json,
        telemetry_core::LogLevel::Critical,
    );
    let meter = basic.meter.clone();
    let telemetry = ServerTelemetry::from_basic(basic);
    for (model, status, message) in [
        ("ratelimited-model", StatusCode::BAD_GATEWAY, "rate limit"),
        (
            "long-context-model",
            StatusCode::BAD_GATEWAY,
            "context window",
        ),
        ("slow-model", StatusCode::GATEWAY_TIMEOUT, "timed out"),
        ("garbage-model", StatusCode::BAD_GATEWAY, "invalid response"),
    ] {
        let server = server(&base, model, telemetry.clone()).await;
        let (got, body) = turn(&server, "hi").await;
        assert_eq!(got, status, "{model}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(message),
            "{model}: {body}"
        );
        server.shutdown().await.unwrap();
    }
    let text = meter.render_prometheus();
    for error_type in [
        "rate_limit_exceeded",
        "context_length_exceeded",
        "timeout",
        "invalid_response",
    ] {
        assert!(
            text.contains(&format!("error_type=\"{error_type}\"")),
            "{error_type} missing from gen_ai.client.operation.duration:\n{text}"
        );
    }
    // A remote provider's chat spans and metrics name its endpoint (v1.41 inference client).
    assert!(
        text.lines()
            .any(|l| l.starts_with("gen_ai_client_operation_duration")
                && l.contains("gen_ai_operation_name=\"chat\"")
                && l.contains("server_address=\"127.0.0.1\"")
                && l.contains("server_port=")),
        "server.* missing from gen_ai.client.operation.duration:\n{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_a_request_in_flight_finish() {
    let (base, stub, mut arrivals) = start_stub().await;
    let server = server(&base, "gated-model", ServerTelemetry::noop()).await;
    let base_url = server.base_url();
    let in_flight = tokio::spawn(async move {
        let http = agent_engine::tls::client().unwrap();
        let session: Value = http
            .post(format!("{base_url}/v1/sessions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        http.post(format!(
            "{base_url}/v1/sessions/{}/messages",
            session["id"].as_str().unwrap()
        ))
        .json(&json!({"content": "hi"}))
        .send()
        .await
    });
    // The model call has started: the request is in flight now.
    arrivals.recv().await.unwrap();
    let stopping = tokio::spawn(server.shutdown());
    tokio::task::yield_now().await;
    assert!(!stopping.is_finished(), "shutdown waits for the request");
    stub.release.notify_one();
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["reply"], "The answer is 5.");
    stopping.await.unwrap().unwrap();
}
