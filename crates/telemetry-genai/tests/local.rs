//! Fast checks without a collector: the Basic implementation (scope attributes and an
//! in-memory meter read back directly) and NoOp.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::{Value, json};
use telemetry_basic::{BasicContextualCorrelator, BasicMeter, InstrumentKind, SeriesValue};
use telemetry_core::{Context, NoOpLogger, Telemetry, attrs};
use telemetry_genai::metrics::TOKEN_BUCKETS;
use telemetry_genai::{
    CaptureMode, GenAi, GenAiConfig, Message, Part, Redactor, SemconvVersion, Usage, provider,
};

fn basic() -> (Telemetry, Arc<BasicMeter>) {
    let meter = Arc::new(BasicMeter::new());
    let t = Telemetry::new(
        Arc::new(NoOpLogger),
        Arc::new(BasicContextualCorrelator::new()),
        meter.clone(),
    );
    (t, meter)
}

fn attr(cx: &Context, key: &str) -> Option<String> {
    cx.own_attributes().get(key).map(|v| v.to_string())
}

#[test]
fn latest_experimental_switches_to_the_newest_names() {
    let (t, meter) = basic();
    let config = GenAiConfig::default()
        .with_semconv(SemconvVersion::LatestExperimental)
        .with_capture(CaptureMode::SpanOnly);
    let genai = GenAi::new(&t, config);
    let agent = genai
        .invoke_agent(provider::OPENAI, "planner")
        .id("agent-instance-7")
        .version("1.2")
        .start();
    let agent_cx = agent.context().clone();
    let mut chat = agent
        .chat(provider::OPENAI, "gpt-4o")
        .system_instructions(vec![
            Part::text("Be brief."),
            Part::tool_call("x", "y", json!({})),
        ])
        .start();
    let chat_cx = chat.context().clone();
    chat.usage(Usage::new(10, 4).with_cache_creation(5).with_cache_read(2))
        .output_messages(vec![Message::assistant("ok").with_finish_reason("stop")]);
    chat.end();
    agent.end();

    // Internal invoke_agent: no provider, agent id or version, no cache usage.
    for k in [
        "gen_ai.provider.name",
        "gen_ai.agent.id",
        "gen_ai.agent.version",
        "gen_ai.usage.cache_read.input_tokens",
    ] {
        assert_eq!(attr(&agent_cx, k), None, "{k}");
    }
    assert_eq!(
        attr(&agent_cx, "gen_ai.usage.input_tokens").as_deref(),
        Some("10")
    );
    // Inference: cache_write instead of cache_creation; finish_reason only at span level;
    // system instructions text-only.
    assert_eq!(
        attr(&chat_cx, "gen_ai.usage.cache_write.input_tokens").as_deref(),
        Some("5")
    );
    assert_eq!(
        attr(&chat_cx, "gen_ai.usage.cache_creation.input_tokens"),
        None
    );
    let out: Value =
        serde_json::from_str(&attr(&chat_cx, "gen_ai.output.messages").unwrap()).unwrap();
    assert_eq!(
        out,
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "ok"}]}])
    );
    assert_eq!(
        attr(&chat_cx, "gen_ai.response.finish_reasons").as_deref(),
        Some("[stop]")
    );
    // Every system-instruction part is kept (text and others).
    let sys: Value =
        serde_json::from_str(&attr(&chat_cx, "gen_ai.system_instructions").unwrap()).unwrap();
    assert_eq!(sys[0], json!({"type": "text", "content": "Be brief."}));
    assert_eq!(sys[1]["type"], "tool_call");

    // Metrics: inference.duration instead of operation.duration; usage counters.
    let s = meter.snapshot();
    assert!(
        s.metric(
            "gen_ai.client.inference.duration",
            InstrumentKind::Histogram
        )
        .is_some()
    );
    // Still created (embeddings and create_agent use it), but nothing for inference.
    assert!(
        s.metric(
            "gen_ai.client.operation.duration",
            InstrumentKind::Histogram
        )
        .is_some_and(|m| m.series.is_empty())
    );
    assert!(
        s.metric("gen_ai.client.token.usage", InstrumentKind::Histogram)
            .is_none()
    );
    let base = attrs![
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o",
        "gen_ai.token.modality" => "unknown",
    ];
    assert_eq!(
        s.counter("gen_ai.client.inference.usage.input_tokens", &base),
        Some(10)
    );
    assert_eq!(
        s.counter(
            "gen_ai.client.inference.usage.cache_write.input_tokens",
            &base
        ),
        Some(5)
    );
    let agent_duration = s
        .metric("gen_ai.invoke_agent.duration", InstrumentKind::Histogram)
        .unwrap();
    assert_eq!(agent_duration.unit, "s");
    let calls = s
        .metric(
            "gen_ai.invoke_agent.inference_calls",
            InstrumentKind::Histogram,
        )
        .unwrap();
    match &calls.series[0].value {
        SeriesValue::Histogram(h) => assert_eq!((h.count, h.sum), (1, 1.0)),
        other => panic!("{other:?}"),
    }
    let op_input = s
        .metric(
            "gen_ai.client.inference.operation.input_tokens",
            InstrumentKind::Histogram,
        )
        .unwrap();
    match &op_input.series[0].value {
        SeriesValue::Histogram(h) => assert_eq!(h.boundaries, TOKEN_BUCKETS),
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_content_is_valid_json_and_usage_survives() {
    let (t, _) = basic();
    let genai = GenAi::new(
        &t,
        GenAiConfig::default()
            .with_capture(CaptureMode::SpanOnly)
            .with_max_content_bytes(1024),
    );
    let history: Vec<Message> = (0..50)
        .map(|i| Message::user(format!("message {i}: {}", "lorem ipsum ".repeat(100))))
        .collect();
    let mut chat = genai
        .chat(provider::OPENAI, "gpt-4o")
        .input_messages(history)
        .start();
    let cx = chat.context().clone();
    chat.usage(Usage::new(90_000, 10)).output_messages(vec![
        Message::assistant("é".repeat(5000)).with_finish_reason("length"),
    ]);
    chat.end();
    for key in ["gen_ai.input.messages", "gen_ai.output.messages"] {
        let json = attr(&cx, key).unwrap();
        assert!(json.len() <= 1024, "{key}: {} bytes", json.len());
        let v: Value = serde_json::from_str(&json).expect("still valid JSON");
        assert!(!v.as_array().unwrap().is_empty(), "{key} kept a message");
    }
    assert_eq!(
        attr(&cx, "agent_telemetry.gen_ai.content_truncated").as_deref(),
        Some("[gen_ai.input.messages, gen_ai.output.messages]")
    );
    assert_eq!(
        attr(&cx, "gen_ai.usage.input_tokens").as_deref(),
        Some("90000")
    );
}

#[test]
fn sub_agent_totals_roll_up_and_context_ancestry_finds_the_agent() {
    let (t, _) = basic();
    let genai = GenAi::new(&t, GenAiConfig::default());
    let outer = genai.invoke_agent(provider::OPENAI, "orchestrator").start();
    let outer_cx = outer.context().clone();
    {
        let _in_outer = outer.enter();
        let inner = genai
            .invoke_agent(provider::ANTHROPIC, "researcher")
            .start();
        // Carried into another thread through a Context snapshot.
        let cx = inner.context().clone();
        let g = genai.clone();
        std::thread::spawn(move || {
            cx.in_scope(|| {
                let mut c = g
                    .chat(provider::ANTHROPIC, "claude-sonnet-4-20250514")
                    .start();
                c.usage(Usage::new(100, 10));
                c.end();
            })
        })
        .join()
        .unwrap();
        assert_eq!(inner.usage(), Usage::new(100, 10));
        inner.end();
        let mut c = genai.chat(provider::OPENAI, "gpt-4o").start();
        c.usage(Usage::new(1, 1));
        c.end();
    }
    assert_eq!(outer.usage(), Usage::new(101, 11));
    outer.end();
    assert_eq!(
        attr(&outer_cx, "gen_ai.usage.input_tokens").as_deref(),
        Some("101")
    );
}

#[test]
fn noop_records_nothing_but_agent_totals_still_add_up() {
    let genai = GenAi::new(
        &Telemetry::noop(),
        GenAiConfig::default()
            .with_capture(CaptureMode::SpanAndEvent)
            .with_compat_events(true),
    );
    let agent = genai
        .invoke_agent("openai", "a")
        .input_messages(vec![Message::user("go")])
        .start();
    assert!(agent.context().is_none());
    let mut c = agent.chat(provider::OPENAI, "gpt-4o").start();
    c.usage(Usage::new(3, 4));
    c.end();
    let mut s = agent.chat(provider::OPENAI, "gpt-4o").start().stream();
    s.text(0, "x").usage(Usage::new(1, 1));
    drop(s);
    let mut tool = agent.execute_tool("t").arguments(json!({})).start();
    tool.result(&json!(1));
    tool.fail("Boom", "boom");
    assert_eq!(agent.usage(), Usage::new(4, 5));
    agent.end();
}

struct Upper;
impl Redactor for Upper {
    fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        Cow::Owned(text.replace("secret", "******"))
    }
}

#[test]
fn a_custom_redactor_runs_before_anything_is_recorded() {
    let (t, _) = basic();
    let genai = GenAi::builder(&t)
        .config(GenAiConfig::default().with_capture(CaptureMode::SpanOnly))
        .redactor(Upper)
        .build();
    let mut tool = genai
        .execute_tool("lookup")
        .arguments(json!({"q": "the secret plan", "api_key": "k"}))
        .start();
    let cx = tool.context().clone();
    tool.result(&json!({"answer": "secret"}));
    tool.end();
    assert_eq!(
        attr(&cx, "gen_ai.tool.call.arguments").as_deref(),
        Some(r#"{"api_key":"[REDACTED:secret-assignment]","q":"the ****** plan"}"#)
    );
    assert_eq!(
        attr(&cx, "gen_ai.tool.call.result").as_deref(),
        Some(r#"{"answer":"******"}"#)
    );
}

/// Response names reuse text the span already holds: a response model equal to the request
/// model is the request model's own shared string, and usual finish reasons are literals.
#[test]
fn response_model_and_finish_reasons_share_text_instead_of_copying_it() {
    use telemetry_core::{AttributeValue, StringValue};
    let (t, _) = basic();
    let genai = GenAi::new(&t, GenAiConfig::default());
    let model: Arc<str> = Arc::from("gpt-4o");
    let mut chat = genai.chat(provider::OPENAI, model.clone()).start();
    let cx = chat.context().clone();
    chat.response_model(String::from("gpt-4o"))
        .output_messages(vec![
            Message::assistant("a").with_finish_reason("tool_calls"),
            Message::assistant("b").with_finish_reason("vendor_specific"),
        ]);
    chat.end();
    let own = cx.own_attributes();
    match own.get("gen_ai.response.model") {
        Some(AttributeValue::String(StringValue::Shared(s))) => assert!(Arc::ptr_eq(s, &model)),
        other => panic!("expected the request model's shared text, got {other:?}"),
    }
    match own.get("gen_ai.response.finish_reasons") {
        Some(AttributeValue::StringArray(r)) => {
            // Normalised to the conventions' `tool_call`, a literal (no copy).
            assert!(matches!(&r[0], StringValue::Static("tool_call")));
            assert_eq!(r[1].as_str(), "vendor_specific");
        }
        other => panic!("expected finish reasons, got {other:?}"),
    }

    // Another response model gets its own text.
    let mut chat = genai.chat(provider::OPENAI, model.clone()).start();
    let cx = chat.context().clone();
    chat.response_model("gpt-4o-2024-11-20");
    chat.end();
    assert_eq!(
        attr(&cx, "gen_ai.response.model").as_deref(),
        Some("gpt-4o-2024-11-20")
    );
}
