//! The engine holds its ground, over real HTTP: random UUID v4 session ids, a bounded session
//! store (503 with `Retry-After`, idle expiry), bounded history (in turns and in bytes, the
//! reply saying what was dropped), bounded messages, unknown fields refused, and user input
//! quoted at most 64 characters long in error bodies and log lines.

use std::sync::Arc;
use std::time::Duration;

use agent_engine::{RunningServer, ServerConfig, ServerTelemetry, SessionLimits, spawn_server};
use reqwest::StatusCode;
use serde_json::{Value, json};
use telemetry_basic::{
    BasicContextualCorrelator, BasicMeter, LogFormat, MemoryWriter, StdoutLogger,
};
use telemetry_core::{ContextualCorrelator, LogLevel, Telemetry};

struct Api {
    server: RunningServer,
    http: reqwest::Client,
}

impl Api {
    async fn start(limits: SessionLimits, telemetry: ServerTelemetry) -> Self {
        let config = ServerConfig {
            limits,
            ..ServerConfig::default()
        };
        Self {
            server: spawn_server(config, telemetry).await.unwrap(),
            http: agent_engine::tls::client().unwrap(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn post(
        &self,
        path: &str,
        body: Value,
    ) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let r = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.json().await.expect("JSON body"))
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.http.get(self.url(path)).send().await.unwrap();
        (r.status(), r.json().await.expect("JSON body"))
    }

    async fn session(&self) -> String {
        let (status, _, body) = self.post("/v1/sessions", json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    async fn say(&self, id: &str, content: &str) -> Value {
        let (status, _, body) = self
            .post(
                &format!("/v1/sessions/{id}/messages"),
                json!({ "content": content }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// A UUID v4 in its hyphenated lower-case form (RFC 9562 section 5.4: version 4, variant 10).
fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && s.chars()
            .enumerate()
            .all(|(i, c)| [8, 13, 18, 23].contains(&i) || matches!(c, '0'..='9' | 'a'..='f'))
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b')
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_ids_are_distinct_random_uuid_v4() {
    let api = Api::start(SessionLimits::default(), ServerTelemetry::noop()).await;
    let mut ids = std::collections::HashSet::new();
    for _ in 0..50 {
        let id = api.session().await;
        assert!(is_uuid_v4(&id), "{id} is not a UUID v4");
        assert!(ids.insert(id), "a session id repeated");
    }
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_store_answers_503_with_retry_after() {
    let limits = SessionLimits {
        max_sessions: 3,
        ..SessionLimits::default()
    };
    let api = Api::start(limits, ServerTelemetry::noop()).await;
    for _ in 0..3 {
        api.session().await;
    }
    let (status, headers, body) = api.post("/v1/sessions", json!({})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    // The oldest session expires after the 30 minute default idle timeout.
    assert!((1..=1800).contains(&retry), "Retry-After {retry}");
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("3 sessions") && message.contains("--max-sessions"),
        "{message}"
    );
    // The server still serves the sessions it has.
    assert_eq!(api.get("/healthz").await.0, StatusCode::OK);
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_expire_and_free_their_slot() {
    let limits = SessionLimits {
        max_sessions: 1,
        idle_timeout: Duration::from_millis(300),
        ..SessionLimits::default()
    };
    let api = Api::start(limits, ServerTelemetry::noop()).await;
    let first = api.session().await;
    assert_eq!(
        api.get(&format!("/v1/sessions/{first}")).await.0,
        StatusCode::OK
    );
    // Waiting longer than the timeout only makes expiry more certain.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (status, body) = api.get(&format!("/v1/sessions/{first}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    // Its slot is free again.
    let second = api.session().await;
    assert_ne!(first, second);
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_bounded_in_turns_and_the_reply_says_what_was_dropped() {
    let limits = SessionLimits {
        max_history_turns: 2,
        ..SessionLimits::default()
    };
    let api = Api::start(limits, ServerTelemetry::noop()).await;
    let id = api.session().await;
    let replies: Vec<Value> = {
        let mut v = Vec::new();
        for n in 1..=4 {
            v.push(api.say(&id, &format!("hello number {n}")).await);
        }
        v
    };
    let context: Vec<(u64, u64, u64)> = replies
        .iter()
        .map(|r| {
            let c = &r["context"];
            (
                c["turns"].as_u64().unwrap(),
                c["dropped_turns"].as_u64().unwrap(),
                c["dropped_now"].as_u64().unwrap(),
            )
        })
        .collect();
    // (earlier turns seen, dropped since the start, dropped by this message)
    assert_eq!(context, [(0, 0, 0), (1, 0, 0), (1, 1, 1), (1, 2, 1)]);
    let (_, session) = api.get(&format!("/v1/sessions/{id}")).await;
    let users: Vec<&str> = session["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["hello number 3", "hello number 4"]);
    assert_eq!(session["dropped_turns"], 2);
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_bounded_in_bytes() {
    let limits = SessionLimits {
        max_history_bytes: 4_000,
        max_message_bytes: 1_500,
        ..SessionLimits::default()
    };
    let api = Api::start(limits, ServerTelemetry::noop()).await;
    let id = api.session().await;
    let mut dropped = 0;
    for n in 0..10 {
        let reply = api.say(&id, &format!("{n} {}", "x".repeat(1_200))).await;
        dropped += reply["context"]["dropped_now"].as_u64().unwrap();
        assert_eq!(reply["context"]["dropped_turns"].as_u64().unwrap(), dropped);
    }
    assert!(dropped >= 6, "only {dropped} turns dropped");
    let (_, session) = api.get(&format!("/v1/sessions/{id}")).await;
    let kept: usize = session["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().map_or(0, str::len))
        .sum();
    assert!(kept <= 4_000, "{kept} bytes of history kept");
    assert_eq!(session["dropped_turns"].as_u64().unwrap(), dropped);
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_limit_is_413_naming_the_limit() {
    let api = Api::start(SessionLimits::default(), ServerTelemetry::noop()).await;
    let id = api.session().await;
    let (status, _, body) = api
        .post(
            &format!("/v1/sessions/{id}/messages"),
            json!({ "content": "y".repeat(65_537) }),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("65537 bytes")
            && message.contains("65536")
            && message.contains("--max-message-bytes"),
        "{message}"
    );
    // Exactly at the limit is accepted, and nothing of the refused one was kept.
    api.say(&id, &"y".repeat(65_536)).await;
    let (_, session) = api.get(&format!("/v1/sessions/{id}")).await;
    assert_eq!(
        session["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "user")
            .count(),
        1
    );
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_refused_naming_the_field_and_the_accepted_ones() {
    let api = Api::start(SessionLimits::default(), ServerTelemetry::noop()).await;
    let (status, _, body) = api.post("/v1/sessions", json!({"agnet": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["unknown_field"], "agnet");
    assert_eq!(body["accepted_fields"], json!(["agent"]));
    let message = body["error"].as_str().unwrap();
    assert!(
        message.contains("\"agnet\"") && message.contains("\"agent\""),
        "{message}"
    );

    let id = api.session().await;
    let (status, _, body) = api
        .post(
            &format!("/v1/sessions/{id}/messages"),
            json!({"content": "hi", "temperature": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["unknown_field"], "temperature");
    assert_eq!(body["accepted_fields"], json!(["content"]));
    api.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_user_input_is_quoted_cut_in_errors_and_log_lines() {
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let out = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()))
        .format(LogFormat::Json)
        .level(LogLevel::Info);
    let t = Telemetry::new(Arc::new(logger), correlator, Arc::new(BasicMeter::new()));
    let api = Api::start(SessionLimits::default(), ServerTelemetry::from_telemetry(t)).await;
    let long_id = "a".repeat(8_000);
    let long_field = "f".repeat(5_000);
    let long_agent = "g".repeat(3_000);
    let (s1, b1) = api.get(&format!("/v1/sessions/{long_id}")).await;
    let (s2, _, b2) = api
        .post("/v1/sessions", json!({ long_field.clone(): 1 }))
        .await;
    let (s3, _, b3) = api
        .post("/v1/sessions", json!({ "agent": long_agent }))
        .await;
    assert_eq!(
        [s1, s2, s3],
        [
            StatusCode::NOT_FOUND,
            StatusCode::BAD_REQUEST,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
    );
    for (body, len) in [(&b1, 8_000), (&b2, 5_000), (&b3, 3_000)] {
        let message = body["error"].as_str().unwrap();
        assert!(message.len() < 300, "{} bytes: {message}", message.len());
        assert!(message.contains(&format!("…\"({len} bytes)")), "{message}");
    }
    assert!(
        b2["unknown_field"]
            .as_str()
            .unwrap()
            .ends_with("…(5000 bytes)")
    );
    api.server.shutdown().await.unwrap();
    let lines = out.lines();
    let rejected: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("request rejected"))
        .collect();
    assert_eq!(rejected.len(), 3, "{}", out.contents());
    for line in rejected {
        assert!(line.len() < 1_500, "a {}-byte log line: {line}", line.len());
        assert!(!line.contains(&"a".repeat(65)) && !line.contains(&"f".repeat(65)));
        assert!(!line.contains(&"g".repeat(65)));
    }
}

#[test]
fn zero_limits_are_refused_naming_the_flag() {
    let cases = [
        (
            SessionLimits {
                max_sessions: 0,
                ..SessionLimits::default()
            },
            "--max-sessions",
        ),
        (
            SessionLimits {
                idle_timeout: Duration::ZERO,
                ..SessionLimits::default()
            },
            "--session-idle-timeout",
        ),
        (
            SessionLimits {
                max_history_turns: 0,
                ..SessionLimits::default()
            },
            "--max-history-turns",
        ),
        (
            SessionLimits {
                max_history_bytes: 0,
                ..SessionLimits::default()
            },
            "--max-history-bytes",
        ),
        (
            SessionLimits {
                max_message_bytes: 2 << 20,
                ..SessionLimits::default()
            },
            "--max-message-bytes",
        ),
    ];
    for (limits, flag) in cases {
        let e = limits.validate().unwrap_err().to_string();
        assert!(e.contains(flag), "{e}");
    }
}
