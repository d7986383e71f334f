//! Semantic-convention conformance, checked on what an OTLP receiver got.
//!
//! One scenario covers every operation (invoke_agent, create_agent, chat streaming and not,
//! a failed chat, embeddings, execute_tool) with content captured on spans and events. It is
//! exported over OTLP (HTTP/protobuf) to an in-process receiver, once in the default v1.41
//! mode and once in *latest* mode, and the table [`ROWS`] is checked against the protobuf
//! messages received: each row names the spec file it comes from, the signal (span of an
//! operation, event, metric), the attribute and the `AnyValue` variant it must arrive as (or
//! that it must be absent). Structured content on the details event is also validated against
//! the v1.41 JSON schemas (vendored under `tests/schemas/v1.41.0/`, Apache-2.0, from
//! `open-telemetry/semantic-conventions` at tag v1.41.0, `docs/gen-ai/`).

mod common;
#[path = "conformance/received.rs"]
mod received;
#[path = "conformance/schema.rs"]
mod schema;

use common::{Harness, WAIT};
use received::{Got, Item, Ty, json};
use serde_json::{Value, json};
use telemetry_core::Lifecycle;
use telemetry_genai::{
    CaptureMode, GenAi, GenAiConfig, Message, Part, SemconvVersion, ToolDefinition, Usage, provider,
};

/// Which conventions a row holds for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Both,
    V141,
    Latest,
}

/// Which instances of a span type a row checks.
#[derive(Clone, Copy, Debug)]
enum Which {
    /// Every span of the operation.
    All,
    /// Only the chat with every request parameter set (`gen_ai.response.id` = `full`).
    Full,
    /// Only the streamed chat.
    Stream,
    /// Only the failed chat.
    Failed,
}

#[derive(Clone, Copy, Debug)]
enum On {
    /// Spans whose `gen_ai.operation.name` is this.
    Span(&'static str, Which),
    /// Log records with this event name.
    Event(&'static str),
    /// Points of this metric: unit, instrument.
    Metric(&'static str, &'static str, &'static str),
}

#[derive(Clone, Copy, Debug)]
enum Want {
    /// Present on every instance, arriving as this variant.
    Is(Ty),
    /// Absent from every instance.
    Absent,
    /// (key "") the span kind of every instance.
    Kind(&'static str),
}

struct Row {
    spec: &'static str,
    mode: Mode,
    on: On,
    key: &'static str,
    want: Want,
}

const fn row(spec: &'static str, mode: Mode, on: On, key: &'static str, want: Want) -> Row {
    Row {
        spec,
        mode,
        on,
        key,
        want,
    }
}

const SPANS: &str = "v1.41.0 model/gen-ai/spans.yaml";
const REGISTRY: &str = "v1.41.0 model/gen-ai/registry.yaml";
const EVENTS: &str = "v1.41.0 model/gen-ai/events.yaml";
const METRICS: &str = "v1.41.0 model/gen-ai/metrics.yaml";
const LATEST: &str = "semantic-conventions-genai (unreleased), model/gen-ai/";

use Mode::{Both, Latest, V141};
use On::{Event, Metric, Span};
use Want::{Absent, Is, Kind};
use Which::{All, Failed, Full, Stream};

const CHAT: &str = "chat";
const DETAILS: &str = "gen_ai.client.inference.operation.details";
const EXCEPTION: &str = "gen_ai.client.operation.exception";

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // ---- inference (span.gen_ai.inference.client) ----
    row(SPANS, Both, Span(CHAT, All), "", Kind("SPAN_KIND_CLIENT")),
    row(SPANS, Both, Span(CHAT, All), "gen_ai.operation.name", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, All), "gen_ai.provider.name", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, All), "gen_ai.request.model", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, All), "gen_ai.conversation.id", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, All), "gen_ai.tool.call.id", Absent),
    row(SPANS, Both, Span(CHAT, Full), "server.address", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, Full), "server.port", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.max_tokens", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.choice.count", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.temperature", Is(Ty::Double)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.top_p", Is(Ty::Double)),
    row(REGISTRY, V141, Span(CHAT, Full), "gen_ai.request.top_k", Is(Ty::Double)),
    row(LATEST, Latest, Span(CHAT, Full), "gen_ai.request.top_k", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.stop_sequences", Is(Ty::StrArray)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.frequency_penalty", Is(Ty::Double)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.presence_penalty", Is(Ty::Double)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.seed", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.output.type", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.request.stream", Absent),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.response.id", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.response.model", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.response.finish_reasons", Is(Ty::StrArray)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.usage.input_tokens", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.usage.output_tokens", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.usage.cache_read.input_tokens", Is(Ty::Int)),
    row(SPANS, V141, Span(CHAT, Full), "gen_ai.usage.cache_creation.input_tokens", Is(Ty::Int)),
    row(LATEST, Latest, Span(CHAT, Full), "gen_ai.usage.cache_write.input_tokens", Is(Ty::Int)),
    row(SPANS, Both, Span(CHAT, Full), "gen_ai.usage.reasoning.output_tokens", Is(Ty::Int)),
    // Opt-in content on spans: the JSON-string fallback (registry: "MAY be recorded as a JSON
    // string if structured format is not supported"; span attributes have no map type).
    row(REGISTRY, Both, Span(CHAT, Full), "gen_ai.input.messages", Is(Ty::Str)),
    row(REGISTRY, Both, Span(CHAT, Full), "gen_ai.output.messages", Is(Ty::Str)),
    row(REGISTRY, Both, Span(CHAT, Full), "gen_ai.system_instructions", Is(Ty::Str)),
    row(REGISTRY, Both, Span(CHAT, Full), "gen_ai.tool.definitions", Is(Ty::Str)),
    row(SPANS, Both, Span(CHAT, Stream), "gen_ai.request.stream", Is(Ty::Bool)),
    row(SPANS, Both, Span(CHAT, Stream), "gen_ai.response.time_to_first_chunk", Is(Ty::Double)),
    row(SPANS, Both, Span(CHAT, Failed), "error.type", Is(Ty::Str)),
    // ---- embeddings (span.gen_ai.embeddings.client) ----
    row(SPANS, Both, Span("embeddings", All), "", Kind("SPAN_KIND_CLIENT")),
    row(SPANS, Both, Span("embeddings", All), "gen_ai.provider.name", Is(Ty::Str)),
    row(SPANS, Both, Span("embeddings", All), "gen_ai.request.model", Is(Ty::Str)),
    row(SPANS, Both, Span("embeddings", All), "gen_ai.request.encoding_formats", Is(Ty::StrArray)),
    row(SPANS, Both, Span("embeddings", All), "gen_ai.embeddings.dimension.count", Is(Ty::Int)),
    row(SPANS, Both, Span("embeddings", All), "gen_ai.usage.input_tokens", Is(Ty::Int)),
    row(SPANS, Both, Span("embeddings", All), "gen_ai.response.model", Is(Ty::Str)),
    row(SPANS, Both, Span("embeddings", All), "server.port", Is(Ty::Int)),
    // ---- create_agent (span.gen_ai.create_agent.client) ----
    row(SPANS, Both, Span("create_agent", All), "", Kind("SPAN_KIND_CLIENT")),
    row(SPANS, Both, Span("create_agent", All), "gen_ai.provider.name", Is(Ty::Str)),
    row(SPANS, Both, Span("create_agent", All), "gen_ai.agent.name", Is(Ty::Str)),
    row(SPANS, Both, Span("create_agent", All), "gen_ai.agent.id", Is(Ty::Str)),
    row(SPANS, Both, Span("create_agent", All), "gen_ai.request.model", Is(Ty::Str)),
    // ---- invoke_agent (span.gen_ai.invoke_agent.internal) ----
    row(SPANS, Both, Span("invoke_agent", All), "", Kind("SPAN_KIND_INTERNAL")),
    row(SPANS, V141, Span("invoke_agent", All), "gen_ai.provider.name", Is(Ty::Str)),
    row(LATEST, Latest, Span("invoke_agent", All), "gen_ai.provider.name", Absent),
    row(SPANS, Both, Span("invoke_agent", All), "gen_ai.agent.name", Is(Ty::Str)),
    row(SPANS, Both, Span("invoke_agent", All), "gen_ai.request.model", Is(Ty::Str)),
    row(SPANS, Both, Span("invoke_agent", All), "gen_ai.conversation.id", Is(Ty::Str)),
    row(SPANS, Both, Span("invoke_agent", All), "gen_ai.usage.input_tokens", Is(Ty::Int)),
    row(SPANS, Both, Span("invoke_agent", All), "gen_ai.usage.output_tokens", Is(Ty::Int)),
    // ---- execute_tool (span.gen_ai.execute_tool.internal) ----
    row(SPANS, Both, Span("execute_tool", All), "", Kind("SPAN_KIND_INTERNAL")),
    row(SPANS, Both, Span("execute_tool", All), "gen_ai.tool.name", Is(Ty::Str)),
    row(SPANS, Both, Span("execute_tool", All), "gen_ai.tool.call.id", Is(Ty::Str)),
    row(SPANS, Both, Span("execute_tool", All), "gen_ai.tool.type", Is(Ty::Str)),
    row(REGISTRY, Both, Span("execute_tool", All), "gen_ai.tool.call.arguments", Is(Ty::Str)),
    row(REGISTRY, Both, Span("execute_tool", All), "gen_ai.tool.call.result", Is(Ty::Str)),
    // ---- events ----
    // The details event extends attributes.gen_ai.inference.client: the span's list, and the
    // content "MUST be recorded in structured form" on events (registry).
    row(EVENTS, Both, Event(DETAILS), "gen_ai.operation.name", Is(Ty::Str)),
    row(EVENTS, Both, Event(DETAILS), "gen_ai.provider.name", Is(Ty::Str)),
    row(EVENTS, Both, Event(DETAILS), "gen_ai.request.model", Is(Ty::Str)),
    row(EVENTS, Both, Event(DETAILS), "gen_ai.conversation.id", Is(Ty::Str)),
    row(EVENTS, Both, Event(DETAILS), "gen_ai.input.messages", Is(Ty::Array)),
    row(EVENTS, Both, Event(DETAILS), "gen_ai.tool.call.id", Absent),
    row(EXCEPTION, Both, Event(EXCEPTION), "exception.type", Is(Ty::Str)),
    row(EXCEPTION, Both, Event(EXCEPTION), "exception.message", Is(Ty::Str)),
    // ---- metrics ----
    row(METRICS, V141, Metric("gen_ai.client.token.usage", "{token}", "histogram"), "gen_ai.token.type", Is(Ty::Str)),
    row(METRICS, V141, Metric("gen_ai.client.token.usage", "{token}", "histogram"), "gen_ai.operation.name", Is(Ty::Str)),
    row(METRICS, V141, Metric("gen_ai.client.token.usage", "{token}", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(METRICS, V141, Metric("gen_ai.client.operation.duration", "s", "histogram"), "gen_ai.operation.name", Is(Ty::Str)),
    row(METRICS, V141, Metric("gen_ai.client.operation.duration", "s", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(METRICS, V141, Metric("gen_ai.client.operation.duration", "s", "histogram"), "gen_ai.conversation.id", Absent),
    row(METRICS, V141, Metric("gen_ai.client.operation.time_to_first_chunk", "s", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(METRICS, Both, Metric("gen_ai.client.operation.time_per_output_chunk", "s", "histogram"), "gen_ai.operation.name", Is(Ty::Str)),
    row(METRICS, Both, Metric("gen_ai.client.operation.time_per_output_chunk", "s", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.client.inference.duration", "s", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.client.inference.time_to_first_chunk", "s", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.client.inference.operation.input_tokens", "{token}", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.client.inference.usage.input_tokens", "{token}", "sum"), "gen_ai.token.modality", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.client.embeddings.duration", "s", "histogram"), "gen_ai.provider.name", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.client.embeddings.operation.input_tokens", "{token}", "histogram"), "gen_ai.request.model", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.client.operation.duration", "s", "histogram"), "gen_ai.operation.name", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.invoke_agent.duration", "s", "histogram"), "gen_ai.agent.name", Is(Ty::Str)),
    row(LATEST, Latest, Metric("gen_ai.execute_tool.duration", "s", "histogram"), "gen_ai.tool.name", Is(Ty::Str)),
];

/// Every operation once, with every attribute the crate can set.
fn scenario(genai: &GenAi) {
    let created = genai
        .create_agent(provider::OPENAI, "planner")
        .model("gpt-4o")
        .start();
    created.agent_id("asst_1");
    created.end();

    let agent = genai
        .invoke_agent(provider::OPENAI, "planner")
        .model("gpt-4o")
        .conversation_id("conv-1")
        .input_messages(vec![Message::user("plan a trip")])
        .start();
    let mut chat = agent
        .chat(provider::OPENAI, "gpt-4o")
        .server("api.openai.com", Some(443))
        .conversation_id("conv-1")
        .temperature(0.2)
        .top_p(0.9)
        .top_k(40)
        .max_tokens(256)
        .seed(7)
        .choice_count(2)
        .output_type("text")
        .stop_sequences(vec!["END".to_owned()])
        .frequency_penalty(0.1)
        .presence_penalty(0.2)
        .system_instructions(vec![Part::text("Be brief.")])
        .tool_definitions(vec![ToolDefinition::function(
            "get_weather",
            "Weather for a city",
            json!({"type": "object", "properties": {"city": {"type": "string"}}}),
        )])
        .input_messages(vec![
            Message::user("Weather in Paris?"),
            Message::assistant_parts(vec![Part::tool_call(
                "call_0",
                "get_weather",
                json!({"city": "Lyon", "units": null}),
            )]),
            Message::tool_result("call_0", json!({"temp_c": 11.5, "rain": true})),
        ])
        .start();
    chat.response_id("full")
        .response_model("gpt-4o-2024-11-20")
        .usage(
            Usage::new(120, 30)
                .with_cache_read(20)
                .with_cache_creation(10)
                .with_reasoning(5),
        )
        .output_messages(vec![
            Message::assistant_parts(vec![Part::tool_call(
                "call_1",
                "get_weather",
                json!({"city": "Paris"}),
            )])
            .with_finish_reason("tool_calls"),
            // A second choice the provider gave no finish reason.
            Message::assistant("It is sunny."),
        ]);
    chat.end();

    let mut tool = agent
        .execute_tool("get_weather")
        .call_id("call_1")
        .arguments(json!({"city": "Paris"}))
        .start();
    tool.result(&json!({"temp_c": 18}));
    tool.end();

    let mut stream = agent
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("conv-1")
        .streaming()
        .input_messages(vec![Message::user("Summarise")])
        .start()
        .stream();
    for delta in ["Sun", "ny", "."] {
        stream.text(0, delta);
    }
    stream
        .finish_reason(0, "stop")
        .response_id("stream")
        .usage(Usage::new(40, 3));
    stream.finish();

    agent
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id("conv-1")
        .input_messages(vec![Message::user("again")])
        .start()
        .fail("RateLimitError", "429 Too Many Requests: slow down");
    agent.end();

    let mut e = genai
        .embeddings(provider::OPENAI, "text-embedding-3-small")
        .server("api.openai.com", Some(443))
        .dimension_count(1536)
        .encoding_formats(vec!["float".to_owned()])
        .start();
    e.input_tokens(12).response_model("text-embedding-3-small");
    e.end();
}

async fn run(semconv: SemconvVersion) -> Got {
    let h = Harness::start().await;
    let config = GenAiConfig::default()
        .with_capture(CaptureMode::SpanAndEvent)
        .with_semconv(semconv);
    scenario(&h.genai(config));
    h.otel.shutdown(WAIT).await.unwrap();
    h.server.wait_for_spans(7, WAIT).await.unwrap();
    h.server.wait_for_logs(4, WAIT).await.unwrap();
    let got = h.server.with_collector(received::got).await;
    assert!(h.otel.export_failures().is_empty());
    h.server.shutdown().await.unwrap();
    got
}

fn which(s: &Item, w: Which) -> bool {
    match w {
        All => true,
        Full => s.str("gen_ai.response.id") == Some("full"),
        Stream => s.str("gen_ai.response.id") == Some("stream"),
        Failed => s.attributes.contains_key("error.type"),
    }
}

/// Checks every row of `mode`; returns the failures, each naming its row's spec file.
fn check(got: &Got, mode: Mode) -> Vec<String> {
    let mut failures = Vec::new();
    for r in ROWS.iter().filter(|r| r.mode == Both || r.mode == mode) {
        let (items, what): (Vec<&Item>, String) = match r.on {
            Span(op, w) => (
                got.spans
                    .iter()
                    .filter(|s| s.str("gen_ai.operation.name") == Some(op) && which(s, w))
                    .collect(),
                format!("{op} span ({w:?})"),
            ),
            Event(name) => (
                got.logs.iter().filter(|l| l.name == name).collect(),
                format!("event {name}"),
            ),
            Metric(name, ..) => (
                got.points.iter().filter(|p| p.name == name).collect(),
                format!("metric {name}"),
            ),
        };
        let mut fail = |why: String| failures.push(format!("[{}] {what} {}: {why}", r.spec, r.key));
        if items.is_empty() {
            fail("no instance received".into());
            continue;
        }
        for it in &items {
            if let Metric(_, unit, instrument) = r.on {
                if it.detail != unit || it.instrument != instrument {
                    fail(format!(
                        "{} {} instead of {unit} {instrument}",
                        it.detail, it.instrument
                    ));
                }
            }
            match (r.want, it.attributes.get(r.key)) {
                (Kind(k), _) if it.detail != k => fail(format!("kind {}", it.detail)),
                (Kind(_), _) => {}
                (Absent, Some(v)) => fail(format!("present: {v:?}")),
                (Absent, None) => {}
                (Is(t), None) => fail(format!("missing, want {t:?}")),
                (Is(t), Some(v)) if received::ty(v) != t => {
                    fail(format!("arrived as {:?}, want {t:?}", received::ty(v)))
                }
                (Is(_), Some(_)) => {}
            }
        }
    }
    failures
}

fn schema(name: &str) -> Value {
    let text = match name {
        "gen_ai.input.messages" => include_str!("schemas/v1.41.0/gen-ai-input-messages.json"),
        "gen_ai.output.messages" => include_str!("schemas/v1.41.0/gen-ai-output-messages.json"),
        "gen_ai.system_instructions" => {
            include_str!("schemas/v1.41.0/gen-ai-system-instructions.json")
        }
        "gen_ai.tool.definitions" => include_str!("schemas/v1.41.0/gen-ai-tool-definitions.json"),
        other => panic!("no schema for {other}"),
    };
    serde_json::from_str(text).unwrap()
}

/// The details event of the full chat.
fn full_details(got: &Got) -> &Item {
    got.logs
        .iter()
        .find(|l| l.name == DETAILS && l.str("gen_ai.response.id") == Some("full"))
        .expect("the full chat's details event")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_41_mode_conforms_row_by_row() {
    let got = run(SemconvVersion::V1_41).await;
    let failures = check(&got, V141);
    assert!(failures.is_empty(), "{failures:#?}");
    // The exception event is WARN (severity number 13), as events.yaml asks.
    for l in got.logs.iter().filter(|l| l.name == EXCEPTION) {
        assert_eq!(l.detail, "13");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_mode_conforms_row_by_row() {
    let got = run(SemconvVersion::LatestExperimental).await;
    let failures = check(&got, Latest);
    assert!(failures.is_empty(), "{failures:#?}");
    // v1.41-only names are not emitted.
    for gone in [
        "gen_ai.client.token.usage",
        "gen_ai.client.operation.time_to_first_chunk",
    ] {
        assert!(
            got.points.iter().all(|p| p.name != gone),
            "{gone} in latest mode"
        );
    }
    // Failed inference records 0 tokens with error.type (latest token histograms).
    let failed_input = got.points.iter().find(|p| {
        p.name == "gen_ai.client.inference.operation.input_tokens"
            && p.attributes.contains_key("error.type")
    });
    assert!(failed_input.is_some(), "{:#?}", got.points);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn details_event_content_is_structured_and_matches_the_v1_41_schemas() {
    let got = run(SemconvVersion::V1_41).await;
    let d = full_details(&got);
    for key in [
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.definitions",
    ] {
        let v = d
            .attributes
            .get(key)
            .unwrap_or_else(|| panic!("{key} missing"));
        assert_eq!(received::ty(v), Ty::Array, "{key} is an OTLP array");
        let value = json(v);
        schema::validate(&schema(key), &value).unwrap_or_else(|e| panic!("{key}: {e}"));
    }
    // Messages and parts are kvlists; tool-call arguments keep their types.
    let input = json(d.attributes.get("gen_ai.input.messages").unwrap());
    assert_eq!(
        input[1]["parts"][0]["arguments"],
        json!({"city": "Lyon"}),
        "null left out"
    );
    assert_eq!(
        input[2]["parts"][0]["response"],
        json!({"temp_c": 11.5, "rain": true})
    );
    let output = json(d.attributes.get("gen_ai.output.messages").unwrap());
    assert_eq!(output[0]["finish_reason"], "tool_call", "normalised");
    assert_eq!(output[1]["finish_reason"], "error", "a choice without one");
    // Tool definitions: type and name only by default.
    let tools = json(d.attributes.get("gen_ai.tool.definitions").unwrap());
    assert_eq!(tools, json!([{"type": "function", "name": "get_weather"}]));
    // The event carries the span's attributes (one list): server, seed, choice count, ...
    let span = got
        .spans
        .iter()
        .find(|s| s.str("gen_ai.response.id") == Some("full"))
        .unwrap();
    const CONTENT: &[&str] = &[
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.definitions",
    ];
    for (k, v) in span
        .attributes
        .iter()
        .filter(|(k, _)| !CONTENT.contains(&k.as_str()))
    {
        assert_eq!(d.attributes.get(k), Some(v), "{k} differs on the event");
    }
    // On the span event (SDK span events have no map type) the same content is JSON text.
    let ev = got
        .span_events
        .iter()
        .find(|e| e.name == DETAILS && e.str("gen_ai.response.id") == Some("full"))
        .unwrap();
    let text: Value = serde_json::from_str(ev.str("gen_ai.input.messages").unwrap()).unwrap();
    assert_eq!(text, input);
}
