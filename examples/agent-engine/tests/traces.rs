//! The local trace view over real HTTP: `/api/traces`, `/api/traces/{id}`, the pages, the
//! filters and errors, with Basic and with OpenTelemetry (no trace exporter at all), and
//! content only when capture is on, redacted.

mod common;

use std::time::Duration;

use agent_engine::{RunningServer, ServerConfig, ServerTelemetry, spawn_server};
use serde_json::Value;
use telemetry_basic::LogFormat;
use telemetry_core::LogLevel;
use telemetry_genai::{CaptureMode, GenAiConfig};
use telemetry_otel::{OpenTelemetry, Signal};
use telemetry_recorder::Recorder;

async fn start(telemetry: ServerTelemetry, genai: GenAiConfig, view: bool) -> RunningServer {
    let config = ServerConfig {
        genai,
        trace_view: view,
        ..ServerConfig::default()
    };
    spawn_server(config, telemetry.with_recorder(Recorder::default(), false))
        .await
        .unwrap()
}

/// Creates a session and sends `content`; returns the turn's trace id.
async fn turn(http: &reqwest::Client, base: &str, content: &str) -> String {
    let id = common::api::new_session(http, base, None).await;
    let (_, turn) = common::api::say(http, base, &id, content).await;
    turn["correlation_id"].as_str().unwrap().to_owned()
}

async fn get(http: &reqwest::Client, url: String) -> (u16, String) {
    let r = http.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The trace's JSON, once its root has ended (the answer can arrive a moment before).
async fn trace(http: &reqwest::Client, base: &str, id: &str) -> Value {
    for _ in 0..100 {
        let (status, body) = get(http, format!("{base}/api/traces/{id}")).await;
        if status == 200 {
            let v: Value = serde_json::from_str(&body).unwrap();
            if v["complete"] == true {
                return v;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("trace {id} never completed");
}

fn spans_named<'a>(trace: &'a Value, prefix: &str) -> Vec<&'a Value> {
    trace["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with(prefix))
        .collect()
}

/// The two-tool turn's shape: SERVER root → invoke_agent → chat, two concurrent
/// execute_tool (each with the MCP server's `tools/call` span under it), chat.
fn assert_two_tool_turn(t: &Value) {
    let root = &t["spans"][0];
    assert_eq!(root["kind"], "SERVER", "{t:#}");
    assert_eq!(root["name"], "POST /v1/sessions/{id}/messages");
    assert_eq!(root["depth"], 0);
    let agent = spans_named(t, "invoke_agent");
    assert_eq!(agent.len(), 1);
    assert_eq!(agent[0]["parent_span_id"], root["span_id"]);
    assert_eq!(spans_named(t, "chat").len(), 2);
    let tools = spans_named(t, "execute_tool");
    assert_eq!(tools.len(), 2, "{t:#}");
    for tool in &tools {
        assert_eq!(tool["parent_span_id"], agent[0]["span_id"]);
        assert_eq!(tool["depth"], 2);
        // The tool is served over MCP in-process: the server's span sits under the tool.
        let name = tool["attributes"]["gen_ai.tool.name"].as_str().unwrap();
        let served = spans_named(t, &format!("tools/call {name}"));
        assert_eq!(served.len(), 1, "{t:#}");
        assert_eq!(served[0]["kind"], "SERVER");
        assert_eq!(served[0]["parent_span_id"], tool["span_id"]);
        assert_eq!(served[0]["depth"], 3);
    }
    let names: Vec<&str> = tools
        .iter()
        .map(|s| s["attributes"]["gen_ai.tool.name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"calculator") && names.contains(&"clock"),
        "{names:?}"
    );
    assert!(t["total_tokens"].as_u64().unwrap() > 0);
    assert_eq!(
        t["input_tokens"], agent[0]["attributes"]["gen_ai.usage.input_tokens"],
        "model calls summed, the agent's roll-up not counted twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_serves_the_recent_traces_as_json_and_pages() {
    let server = start(
        ServerTelemetry::basic(LogFormat::Text, LogLevel::Error),
        GenAiConfig::default(),
        true,
    )
    .await;
    let base = server.base_url();
    let http = agent_engine::tls::client().unwrap();
    let id = turn(&http, &base, "what is 6 * 7 and what time is it?").await;
    let t = trace(&http, &base, &id).await;
    assert_two_tool_turn(&t);
    // No message content without capture.
    assert!(!t.to_string().contains("6 * 7"), "{t:#}");

    let (status, list) = get(&http, format!("{base}/api/traces")).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&list).unwrap();
    let traces = list["traces"].as_array().unwrap();
    assert_eq!(
        traces.len(),
        3,
        "start-up (the MCP tool server's handshake), the session's creation and the turn: {list:#}"
    );
    assert_eq!(
        traces[2]["root_name"],
        agent_engine::mcp::STARTUP_SCOPE,
        "oldest last: {list:#}"
    );
    assert_eq!(traces[0]["trace_id"], id.as_str(), "newest first");
    assert_eq!(traces[0]["span_count"], t["span_count"]);
    assert_eq!(list["stats"]["evicted_traces"], 0);

    // Filters.
    let count = |v: &str| -> usize {
        serde_json::from_str::<Value>(v).unwrap()["traces"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        count(
            &get(&http, format!("{base}/api/traces?status=error"))
                .await
                .1
        ),
        0
    );
    assert_eq!(
        count(&get(&http, format!("{base}/api/traces?status=ok")).await.1),
        3
    );
    assert_eq!(
        count(
            &get(&http, format!("{base}/api/traces?min_duration=1h"))
                .await
                .1
        ),
        0
    );
    let (status, body) = get(&http, format!("{base}/api/traces?min_duration=soon")).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("min_duration") && body.contains("250ms"),
        "{body}"
    );
    let (status, body) = get(&http, format!("{base}/api/traces/not-an-id")).await;
    assert_eq!(status, 400);
    assert!(body.contains("trace id"), "{body}");
    let (status, _) = get(&http, format!("{base}/api/traces/{}", "1".repeat(32))).await;
    assert_eq!(status, 404);

    // Pages: self-contained, linking each trace.
    let (status, page) = get(&http, format!("{base}/traces")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/traces/{id}\"")), "{page}");
    let (status, page) = get(&http, format!("{base}/traces/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("execute_tool calculator"));
    for external in [
        "src=\"http",
        "href=\"http",
        "@import",
        "url(http",
        "src=\"//",
    ] {
        assert!(!page.contains(external), "{external} in the page");
    }
    // Looking is not traced.
    assert_eq!(count(&get(&http, format!("{base}/api/traces")).await.1), 3);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_view_is_off_unless_asked_for() {
    let server = start(
        ServerTelemetry::basic(LogFormat::Text, LogLevel::Error),
        GenAiConfig::default(),
        false,
    )
    .await;
    let http = agent_engine::tls::client().unwrap();
    let (status, _) = get(&http, format!("{}/api/traces", server.base_url())).await;
    assert_eq!(status, 404);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_telemetry_without_a_trace_exporter_is_recorded_too_with_redacted_content() {
    let otel = OpenTelemetry::builder("agent-engine")
        .with_env_source(|_| None)
        .with_exporters(Signal::Traces, &[])
        .with_exporters(Signal::Logs, &[])
        .with_exporters(Signal::Metrics, &[])
        .build()
        .unwrap();
    let server = start(
        ServerTelemetry::from_otel(&otel),
        GenAiConfig::default().with_capture(CaptureMode::SpanOnly),
        true,
    )
    .await;
    let base = server.base_url();
    let http = agent_engine::tls::client().unwrap();
    let secret = "sk-proj-abcdefghijklmnopqrstuvwx";
    let id = turn(
        &http,
        &base,
        &format!("what is 6 * 7 and what time is it? my key is {secret} </script><b>bold</b>"),
    )
    .await;
    let t = trace(&http, &base, &id).await;
    assert_two_tool_turn(&t);
    let text = t.to_string();
    assert!(!text.contains(secret), "the secret is redacted: {t:#}");
    assert!(text.contains("[REDACTED:sk-api-key]"), "{t:#}");
    // Content that looks like markup stays data on the page.
    let (status, page) = get(&http, format!("{base}/traces/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<\\/script><b>bold<\\/b>"),
        "embedded with </ escaped"
    );
    assert!(!page.contains("</script><b>bold"), "{page}");
    server.shutdown().await.unwrap();
    let _ = otel.telemetry().shutdown(Duration::from_secs(5)).await;
}
