//! End to end with the OpenTelemetry implementation: the server runs in-process on an
//! ephemeral port and exports over OTLP/gRPC to an in-process receiver
//! (`fake-opentelemetry-collector`); the tests send real HTTP requests and assert on the
//! spans and metrics the receiver got. The GenAI spans and metrics come from
//! `telemetry-genai`: by default without any message content, with
//! `CaptureMode::SpanOnly` with redacted content on the spans.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use agent_engine::{RunningServer, ServerConfig, ServerTelemetry, spawn_server};
use fake_opentelemetry_collector::{ExportedMetric, ExportedSpan, FakeCollectorServer};
use serde_json::{Value, json};
use telemetry_genai::{CaptureMode, GenAiConfig};
use telemetry_otel::{OpenTelemetry, Protocol, Signal};

/// The opt-in content attributes (semantic conventions v1.41).
const CONTENT_ATTRIBUTES: [&str; 6] = [
    "gen_ai.system_instructions",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
];

/// `Some(AnyValue { value: Some(StringValue("x")) })` → `x` (the receiver keeps attribute
/// values as debug strings).
fn plain(debug: &str) -> String {
    let inner = debug
        .find("Value(")
        .map_or(debug, |i| &debug[i + "Value(".len()..]);
    inner
        .trim_end_matches([')', ' ', '}'])
        .trim_matches('"')
        .to_owned()
}

fn attr(span: &ExportedSpan, key: &str) -> Option<String> {
    span.attributes.get(key).map(|v| plain(v))
}

/// A content attribute (a JSON string) parsed: the receiver's debug string is
/// `…StringValue("<escaped JSON>")…`, and Rust's escaping of ASCII text is JSON's.
fn json_attr(span: &ExportedSpan, key: &str) -> Option<Value> {
    let debug = span.attributes.get(key)?;
    let start = debug.find("StringValue(")? + "StringValue(".len();
    let end = debug.rfind("\")")? + 1;
    let text: String = serde_json::from_str(&debug[start..end])
        .unwrap_or_else(|e| panic!("{key} is not a debug-quoted string ({e}): {debug}"));
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{key} is not valid JSON ({e}): {text}")),
    )
}

fn status(span: &ExportedSpan) -> &str {
    span.status.as_ref().map_or("", |s| s.code.as_str())
}

/// Drains the receiver's bounded channels (64 items each) while the test runs.
fn drain(
    mut fake: FakeCollectorServer,
    done: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<(Vec<ExportedSpan>, Vec<ExportedMetric>)> {
    tokio::spawn(async move {
        let (mut spans, mut metrics) = (Vec::new(), Vec::new());
        loop {
            let finished = done.load(Ordering::Acquire);
            spans.extend(
                fake.exported_spans(usize::MAX, Duration::from_millis(50))
                    .await,
            );
            metrics.extend(fake.exported_metrics(usize::MAX, Duration::ZERO).await);
            if finished {
                return (spans, metrics);
            }
        }
    })
}

async fn post(
    http: &reqwest::Client,
    url: String,
    body: Value,
    traceparent: Option<&str>,
) -> Value {
    let mut request = http.post(url).json(&body);
    if let Some(tp) = traceparent {
        request = request.header("traceparent", tp);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

/// An OpenTelemetry pipeline exporting to an in-process receiver, and the server on it.
struct Pipeline {
    otel: OpenTelemetry,
    server: RunningServer,
    done: Arc<AtomicBool>,
    drained: tokio::task::JoinHandle<(Vec<ExportedSpan>, Vec<ExportedMetric>)>,
}

impl Pipeline {
    async fn start(genai: GenAiConfig) -> Self {
        Self::start_with(ServerConfig {
            genai,
            ..ServerConfig::default()
        })
        .await
    }

    async fn start_with(config: ServerConfig) -> Self {
        let fake = FakeCollectorServer::start().await.unwrap();
        let otel = OpenTelemetry::builder("agent-engine")
            // Ignore the process environment: the test sets everything it needs in code.
            .with_env_source(|_| None)
            .with_protocol(Protocol::Grpc)
            .with_endpoint(fake.endpoint())
            .with_exporters(Signal::Logs, &[])
            .with_batch_schedule_delay(Duration::from_millis(100))
            .build()
            .unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let drained = drain(fake, done.clone());
        let server = spawn_server(config, ServerTelemetry::from_otel(&otel))
            .await
            .unwrap();
        Self {
            otel,
            server,
            done,
            drained,
        }
    }

    /// Stops the server, flushes every signal and returns what the receiver got.
    async fn finish(self) -> (Vec<ExportedSpan>, Vec<ExportedMetric>) {
        self.server.shutdown().await.unwrap();
        self.otel.shutdown_all().await;
        self.done.store(true, Ordering::Release);
        self.drained.await.unwrap()
    }

    /// Creates a session of agent `agent`; returns its id and messages URL.
    async fn session(&self, http: &reqwest::Client, agent: &str) -> (String, String) {
        let base = self.server.base_url();
        let session = post(
            http,
            format!("{base}/v1/sessions"),
            json!({ "agent": agent }),
            None,
        )
        .await;
        let id = session["id"].as_str().unwrap().to_owned();
        let messages = format!("{base}/v1/sessions/{id}/messages");
        (id, messages)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_tool_turn_arrives_as_one_trace_with_concurrent_tool_spans() {
    // The default configuration, as the binary has it with no GenAI variable set.
    let pipeline = Pipeline::start(GenAiConfig::default()).await;
    let http = agent_engine::tls::client().unwrap();
    let (session_id, messages) = pipeline.session(&http, "e2e").await;
    let turn = post(
        &http,
        messages.clone(),
        json!({"content": "research opentelemetry and calculate 6 * 7"}),
        None,
    )
    .await;
    let bad = post(
        &http,
        messages.clone(),
        json!({"content": "calculate 2 +* 3"}),
        None,
    )
    .await;
    let remote_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let continued = post(
        &http,
        messages,
        json!({"content": "hello"}),
        Some(&format!("00-{remote_trace}-00f067aa0ba902b7-01")),
    )
    .await;
    // A method the HTTP conventions do not know, with a query string (sig is sensitive).
    let purge = http
        .request(
            reqwest::Method::from_bytes(b"PURGE").unwrap(),
            format!(
                "{}/v1/sessions?dry_run=1&sig=secret",
                pipeline.server.base_url()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(purge.status(), 405);
    let (spans, metrics) = pipeline.finish().await;

    // --- The unknown method: `HTTP {route}`, `_OTHER` and the original method (v1.41.0
    // docs/http/http-spans.md), and the scrubbed url.query. ---
    let purge = spans
        .iter()
        .find(|s| attr(s, "http.request.method_original").as_deref() == Some("PURGE"))
        .unwrap_or_else(|| panic!("no span for the PURGE request: {spans:#?}"));
    assert_eq!(purge.name, "HTTP /v1/sessions");
    assert_eq!(
        attr(purge, "http.request.method").as_deref(),
        Some("_OTHER")
    );
    assert_eq!(
        attr(purge, "url.query").as_deref(),
        Some("dry_run=1&sig=REDACTED")
    );

    // --- The two-tool turn: one trace, the expected tree. ---
    let correlation = turn["correlation_id"].as_str().unwrap();
    let by_id: HashMap<&str, &ExportedSpan> =
        spans.iter().map(|s| (s.span_id.as_str(), s)).collect();
    let children = |parent: &ExportedSpan| -> Vec<&ExportedSpan> {
        spans
            .iter()
            .filter(|s| s.parent_span_id == parent.span_id)
            .collect()
    };
    let in_trace: Vec<&ExportedSpan> = spans.iter().filter(|s| s.trace_id == correlation).collect();
    let root = in_trace
        .iter()
        .find(|s| s.name == "POST /v1/sessions/{id}/messages")
        .unwrap_or_else(|| panic!("no server span in trace {correlation}: {spans:#?}"));
    assert_eq!(root.kind, "SPAN_KIND_SERVER");
    assert!(root.parent_span_id.is_empty(), "the request is a root");
    assert_eq!(attr(root, "http.request.method").as_deref(), Some("POST"));
    assert_eq!(
        attr(root, "http.route").as_deref(),
        Some("/v1/sessions/{id}/messages")
    );
    assert!(attr(root, "url.path").unwrap().starts_with("/v1/sessions/"));
    assert_eq!(
        attr(root, "http.response.status_code").as_deref(),
        Some("200")
    );
    // Every span of the trace descends from the root, and every descendant is in the trace.
    for s in &in_trace {
        let mut cur = *s;
        while !cur.parent_span_id.is_empty() {
            cur = by_id
                .get(cur.parent_span_id.as_str())
                .unwrap_or_else(|| panic!("{} has a missing parent", s.name));
            assert_eq!(cur.trace_id, correlation);
        }
        assert_eq!(
            cur.span_id, root.span_id,
            "{} is not under the request",
            s.name
        );
    }

    let root_children = children(root);
    assert_eq!(root_children.len(), 1, "{root_children:#?}");
    let agent = root_children[0];
    assert_eq!(agent.name, "invoke_agent e2e");
    assert_eq!(
        attr(agent, "gen_ai.operation.name").as_deref(),
        Some("invoke_agent")
    );
    assert_eq!(attr(agent, "gen_ai.agent.name").as_deref(), Some("e2e"));
    assert_eq!(
        attr(agent, "gen_ai.conversation.id").as_deref(),
        Some(session_id.as_str())
    );

    let agent_children = children(agent);
    let chats: Vec<&&ExportedSpan> = agent_children
        .iter()
        .filter(|s| s.name == "chat scripted-1")
        .collect();
    assert_eq!(
        chats.len(),
        2,
        "one call asking for tools, one answering: {agent_children:#?}"
    );
    let (mut input, mut output) = (0u64, 0u64);
    for chat in &chats {
        assert_eq!(attr(chat, "gen_ai.operation.name").as_deref(), Some("chat"));
        // The session id is the conversation id of every model call, not only the agent's.
        assert_eq!(
            attr(chat, "gen_ai.conversation.id").as_deref(),
            Some(session_id.as_str())
        );
        assert_eq!(
            attr(chat, "gen_ai.provider.name").as_deref(),
            Some("agent_engine.scripted")
        );
        assert_eq!(
            attr(chat, "gen_ai.request.model").as_deref(),
            Some("scripted-1")
        );
        assert_eq!(
            attr(chat, "gen_ai.response.model").as_deref(),
            Some("scripted-1")
        );
        assert!(attr(chat, "gen_ai.response.finish_reasons").is_some());
        input += attr(chat, "gen_ai.usage.input_tokens")
            .unwrap()
            .parse::<u64>()
            .unwrap();
        output += attr(chat, "gen_ai.usage.output_tokens")
            .unwrap()
            .parse::<u64>()
            .unwrap();
    }
    assert_eq!(input, turn["usage"]["input_tokens"].as_u64().unwrap());
    assert_eq!(output, turn["usage"]["output_tokens"].as_u64().unwrap());
    // The scripted model runs in-process: INTERNAL, without server.* (v1.41 inference span).
    for chat in &chats {
        assert_eq!(chat.kind, "SPAN_KIND_INTERNAL");
        assert_eq!(attr(chat, "server.address"), None);
    }
    // invoke_agent carries the turn's totals, summed by telemetry-genai over its chat spans.
    assert_eq!(
        attr(agent, "gen_ai.usage.input_tokens"),
        Some(input.to_string())
    );
    assert_eq!(
        attr(agent, "gen_ai.usage.output_tokens"),
        Some(output.to_string())
    );
    assert_eq!(
        attr(agent, "gen_ai.provider.name").as_deref(),
        Some("agent_engine.scripted")
    );
    assert_eq!(agent.kind, "SPAN_KIND_INTERNAL");

    let tools: Vec<&&ExportedSpan> = agent_children
        .iter()
        .filter(|s| s.name.starts_with("execute_tool "))
        .collect();
    let mut names: Vec<&str> = tools.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["execute_tool calculator", "execute_tool research_task"]
    );
    for tool in &tools {
        assert_eq!(
            attr(tool, "gen_ai.operation.name").as_deref(),
            Some("execute_tool")
        );
        assert!(
            attr(tool, "gen_ai.tool.name").is_some() && attr(tool, "gen_ai.tool.call.id").is_some()
        );
        assert_ne!(status(tool), "STATUS_CODE_ERROR");
    }
    // The chat span that asked for the tools (`tool_calls` normalised to the conventions'
    // `tool_call`) carries no gen_ai.tool.call.id: that is an execute_tool attribute (v1.41.0
    // model/gen-ai/spans.yaml); each tool span has its own id.
    let asking = chats
        .iter()
        .find(|c| {
            attr(c, "gen_ai.response.finish_reasons").is_some_and(|r| r.contains("tool_call"))
        })
        .expect("a chat span that asked for tools");
    assert_eq!(attr(asking, "gen_ai.tool.call.id"), None);
    let ids: std::collections::HashSet<String> = tools
        .iter()
        .map(|t| attr(t, "gen_ai.tool.call.id").unwrap())
        .collect();
    assert_eq!(ids.len(), tools.len(), "one id per tool call: {ids:?}");
    let (a, b) = (tools[0], tools[1]);
    assert!(
        a.start_time_unix_nano < b.end_time_unix_nano
            && b.start_time_unix_nano < a.end_time_unix_nano,
        "tool spans must overlap in time: {a:#?} {b:#?}"
    );

    // The built-in tools are served over MCP: each execute_tool span describes the MCP call
    // (the MCP conventions' SHOULD: no second CLIENT span), and the in-process server's
    // `tools/call` SERVER span is its only child, continued from the request's `_meta`.
    let mut served_tools = HashMap::new();
    for tool in &tools {
        let name = attr(tool, "gen_ai.tool.name").unwrap();
        assert_eq!(
            attr(tool, "mcp.method.name").as_deref(),
            Some("tools/call"),
            "{tool:#?}"
        );
        assert_eq!(attr(tool, "network.transport").as_deref(), Some("pipe"));
        assert!(attr(tool, "jsonrpc.request.id").is_some(), "{tool:#?}");
        assert_eq!(tool.kind, "SPAN_KIND_INTERNAL");
        let below = children(tool);
        assert_eq!(below.len(), 1, "{below:#?}");
        let server = below[0];
        assert_eq!(server.kind, "SPAN_KIND_SERVER");
        assert_eq!(server.name, format!("tools/call {name}"));
        assert_eq!(attr(server, "gen_ai.tool.name"), Some(name.clone()));
        assert_eq!(
            attr(server, "jsonrpc.request.id"),
            attr(tool, "jsonrpc.request.id")
        );
        served_tools.insert(name, server);
    }
    assert!(
        spans
            .iter()
            .all(|s| s.kind != "SPAN_KIND_CLIENT" || !s.name.starts_with("tools/call")),
        "no separate MCP CLIENT spans"
    );

    // The research tool's HTTP calls (made in the MCP server span) are CLIENT spans,
    // continued by the task API's SERVER spans.
    let research = served_tools["research_task"];
    let clients = children(research);
    assert!(
        clients.len() >= 2,
        "a submission and at least one poll: {clients:#?}"
    );
    assert_eq!(clients[0].kind, "SPAN_KIND_CLIENT");
    let submit = clients
        .iter()
        .find(|s| s.name == "POST /v1/tasks/runs")
        .unwrap();
    assert_eq!(
        attr(submit, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(attr(submit, "task_api.processor").as_deref(), Some("core"));
    assert_eq!(
        attr(submit, "url.template").as_deref(),
        Some("/v1/tasks/runs")
    );
    let run_id = turn["tool_calls"][0]["result"]["run_id"].as_str().unwrap();
    // Each poll is a CLIENT span carrying the run id; the run's outcome is an event on the
    // tool span.
    let polls: Vec<_> = clients
        .iter()
        .filter(|c| c.name == "GET /v1/tasks/runs/{run_id}")
        .collect();
    assert!(!polls.is_empty(), "{clients:#?}");
    for p in &polls {
        assert_eq!(attr(p, "task_api.run_id").as_deref(), Some(run_id));
        assert_eq!(attr(p, "http.response.status_code").as_deref(), Some("200"));
    }
    assert!(
        research
            .events
            .iter()
            .any(|e| e.name == "research run completed"
                && e.attributes
                    .get("task_api.run_id")
                    .is_some_and(|v| v.contains(run_id))),
        "{research:#?}"
    );
    let served = children(submit);
    assert_eq!(served.len(), 1);
    assert_eq!(served[0].kind, "SPAN_KIND_SERVER");
    assert_eq!(served[0].name, "POST /v1/tasks/runs");

    // --- No message content leaves the process by default. ---
    for span in &spans {
        for key in CONTENT_ATTRIBUTES {
            assert!(
                !span.attributes.contains_key(key),
                "{key} exported without opting in: {span:#?}"
            );
        }
        let everything = format!("{span:?}");
        for text in [
            "research opentelemetry and calculate",
            "You are e2e, a helpful agent",
            "Here is what I found",
        ] {
            assert!(
                !everything.contains(text),
                "{text:?} exported without opting in: {span:#?}"
            );
        }
    }

    // --- A bad expression: the calculator span is an error with error.type. ---
    let bad_trace = bad["correlation_id"].as_str().unwrap();
    let calc = spans
        .iter()
        .find(|s| s.trace_id == bad_trace && s.name == "execute_tool calculator")
        .expect("calculator span of the bad expression");
    assert_eq!(status(calc), "STATUS_CODE_ERROR");
    assert_eq!(
        attr(calc, "error.type").as_deref(),
        Some("invalid_expression")
    );

    // --- An incoming traceparent is continued. ---
    assert_eq!(continued["correlation_id"], remote_trace);
    let continued_root = spans
        .iter()
        .find(|s| s.trace_id == remote_trace && s.kind == "SPAN_KIND_SERVER")
        .expect("server span in the caller's trace");
    assert_eq!(continued_root.parent_span_id, "00f067aa0ba902b7");

    // --- Metrics arrived, named and unit-ed per the conventions. ---
    let units: HashMap<&str, &str> = metrics
        .iter()
        .flat_map(|m| &m.metrics)
        .map(|m| (m.name.as_str(), m.unit.as_str()))
        .collect();
    assert_eq!(units.get("http.server.request.duration"), Some(&"s"));
    assert_eq!(units.get("gen_ai.client.token.usage"), Some(&"{token}"));
    assert_eq!(units.get("gen_ai.client.operation.duration"), Some(&"s"));
    assert!(units.contains_key("agent_engine.tool.calls"));
    assert!(units.contains_key("http.client.request.duration"));
    for mcp in [
        "mcp.client.operation.duration",
        "mcp.server.operation.duration",
        "mcp.client.session.duration",
        "mcp.server.session.duration",
    ] {
        assert_eq!(units.get(mcp), Some(&"s"), "{mcp}: {units:#?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_mcp_the_tools_run_directly_under_execute_tool() {
    let mut config = ServerConfig::default();
    config.mcp.builtin_over_mcp = false;
    let pipeline = Pipeline::start_with(config).await;
    let http = agent_engine::tls::client().unwrap();
    let (_, messages) = pipeline.session(&http, "direct").await;
    let turn = post(&http, messages, json!({"content": "calculate 6 * 7"}), None).await;
    assert!(turn["reply"].as_str().unwrap().contains("42"), "{turn:#}");
    let (spans, metrics) = pipeline.finish().await;
    let trace = turn["correlation_id"].as_str().unwrap();
    let calc = spans
        .iter()
        .find(|s| s.trace_id == trace && s.name == "execute_tool calculator")
        .unwrap_or_else(|| panic!("{spans:#?}"));
    assert_ne!(status(calc), "STATUS_CODE_ERROR");
    assert_eq!(attr(calc, "mcp.method.name"), None);
    assert!(
        spans.iter().all(|s| attr(s, "mcp.method.name").is_none()),
        "no MCP at all: {spans:#?}"
    );
    assert!(
        !metrics
            .iter()
            .flat_map(|m| &m.metrics)
            .any(|m| m.name.starts_with("mcp.")),
        "no MCP metrics"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn span_only_capture_puts_redacted_content_on_the_spans() {
    let pipeline =
        Pipeline::start(GenAiConfig::default().with_capture(CaptureMode::SpanOnly)).await;
    let http = agent_engine::tls::client().unwrap();
    let (_, messages) = pipeline.session(&http, "scribe").await;
    let secret = "sk-proj-abcdefghijklmnopqrstuvwx";
    let turn = post(
        &http,
        messages,
        json!({ "content": format!("calculate 6 * 7; my key is {secret}") }),
        None,
    )
    .await;
    let (spans, _) = pipeline.finish().await;
    let trace = turn["correlation_id"].as_str().unwrap();
    let named = |name: &str| -> Vec<&ExportedSpan> {
        spans
            .iter()
            .filter(|s| s.trace_id == trace && s.name == name)
            .collect()
    };
    let redacted_user = json!({"role": "user", "parts": [
        {"type": "text", "content": "calculate 6 * 7; my key is [REDACTED:sk-api-key]"},
    ]});

    // The first chat span: the whole request (system + user) and the tools offered as input,
    // the reasoning and the tool call as output.
    let chats = named("chat scripted-1");
    assert_eq!(chats.len(), 2, "{spans:#?}");
    let first = chats
        .iter()
        .find(|c| {
            attr(c, "gen_ai.response.finish_reasons").is_some_and(|r| r.contains("tool_call"))
        })
        .unwrap();
    let input = json_attr(first, "gen_ai.input.messages").expect("gen_ai.input.messages");
    let input = input.as_array().unwrap();
    assert_eq!(input.len(), 2, "{input:#?}");
    assert_eq!(input[0]["role"], "system");
    assert_eq!(input[1], redacted_user);
    let tools = json_attr(first, "gen_ai.tool.definitions").expect("gen_ai.tool.definitions");
    let mut offered: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    offered.sort_unstable();
    assert_eq!(offered, ["calculator", "clock", "research_task"]);
    let output = json_attr(first, "gen_ai.output.messages").expect("gen_ai.output.messages");
    let parts = &output[0]["parts"];
    assert_eq!(output[0]["finish_reason"], "tool_call");
    assert_eq!(parts[0]["type"], "reasoning");
    assert_eq!(
        parts[1],
        json!({"type": "tool_call", "id": "call_1", "name": "calculator",
               "arguments": {"expression": "6 * 7"}})
    );
    // The second chat span's input ends with the tool result.
    let second = chats.iter().find(|c| c.span_id != first.span_id).unwrap();
    let input = json_attr(second, "gen_ai.input.messages").unwrap();
    assert_eq!(
        input.as_array().unwrap().last().unwrap(),
        &json!({"role": "tool", "parts": [{"type": "tool_call_response", "id": "call_1", "response": "42.0"}]})
    );

    // The tool span: arguments and result.
    let calc = named("execute_tool calculator");
    assert_eq!(calc.len(), 1);
    assert_eq!(
        json_attr(calc[0], "gen_ai.tool.call.arguments"),
        Some(json!({"expression": "6 * 7"}))
    );
    assert_eq!(
        json_attr(calc[0], "gen_ai.tool.call.result"),
        Some(json!(42.0))
    );

    // The agent span: the user's message in, the reply out.
    let agent = named("invoke_agent scribe");
    assert_eq!(agent.len(), 1);
    assert_eq!(
        json_attr(agent[0], "gen_ai.input.messages"),
        Some(json!([redacted_user]))
    );
    let reply = json_attr(agent[0], "gen_ai.output.messages").unwrap();
    assert_eq!(reply[0]["parts"][0]["content"], turn["reply"]);

    // The key never left the process.
    for span in &spans {
        assert!(!format!("{span:?}").contains(secret), "{span:#?}");
    }
}

trait ShutdownAll {
    async fn shutdown_all(&self);
}

impl ShutdownAll for OpenTelemetry {
    /// Flushes and shuts the pipeline down through the same bundle the server used.
    async fn shutdown_all(&self) {
        self.telemetry()
            .shutdown(Duration::from_secs(10))
            .await
            .expect("telemetry flushes to the receiver");
    }
}
