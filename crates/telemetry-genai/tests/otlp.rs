//! End to end over OTLP (HTTP/protobuf to an in-process mock-collector on 127.0.0.1:0): a
//! verification checklist for an agent run under the v1.41 conventions, and the usual
//! scenarios (simple chat, multi-turn, tool calling, thinking blocks, rate-limit error, context
//! window exceeded, streaming, retries, several providers), in the default mode (without and
//! with content) and in compatibility mode.

mod common;

use std::collections::BTreeSet;

use common::{GenAiSpan, Harness};
use serde_json::{Value, json};
use telemetry_core::{CorrelatorExt, ScopeOptions};
use telemetry_genai::metrics::{DURATION_BUCKETS, TOKEN_BUCKETS};
use telemetry_genai::{CaptureMode, GenAi, GenAiConfig, Message, Part, Usage, provider};
use telemetry_testkit::{RSpan, Received};

const SECRET: &str = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX";
const CONTENT_KEYS: &[&str] = &[
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
];

/// One agent run (the checklist) and every scenario, each scenario its own trace, tagged by
/// `gen_ai.conversation.id`.
fn emit_all(genai: &GenAi) {
    // ---- agent run: chat → two tools (one times out) → chat ----
    let agent = genai
        .invoke_agent(provider::OPENAI, "swe-agent")
        .model("gpt-4o")
        .input_messages(vec![Message::user("Fix the failing test in tests/math.rs")])
        .start();
    let mut chat1 = agent
        .chat(provider::OPENAI, "gpt-4o")
        .temperature(0.0)
        .max_tokens(1024)
        .input_messages(vec![
            Message::system("You are a coding agent."),
            Message::user("Fix the failing test in tests/math.rs"),
        ])
        .start();
    chat1
        .response_id("chatcmpl-1")
        .response_model("gpt-4o-2024-11-20")
        .usage(Usage::new(1250, 380).with_cache_read(100))
        .output_messages(vec![
            Message::assistant_parts(vec![
                Part::reasoning("The test probably fails on overflow."),
                Part::text("Let me run the tests and open the file."),
                Part::tool_call("call_1", "run_tests", json!({"path": "tests/"})),
                Part::tool_call("call_2", "open_file", json!({"path": "tests/math.rs"})),
            ])
            .with_finish_reason("tool_calls"),
        ]);
    chat1.end();
    let mut t1 = agent
        .execute_tool("run_tests")
        .call_id("call_1")
        .arguments(json!({"path": "tests/"}))
        .start();
    t1.result(&json!("1 failed: add_overflows"));
    t1.end();
    let t2 = agent
        .execute_tool("open_file")
        .call_id("call_2")
        .arguments(json!({"path": "tests/math.rs"}))
        .start();
    t2.fail("CommandTimeoutError", "open_file timed out after 30 s");
    {
        // Opened through the current scope (not agent.chat): found via the scope's ancestors.
        let _in_agent = agent.enter();
        let _step = genai.telemetry().correlator.enter_scope("step 2", &[]);
        let mut chat2 = genai
            .chat(provider::OPENAI, "gpt-4o")
            .input_messages(vec![Message::user("Tests pass now?")])
            .start();
        chat2
            .usage(Usage::new(2000, 100))
            .output_messages(vec![Message::assistant("Done.").with_finish_reason("stop")]);
        chat2.end();
    }
    let mut agent = agent;
    agent.finish_reasons(["exit_command"]);
    agent.end();

    // ---- simple chat (with a secret to redact) ----
    let mut c = genai
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("simple")
        .server("api.openai.com", Some(443))
        .input_messages(vec![
            Message::system("You are a helpful assistant."),
            Message::user(format!("What is 2+2? My key is {SECRET}")),
        ])
        .start();
    c.response_id("chatcmpl-2")
        .usage(Usage::new(20, 1))
        .output_messages(vec![Message::assistant("4").with_finish_reason("stop")]);
    c.end();

    // ---- multi-turn ----
    let mut c = genai
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("multi-turn")
        .input_messages(vec![
            Message::system("You are a math tutor."),
            Message::user("What is 10*5?"),
            Message::assistant("50"),
            Message::user("Divide by 2"),
        ])
        .start();
    c.usage(Usage::new(40, 2))
        .output_messages(vec![Message::assistant("25").with_finish_reason("stop")]);
    c.end();

    // ---- thinking blocks (another provider) ----
    let mut c = genai
        .chat(provider::ANTHROPIC, "claude-sonnet-4-20250514")
        .conversation_id("thinking")
        .input_messages(vec![Message::user("Is 97 prime?")])
        .start();
    c.usage(Usage::new(12, 80).with_reasoning(60))
        .output_messages(vec![
            Message::assistant_parts(vec![
                Part::reasoning("Check divisors up to 9: 2, 3, 5, 7 do not divide 97."),
                Part::text("Yes, 97 is prime."),
            ])
            .with_finish_reason("end_turn"),
        ]);
    c.end();

    // ---- errors ----
    genai
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("rate-limit")
        .input_messages(vec![Message::user("Hello")])
        .start()
        .fail("RateLimitError", "429 Too Many Requests");
    genai
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("context-window")
        .input_messages(vec![Message::user("a very long prompt")])
        .start()
        .fail(
            "ContextWindowExceededError",
            "400 maximum context length exceeded",
        );

    // ---- streaming: complete, and dropped early by the consumer ----
    let mut s = genai
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("streaming")
        .input_messages(vec![Message::user("Say hello")])
        .start()
        .stream();
    for d in ["Hel", "lo, ", "world"] {
        s.text(0, d);
    }
    s.finish_reason(0, "stop").usage(Usage::new(8, 3));
    s.finish();
    let mut s = genai
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("stream-dropped")
        .start()
        .stream();
    s.text(0, "partial");
    drop(s);

    // ---- retries: each attempt its own span under one parent ----
    let retry = genai
        .telemetry()
        .correlator
        .open_scope(ScopeOptions::new("call with retries"));
    {
        let _g = retry.enter();
        for attempt in 0..3 {
            let mut c = genai
                .chat(provider::OPENAI, "gpt-4o")
                .conversation_id("retries")
                .input_messages(vec![Message::user("Hello")])
                .start();
            if attempt < 2 {
                c.fail("RateLimitError", "429");
            } else {
                c.usage(Usage::new(5, 2))
                    .output_messages(vec![Message::assistant("Hi").with_finish_reason("stop")]);
                c.end();
            }
        }
    }
    drop(retry);

    // ---- several providers ----
    let mut c = genai
        .generate_content(provider::GCP_GEMINI, "gemini-2.5-pro")
        .conversation_id("providers")
        .start();
    c.usage(Usage::new(7, 7))
        .output_messages(vec![Message::assistant("ok").with_finish_reason("STOP")]);
    c.end();
}

fn by_conversation<'a>(r: &'a Received, id: &str) -> Vec<&'a RSpan> {
    r.spans
        .iter()
        .filter(|s| s.attr("gen_ai.conversation.id") == Some(id))
        .collect()
}

fn one<'a>(r: &'a Received, id: &str) -> &'a RSpan {
    let v = by_conversation(r, id);
    assert_eq!(v.len(), 1, "{id}: {v:#?}");
    v[0]
}

/// The verification checklist for the agent run, on spans (v1.41).
fn assert_checklist(r: &Received) {
    let agent = r.span_named("invoke_agent swe-agent");
    let trace = r.spans_in(&agent.trace_id);
    // Three span types present, one invoke_agent per run.
    let ops: BTreeSet<&str> = trace.iter().map(|s| s.op()).collect();
    for op in ["invoke_agent", "chat", "execute_tool"] {
        assert!(ops.contains(op), "{op} missing: {ops:?}");
    }
    assert_eq!(
        r.spans.iter().filter(|s| s.op() == "invoke_agent").count(),
        1
    );
    assert_eq!(agent.kind, "SPAN_KIND_INTERNAL");
    assert_eq!(agent.attr("gen_ai.agent.name"), Some("swe-agent"));
    assert_eq!(agent.attr("gen_ai.provider.name"), Some("openai"));
    assert_eq!(agent.attr("gen_ai.request.model"), Some("gpt-4o"));
    // Aggregate tokens on invoke_agent: totals across its LLM calls.
    assert_eq!(agent.attr("gen_ai.usage.input_tokens"), Some("3250"));
    assert_eq!(agent.attr("gen_ai.usage.output_tokens"), Some("480"));
    assert_eq!(
        agent.attr("gen_ai.usage.cache_read.input_tokens"),
        Some("100")
    );
    assert_eq!(
        agent.attr("gen_ai.response.finish_reasons"),
        Some(r#"["exit_command"]"#)
    );

    let chats: Vec<&&RSpan> = trace.iter().filter(|s| s.op() == "chat").collect();
    let tools: Vec<&&RSpan> = trace.iter().filter(|s| s.op() == "execute_tool").collect();
    // One chat span per LLM call, one execute_tool span per execution.
    assert_eq!(chats.len(), 2);
    assert_eq!(tools.len(), 2);
    // Span hierarchy: chat and execute_tool spans are children of invoke_agent (the second
    // chat sits under the "step 2" scope, itself a child of the agent).
    let step = r.span_named("step 2");
    assert_eq!(step.parent_span_id, agent.span_id);
    for s in chats.iter().chain(tools.iter()) {
        assert!(
            s.parent_span_id == agent.span_id || s.parent_span_id == step.span_id,
            "{} is not under the agent",
            s.name
        );
    }
    for c in &chats {
        assert_eq!(c.name, "chat gpt-4o");
        assert_eq!(c.kind, "SPAN_KIND_CLIENT");
        assert_eq!(c.attr("gen_ai.provider.name"), Some("openai"));
        assert_eq!(c.attr("gen_ai.request.model"), Some("gpt-4o"));
        assert!(c.attr("gen_ai.system").is_none());
        assert!(
            c.attr("gen_ai.agent.name").is_none(),
            "agent name only on invoke_agent"
        );
        assert!(c.attr("gen_ai.usage.input_tokens").is_some());
        assert!(c.attr("gen_ai.usage.output_tokens").is_some());
    }
    let chat1 = chats
        .iter()
        .find(|c| c.attr("gen_ai.response.id") == Some("chatcmpl-1"))
        .expect("first chat");
    assert_eq!(
        chat1.attr("gen_ai.response.model"),
        Some("gpt-4o-2024-11-20")
    );
    assert_eq!(chat1.attr("gen_ai.request.temperature"), Some("0"));
    assert_eq!(chat1.attr("gen_ai.request.max_tokens"), Some("1024"));
    // OpenAI's `tool_calls` normalised to the conventions' `tool_call`.
    assert_eq!(
        chat1.attr("gen_ai.response.finish_reasons"),
        Some(r#"["tool_call"]"#)
    );
    // gen_ai.tool.call.id is an execute_tool attribute only (v1.41 model/gen-ai/spans.yaml);
    // each tool span carries the id the model issued.
    assert_eq!(chat1.attr("gen_ai.tool.call.id"), None);
    let ids = ["call_1", "call_2"];
    for t in &tools {
        assert_eq!(t.kind, "SPAN_KIND_INTERNAL");
        assert_eq!(t.attr("gen_ai.tool.type"), Some("function"));
        assert!(
            ids.iter()
                .any(|i| Some(*i) == t.attr("gen_ai.tool.call.id"))
        );
        assert_eq!(
            t.name,
            format!("execute_tool {}", t.attr("gen_ai.tool.name").unwrap())
        );
    }
    // Error spans captured.
    let failed = r.span_named("execute_tool open_file");
    assert_eq!(failed.status_code, "STATUS_CODE_ERROR");
    assert_eq!(failed.attr("error.type"), Some("CommandTimeoutError"));
    let ok = r.span_named("execute_tool run_tests");
    assert_ne!(ok.status_code, "STATUS_CODE_ERROR");
}

/// The scenarios, on spans.
fn assert_scenarios(r: &Received) {
    let simple = one(r, "simple");
    assert_eq!(simple.attr("server.address"), Some("api.openai.com"));
    assert_eq!(simple.attr("server.port"), Some("443"));
    assert_eq!(
        simple.attr("gen_ai.response.finish_reasons"),
        Some(r#"["stop"]"#)
    );
    assert_eq!(simple.parent_span_id, "", "a root: no dangling parent");

    let thinking = one(r, "thinking");
    assert_eq!(thinking.name, "chat claude-sonnet-4-20250514");
    assert_eq!(thinking.attr("gen_ai.provider.name"), Some("anthropic"));
    assert_eq!(
        thinking.attr("gen_ai.usage.reasoning.output_tokens"),
        Some("60")
    );

    for (id, error) in [
        ("rate-limit", "RateLimitError"),
        ("context-window", "ContextWindowExceededError"),
    ] {
        let s = one(r, id);
        assert_eq!(s.status_code, "STATUS_CODE_ERROR", "{id}");
        assert_eq!(s.attr("error.type"), Some(error));
        assert!(
            s.attr("gen_ai.usage.input_tokens").is_none(),
            "no usage on a failed call"
        );
    }

    let stream = one(r, "streaming");
    assert_eq!(stream.attr("gen_ai.usage.output_tokens"), Some("3"));
    assert_eq!(
        stream.attr("gen_ai.response.finish_reasons"),
        Some(r#"["stop"]"#)
    );
    let dropped = one(r, "stream-dropped");
    assert_eq!(
        dropped.attr("agent_telemetry.gen_ai.cancelled"),
        Some("true")
    );
    assert_ne!(dropped.status_code, "STATUS_CODE_ERROR");

    let attempts = by_conversation(r, "retries");
    assert_eq!(attempts.len(), 3, "one span per attempt");
    let parent = r.span_named("call with retries");
    assert!(attempts.iter().all(|s| s.parent_span_id == parent.span_id));
    assert_eq!(
        attempts
            .iter()
            .filter(|s| s.status_code == "STATUS_CODE_ERROR")
            .count(),
        2
    );
    assert_eq!(
        attempts
            .iter()
            .filter(|s| s.attr("gen_ai.usage.input_tokens") == Some("5"))
            .count(),
        1
    );

    let gemini = one(r, "providers");
    assert_eq!(gemini.name, "generate_content gemini-2.5-pro");
    assert_eq!(
        gemini.attr("gen_ai.operation.name"),
        Some("generate_content")
    );
    assert_eq!(gemini.attr("gen_ai.provider.name"), Some("gcp.gemini"));
    let providers: BTreeSet<&str> = r
        .spans
        .iter()
        .filter_map(|s| s.attr("gen_ai.provider.name"))
        .collect();
    assert!(providers.is_superset(&BTreeSet::from(["openai", "anthropic", "gcp.gemini"])));
}

fn assert_metrics(r: &Received) {
    let usage = r.points_of("gen_ai.client.token.usage");
    assert!(!usage.is_empty(), "token usage exported");
    for p in &usage {
        assert_eq!(p.unit, "{token}");
        assert_eq!(p.bounds, TOKEN_BUCKETS);
        assert!(matches!(
            p.attributes.get("gen_ai.token.type").map(String::as_str),
            Some("input" | "output")
        ));
        assert!(p.attributes.contains_key("gen_ai.provider.name"));
        assert!(p.attributes.contains_key("gen_ai.operation.name"));
    }
    let input_sum: f64 = usage
        .iter()
        .filter(|p| {
            p.attributes["gen_ai.token.type"] == "input"
                && p.attributes["gen_ai.provider.name"] == "anthropic"
        })
        .map(|p| p.sum)
        .sum();
    assert_eq!(input_sum, 12.0);
    let duration = r.points_of("gen_ai.client.operation.duration");
    for p in &duration {
        assert_eq!(p.unit, "s");
        assert_eq!(p.bounds, DURATION_BUCKETS);
    }
    let rate_limited: u64 = duration
        .iter()
        .filter(|p| p.attributes.get("error.type").map(String::as_str) == Some("RateLimitError"))
        .map(|p| p.count)
        .sum();
    assert_eq!(
        rate_limited, 3,
        "one rate-limit call and two failed retries"
    );
    let ttfc = r.points_of("gen_ai.client.operation.time_to_first_chunk");
    assert_eq!(
        ttfc.iter().map(|p| p.count).sum::<u64>(),
        2,
        "two streams got a first chunk"
    );
    // No per-request ids in metric attributes.
    for p in &r.metrics {
        for k in p.attributes.keys() {
            assert!(
                !matches!(
                    k.as_str(),
                    "gen_ai.response.id"
                        | "gen_ai.conversation.id"
                        | "gen_ai.tool.call.id"
                        | "gen_ai.agent.id"
                ),
                "{} carries {k}",
                p.metric
            );
        }
    }
}

fn assert_no_secret(r: &Received) {
    for s in &r.spans {
        for (k, v) in &s.attributes {
            assert!(
                !v.contains(SECRET),
                "span {} attribute {k} leaks the key",
                s.name
            );
        }
    }
    for l in &r.logs {
        assert!(
            !l.body.contains(SECRET),
            "log {} body leaks the key",
            l.event_name
        );
        for (k, v) in &l.attributes {
            assert!(
                !v.contains(SECRET),
                "log {} attribute {k} leaks the key",
                l.event_name
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_mode_without_content_passes_the_checklist_and_records_no_content() {
    let h = Harness::start().await;
    emit_all(&h.genai(GenAiConfig::default()));
    let r = h.finish(18, 0).await;
    assert_checklist(&r);
    assert_scenarios(&r);
    assert_metrics(&r);
    // Content is absent by default: no content attribute anywhere, and the only GenAI
    // records are the (content-free) gen_ai.client.operation.exception events of failed
    // client operations, at WARN (v1.41 model/gen-ai/events.yaml).
    const EXCEPTION: &str = "gen_ai.client.operation.exception";
    for s in &r.spans {
        for k in CONTENT_KEYS {
            assert!(s.attr(k).is_none(), "{} has {k} by default", s.name);
        }
        assert!(
            s.events
                .iter()
                .all(|e| !e.name.starts_with("gen_ai.") || e.name == EXCEPTION),
            "{}: {:?}",
            s.name,
            s.events
        );
    }
    assert!(!r.logs.is_empty());
    // Besides exceptions, only the warnings about models without a price.
    for l in r
        .logs
        .iter()
        .filter(|l| l.event_name != "agent_telemetry.gen_ai.price.missing")
    {
        assert_eq!(l.event_name, EXCEPTION, "{l:#?}");
        assert_eq!(l.severity_number, 13, "WARN");
        assert!(l.attr("exception.type").is_some());
    }
    let rl = one(&r, "rate-limit");
    let exception = r.logs_of(rl);
    assert_eq!(exception.len(), 1);
    assert_eq!(exception[0].attr("exception.type"), Some("RateLimitError"));
    assert_no_secret(&r);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_mode_with_content_puts_redacted_messages_on_spans_and_details_events() {
    let h = Harness::start().await;
    let config = GenAiConfig::default().with_capture(CaptureMode::SpanAndEvent);
    emit_all(&h.genai(config));
    let r = h.finish(18, 10).await;
    assert_checklist(&r);
    assert_scenarios(&r);
    assert_no_secret(&r);

    // Content on the span, in the parts schema, redacted.
    let simple = one(&r, "simple");
    let input: Value = serde_json::from_str(simple.attr("gen_ai.input.messages").unwrap()).unwrap();
    assert_eq!(
        input[0],
        json!({"role": "system", "parts": [{"type": "text", "content": "You are a helpful assistant."}]})
    );
    assert_eq!(
        input[1]["parts"][0]["content"],
        "What is 2+2? My key is [REDACTED:sk-api-key]"
    );
    let output: Value =
        serde_json::from_str(simple.attr("gen_ai.output.messages").unwrap()).unwrap();
    assert_eq!(
        output,
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "4"}], "finish_reason": "stop"}])
    );

    let chat1 = r
        .spans
        .iter()
        .find(|s| s.attr("gen_ai.response.id") == Some("chatcmpl-1"))
        .unwrap();
    let out: Value = serde_json::from_str(chat1.attr("gen_ai.output.messages").unwrap()).unwrap();
    let types: Vec<&str> = out[0]["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["reasoning", "text", "tool_call", "tool_call"]);
    let tool = r.span_named("execute_tool run_tests");
    assert_eq!(
        tool.attr("gen_ai.tool.call.arguments"),
        Some(r#"{"path":"tests/"}"#)
    );
    assert_eq!(
        tool.attr("gen_ai.tool.call.result"),
        Some(r#""1 failed: add_overflows""#)
    );
    let stream = one(&r, "streaming");
    let out: Value = serde_json::from_str(stream.attr("gen_ai.output.messages").unwrap()).unwrap();
    assert_eq!(
        out[0]["parts"][0]["content"], "Hello, world",
        "chunks accumulated"
    );

    // One details event per inference, correlated to its span, as a log record and a span event.
    for s in r
        .spans
        .iter()
        .filter(|s| s.op() == "chat" || s.op() == "generate_content")
    {
        let details: Vec<_> = r
            .logs_of(s)
            .into_iter()
            .filter(|l| l.event_name == "gen_ai.client.inference.operation.details")
            .collect();
        assert_eq!(details.len(), 1, "{}: {:?}", s.name, r.logs_of(s));
        assert!(
            s.events
                .iter()
                .any(|e| e.name == "gen_ai.client.inference.operation.details")
        );
        let d = details[0];
        assert_eq!(d.attr("gen_ai.operation.name"), Some(s.op()));
        assert_eq!(
            d.attr("gen_ai.provider.name"),
            s.attr("gen_ai.provider.name")
        );
        // Structured on the event (kvlist/array, checked in tests/conformance.rs), so the
        // receiver's string form is not JSON text.
        if let Some(input) = d.attr("gen_ai.input.messages") {
            assert!(input.contains("ArrayValue"), "{input}");
        }
        // The span's attributes are on the event too (one list).
        for k in [
            "gen_ai.conversation.id",
            "server.address",
            "gen_ai.request.stream",
        ] {
            assert_eq!(d.attr(k), s.attr(k), "{k} on {}", s.name);
        }
    }
    let rl = one(&r, "rate-limit");
    let d = r
        .logs_of(rl)
        .into_iter()
        .find(|l| l.event_name == "gen_ai.client.inference.operation.details")
        .unwrap();
    assert_eq!(d.attr("error.type"), Some("RateLimitError"));
    assert!(
        d.attr("gen_ai.input.messages").is_some(),
        "what was sent survives the failure"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compatibility_mode_emits_the_pre_v1_37_style_records() {
    let h = Harness::start().await;
    let config = GenAiConfig::default()
        .with_capture(CaptureMode::EventOnly)
        .with_compat_events(true);
    emit_all(&h.genai(config));
    let r = h.finish(18, 30).await;
    assert_checklist(&r);
    assert_scenarios(&r);
    assert_no_secret(&r);

    let names = |s: &RSpan| -> Vec<String> {
        r.logs_of(s)
            .iter()
            .map(|l| l.event_name.clone())
            .filter(|n| {
                n != "gen_ai.client.inference.operation.details"
                    && n != "gen_ai.client.operation.exception"
            })
            .collect()
    };
    for l in &r.logs {
        // Every record is a named event; compat ones repeat it in
        // agent_telemetry.gen_ai.event.name.
        if !matches!(
            l.event_name.as_str(),
            "gen_ai.client.inference.operation.details"
                | "gen_ai.client.operation.exception"
                | "agent_telemetry.gen_ai.price.missing"
        ) {
            assert_eq!(
                l.attr("agent_telemetry.gen_ai.event.name"),
                Some(l.event_name.as_str())
            );
        }
        // The price warning is about configuration, emitted outside any span.
        assert!(
            (!l.trace_id.is_empty() && !l.span_id.is_empty())
                || l.event_name == "agent_telemetry.gen_ai.price.missing",
            "every record is correlated"
        );
    }
    // All chat event types present on the agent's first chat span.
    let chat1 = r
        .spans
        .iter()
        .find(|s| s.attr("gen_ai.response.id") == Some("chatcmpl-1"))
        .unwrap();
    assert_eq!(
        names(chat1),
        [
            "gen_ai.system.message",
            "gen_ai.user.message",
            "gen_ai.choice",
            "agent_telemetry.gen_ai.tool.call",
            "agent_telemetry.gen_ai.tool.call",
            "agent_telemetry.gen_ai.thinking"
        ]
    );
    let calls: Vec<_> = r
        .logs_of(chat1)
        .into_iter()
        .filter(|l| l.event_name == "agent_telemetry.gen_ai.tool.call")
        .collect();
    assert_eq!(calls[0].attr("gen_ai.tool.name"), Some("run_tests"));
    assert_eq!(calls[0].attr("gen_ai.tool.call.id"), Some("call_1"));
    let call_body: Value = serde_json::from_str(&calls[0].body).unwrap();
    assert_eq!(
        call_body,
        json!({"name": "run_tests", "arguments": {"path": "tests/"}})
    );
    let choice = r
        .logs_of(chat1)
        .into_iter()
        .find(|l| l.event_name == "gen_ai.choice")
        .unwrap();
    assert_eq!(choice.attr("agent_telemetry.gen_ai.index"), Some("0"));
    assert_eq!(
        choice.attr("agent_telemetry.gen_ai.finish_reason"),
        Some("tool_call")
    );
    assert_eq!(choice.attr("gen_ai.request.model"), Some("gpt-4o"));

    // invoke_agent: the task and the finish summary with totals.
    let agent = r.span_named("invoke_agent swe-agent");
    assert_eq!(
        names(agent),
        ["gen_ai.user.message", "agent_telemetry.gen_ai.agent.finish"]
    );
    let finish = r
        .logs_of(agent)
        .into_iter()
        .find(|l| l.event_name == "agent_telemetry.gen_ai.agent.finish")
        .unwrap();
    assert_eq!(finish.attr("gen_ai.usage.input_tokens"), Some("3250"));
    assert_eq!(finish.attr("gen_ai.agent.name"), Some("swe-agent"));
    let summary: Value = serde_json::from_str(&finish.body).unwrap();
    assert_eq!(
        summary,
        json!({"exit_status": "exit_command", "total_input_tokens": 3250, "total_output_tokens": 480})
    );

    // execute_tool: input and output paired; the timed-out one has no output.
    let t1 = r.span_named("execute_tool run_tests");
    assert_eq!(
        names(t1),
        [
            "agent_telemetry.gen_ai.tool.input",
            "agent_telemetry.gen_ai.tool.output"
        ]
    );
    let out = r
        .logs_of(t1)
        .into_iter()
        .find(|l| l.event_name == "agent_telemetry.gen_ai.tool.output")
        .unwrap();
    assert_eq!(
        out.body, "1 failed: add_overflows",
        "the content is the record body"
    );
    assert_eq!(out.attr("event.body"), None);
    assert_eq!(out.attr("gen_ai.tool.call.id"), Some("call_1"));
    assert_eq!(
        names(r.span_named("execute_tool open_file")),
        ["agent_telemetry.gen_ai.tool.input"]
    );

    // All three operation types in logs.
    let ops: BTreeSet<&str> = r
        .logs
        .iter()
        .filter_map(|l| l.attr("gen_ai.operation.name"))
        .collect();
    assert!(ops.is_superset(&BTreeSet::from(["invoke_agent", "chat", "execute_tool"])));

    // Scenarios.
    assert_eq!(
        names(one(&r, "simple")),
        [
            "gen_ai.system.message",
            "gen_ai.user.message",
            "gen_ai.choice"
        ]
    );
    let simple_user = r
        .logs_of(one(&r, "simple"))
        .into_iter()
        .find(|l| l.event_name == "gen_ai.user.message")
        .unwrap();
    assert_eq!(
        simple_user.body,
        "What is 2+2? My key is [REDACTED:sk-api-key]"
    );
    assert_eq!(
        names(one(&r, "multi-turn")),
        [
            "gen_ai.system.message",
            "gen_ai.user.message",
            "gen_ai.assistant.message",
            "gen_ai.user.message",
            "gen_ai.choice"
        ]
    );
    let thinking = r
        .logs_of(one(&r, "thinking"))
        .into_iter()
        .find(|l| l.event_name == "agent_telemetry.gen_ai.thinking")
        .unwrap();
    assert!(thinking.body.starts_with("Check divisors"));
    // Errors: what was sent exists, no response records.
    assert_eq!(names(one(&r, "rate-limit")), ["gen_ai.user.message"]);
    assert_eq!(names(one(&r, "context-window")), ["gen_ai.user.message"]);
    // Streaming: one choice with the accumulated text.
    let stream_choice = r
        .logs_of(one(&r, "streaming"))
        .into_iter()
        .find(|l| l.event_name == "gen_ai.choice")
        .unwrap();
    assert_eq!(stream_choice.body, "Hello, world");
    // No duplicates: one choice record per response choice.
    for s in r
        .spans
        .iter()
        .filter(|s| s.op() == "chat" && s.status_code != "STATUS_CODE_ERROR")
    {
        assert_eq!(
            names(s).iter().filter(|n| *n == "gen_ai.choice").count(),
            1,
            "{}",
            s.name
        );
    }
}
