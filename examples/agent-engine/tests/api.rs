//! The HTTP API over real HTTP against an in-process server (NoOp telemetry unless a test
//! says otherwise): happy paths, tools, fan-out, trace continuation and every error status.

use agent_engine::simulate::{self, SimulateConfig};
use agent_engine::{RunningServer, ServerTelemetry, spawn_test_server};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Api {
    server: RunningServer,
    http: reqwest::Client,
}

impl Api {
    async fn start(telemetry: ServerTelemetry) -> Self {
        Self {
            server: spawn_test_server(telemetry).await.unwrap(),
            http: agent_engine::tls::client().unwrap(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn session(&self) -> String {
        let r = self
            .http
            .post(self.url("/v1/sessions"))
            .json(&json!({"agent": "tester"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn say(&self, session: &str, content: &str) -> (StatusCode, Value, Option<String>) {
        let r = self
            .http
            .post(self.url(&format!("/v1/sessions/{session}/messages")))
            .json(&json!({ "content": content }))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let header = r
            .headers()
            .get("x-correlation-id")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, r.json().await.unwrap(), header)
    }

    async fn error(&self, request: reqwest::RequestBuilder) -> (StatusCode, String) {
        let r = request.send().await.unwrap();
        let status = r.status();
        let body: Value = r.json().await.expect("error bodies are JSON");
        let message = body["error"]
            .as_str()
            .expect("{\"error\": string}")
            .to_owned();
        assert!(!message.is_empty());
        (status, message)
    }
}

fn is_trace_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) && s != "0".repeat(32)
}

#[tokio::test]
async fn sessions_are_created_with_and_without_an_agent_name() {
    let api = Api::start(ServerTelemetry::noop()).await;
    for (body, agent) in [
        (Some(json!({"agent": "planner"})), "planner"),
        (Some(json!({})), "assistant"),
        (None, "assistant"),
    ] {
        let mut request = api.http.post(api.url("/v1/sessions"));
        if let Some(b) = body {
            request = request.json(&b);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        // A hyphenated UUID v4 (tests/limits.rs checks its version and variant).
        assert_eq!(v["id"].as_str().unwrap().len(), 36);
        assert_eq!(v["agent"], agent);
    }
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_direct_reply_reports_usage_and_the_correlation_id() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let id = api.session().await;
    let (status, body, header) = api.say(&id, "hello there").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["reply"].as_str().unwrap().starts_with("Hello!"));
    assert_eq!(body["tool_calls"], json!([]));
    // Whitespace tokens: the system prompt (27 words) + "hello there".
    assert_eq!(body["usage"]["input_tokens"], 29);
    assert!(body["usage"]["output_tokens"].as_u64().unwrap() > 5);
    let correlation = body["correlation_id"].as_str().unwrap();
    assert!(is_trace_id(correlation), "{correlation}");
    assert_eq!(header.as_deref(), Some(correlation));
    let (_, second, _) = api.say(&id, "hello again").await;
    assert_ne!(second["correlation_id"], body["correlation_id"]);
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn two_tools_run_in_one_turn_and_the_session_keeps_them() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let id = api.session().await;
    let (status, body, _) = api.say(&id, "what is 6 * 7 and what time is it?").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let calls = body["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["name"], "calculator");
    assert_eq!(calls[0]["arguments"], json!({"expression": "6 * 7"}));
    assert_eq!(calls[0]["result"], json!(42.0));
    assert_eq!(calls[0]["error"], Value::Null);
    assert_eq!(calls[1]["name"], "clock");
    let utc = calls[1]["result"]["utc"].as_str().unwrap();
    assert!(humantime::parse_rfc3339(utc).is_ok(), "{utc}");
    let reply = body["reply"].as_str().unwrap();
    assert!(reply.contains("calculator: 42"), "{reply}");

    let session: Value = api
        .http
        .get(api.url(&format!("/v1/sessions/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let roles: Vec<&str> = session["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "tool", "tool", "assistant"]);
    assert_eq!(session["tool_calls"].as_array().unwrap().len(), 2);
    assert_eq!(session["agent"], "tester");
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn research_runs_against_the_local_task_api_over_http() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let id = api.session().await;
    let (status, body, _) = api.say(&id, "research distributed tracing").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let call = &body["tool_calls"][0];
    assert_eq!(call["name"], "research_task");
    assert_eq!(call["result"]["status"], "completed", "{call}");
    assert!(
        call["result"]["run_id"]
            .as_str()
            .unwrap()
            .starts_with("trun_")
    );
    let content = call["result"]["output"]["content"].as_str().unwrap();
    assert!(content.contains("distributed tracing"), "{content}");

    // A run the task API fails is a tool error, not a failed turn.
    let (status, body, _) = api.say(&id, "research the impossible").await;
    assert_eq!(status, StatusCode::OK);
    let error = body["tool_calls"][0]["error"].as_str().unwrap();
    assert!(error.contains("failed"), "{error}");
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_bad_expression_is_a_tool_error_not_a_failed_request() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let id = api.session().await;
    let (status, body, _) = api.say(&id, "calculate 2 +* 3").await;
    assert_eq!(status, StatusCode::OK);
    let call = &body["tool_calls"][0];
    assert_eq!(call["result"], Value::Null);
    assert!(
        call["error"]
            .as_str()
            .unwrap()
            .contains("cannot evaluate \"2 +* 3\""),
        "{call}"
    );
    assert!(body["reply"].as_str().unwrap().contains("error"));
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_incoming_traceparent_is_continued() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let id = api.session().await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = api
        .http
        .post(api.url(&format!("/v1/sessions/{id}/messages")))
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .json(&json!({"content": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-correlation-id"], trace);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["correlation_id"], trace);

    // An invalid traceparent starts a new trace instead of failing the request.
    let r = api
        .http
        .post(api.url(&format!("/v1/sessions/{id}/messages")))
        .header("traceparent", "00-zz-00f067aa0ba902b7-01")
        .json(&json!({"content": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    let fresh = body["correlation_id"].as_str().unwrap();
    assert!(is_trace_id(fresh) && fresh != trace);
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn every_error_status_has_a_json_body() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let id = api.session().await;
    let messages = api.url(&format!("/v1/sessions/{id}/messages"));
    let json_post = |body: &str| {
        api.http
            .post(&messages)
            .header("content-type", "application/json")
            .body(body.to_owned())
    };

    // 400: malformed JSON, missing, null or empty content, empty body.
    for bad in [
        "{\"content\": ",
        "not json",
        "{\"text\": \"hi\"}",
        "{\"content\": null}",
        "{\"content\": \"   \"}",
        "",
    ] {
        let (status, message) = api.error(json_post(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad:?}: {message}");
        assert!(
            message.contains("content") || message.contains("JSON"),
            "{message}"
        );
    }
    let (_, message) = api.error(json_post("{\"content\": ")).await;
    assert!(message.starts_with("malformed JSON at line 1"), "{message}");

    // 404: unknown session (post and get), unknown route.
    let (status, message) = api
        .error(
            api.http
                .post(api.url("/v1/sessions/nope/messages"))
                .json(&json!({"content": "hi"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message.contains("unknown session \"nope\""), "{message}");
    let (status, _) = api.error(api.http.get(api.url("/v1/sessions/nope"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api.error(api.http.get(api.url("/v2/whatever"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // 405: wrong method on a known route.
    let (status, _) = api.error(api.http.delete(api.url("/v1/sessions"))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);

    // 413: body over 1 MiB.
    let huge = json!({"content": "x".repeat(1024 * 1024 + 1)}).to_string();
    let (status, message) = api.error(json_post(&huge)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(message.contains("1 MiB"), "{message}");

    // 415: not JSON.
    let (status, _) = api
        .error(
            api.http
                .post(&messages)
                .header("content-type", "text/plain")
                .body("hi"),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // 422: well-formed JSON of the wrong shape or type; invalid agent names.
    for bad in ["{\"content\": 42}", "[\"hi\"]", "{\"content\": [\"hi\"]}"] {
        let (status, message) = api.error(json_post(bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {message}");
    }
    for agent in [
        json!(""),
        json!("has space"),
        json!(7),
        json!("x".repeat(65)),
    ] {
        let (status, message) = api
            .error(
                api.http
                    .post(api.url("/v1/sessions"))
                    .json(&json!({ "agent": agent })),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{agent}: {message}"
        );
        assert!(message.contains("agent"), "{message}");
    }

    // None of that reached the session.
    let session: Value = api
        .http
        .get(api.url(&format!("/v1/sessions/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["messages"], json!([]));
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn healthz_answers_and_metrics_need_basic_telemetry() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let r = api.http.get(api.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    let (status, message) = api.error(api.http.get(api.url("/metrics"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message.contains("Basic"), "{message}");
    api.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn basic_telemetry_serves_prometheus_metrics_without_ids() {
    let basic = telemetry_basic::BasicTelemetry::stdout(
        telemetry_basic::LogFormat::Json,
        telemetry_core::LogLevel::Critical,
    );
    let api = Api::start(ServerTelemetry::from_basic(basic)).await;
    let id = api.session().await;
    let (status, body, _) = api.say(&id, "what is 1 + 1 and the date?").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = api.say(&id, "calculate 1 +* 1").await;
    assert_eq!(status, StatusCode::OK);
    let text = api
        .http
        .get(api.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "http_server_request_duration",
        "http_route=\"/v1/sessions/{id}/messages\"",
        "gen_ai_client_token_usage",
        "gen_ai_token_type=\"input\"",
        "gen_ai_client_operation_duration",
        "agent_engine_tool_calls",
        "agent_engine_tool_outcome=\"error\"",
        "error_type=\"invalid_expression\"",
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    // The cost counter (USD) by provider, model and agent: the sum of the turns' costs.
    let cost_line = text
        .lines()
        .find(|l| l.starts_with("agent_telemetry_gen_ai_client_cost_USD_total{"))
        .unwrap_or_else(|| panic!("no cost counter in:\n{text}"));
    assert!(
        cost_line.contains("gen_ai_agent_name=")
            && cost_line.contains("gen_ai_request_model=\"scripted-1\""),
        "{cost_line}"
    );
    let total: f64 = cost_line.rsplit(' ').next().unwrap().parse().unwrap();
    let first_turn = body["usage"]["cost_usd"].as_f64().unwrap();
    assert!(
        total > first_turn && first_turn > 0.0,
        "{total} after a first turn of {first_turn}"
    );
    let correlation = body["correlation_id"].as_str().unwrap();
    assert!(
        !text.contains(&id) && !text.contains(correlation),
        "ids leaked into metrics"
    );
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_drives_sessions_without_unexpected_errors() {
    let api = Api::start(ServerTelemetry::noop()).await;
    let config = SimulateConfig {
        sessions: 40,
        concurrency: 8,
        progress: false,
        ..SimulateConfig::default()
    };
    let summary = simulate::run(&api.server.base_url(), &config)
        .await
        .unwrap();
    assert_eq!(summary.unexpected_errors, 0, "{summary}");
    assert!(
        summary.intended_bad_requests > 0,
        "the mix includes bad requests"
    );
    assert_eq!(summary.bad_requests_rejected, summary.intended_bad_requests);
    // Per session: create, 3 messages, read back; plus the bad requests.
    assert_eq!(summary.requests, 40 * 5 + summary.intended_bad_requests);
    assert!(summary.tool_calls > 40 && summary.input_tokens > 0);
    assert!(summary.to_string().contains("latency p99"));
    // Every reply is priced (the scripted model at gpt-4o-mini's rates), and the summary adds
    // them up.
    assert_eq!(summary.priced_replies, 40 * 3);
    let want = summary.input_tokens as f64 * 0.15e-6 + summary.output_tokens as f64 * 0.6e-6;
    assert!(
        (summary.cost_usd - want).abs() < 1e-12,
        "{} != {want}",
        summary.cost_usd
    );
    assert!(
        summary
            .to_string()
            .contains(&format!("${:.6} USD", summary.cost_usd)),
        "{summary}"
    );
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_with_a_bad_or_unreachable_url_fails_with_a_clear_message() {
    let config = SimulateConfig {
        sessions: 1,
        concurrency: 1,
        progress: false,
        ..SimulateConfig::default()
    };
    let err = simulate::run("127.0.0.1:8800", &config).await.unwrap_err();
    assert!(
        err.to_string().contains("invalid --url \"127.0.0.1:8800\"")
            && err.to_string().contains("http://127.0.0.1:8800"),
        "{err}"
    );
    // A port with nothing listening.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let err = simulate::run(&url, &config).await.unwrap_err().to_string();
    assert!(
        err.contains(&format!("cannot reach the agent engine at --url {url}"))
            && err.contains("agent-engine serve"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_requests_are_logged_with_their_reason() {
    use std::sync::Arc;
    use telemetry_basic::{
        BasicContextualCorrelator, BasicMeter, LogFormat, MemoryWriter, StdoutLogger,
    };
    use telemetry_core::{ContextualCorrelator, LogLevel, Telemetry};
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let out = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()))
        .format(LogFormat::Json)
        .level(LogLevel::Info);
    let t = Telemetry::new(Arc::new(logger), correlator, Arc::new(BasicMeter::new()));
    let api = Api::start(ServerTelemetry::from_telemetry(t)).await;
    let session = api.session().await;
    let (status, message) = api
        .error(
            api.http
                .post(api.url(&format!("/v1/sessions/{session}/messages")))
                .json(&json!({ "content": "" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    api.server.shutdown().await.unwrap();
    let rejected: Vec<Value> = out
        .lines()
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.to_string().contains("request rejected"))
        .collect();
    assert_eq!(rejected.len(), 1, "{}", out.contents());
    assert!(
        rejected[0]
            .to_string()
            .contains(&serde_json::to_string(&message).unwrap()),
        "the log line lacks the client's message {message:?}: {}",
        rejected[0]
    );
}
