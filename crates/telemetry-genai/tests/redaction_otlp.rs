//! End to end over OTLP: every corpus secret, in a user message, inside a JSON document, in
//! the model's reply and tool call, in tool arguments and results and in an error message,
//! exported by the OpenTelemetry implementation to an in-process receiver in each content
//! capture mode (with compatibility records on). Nothing received holds 8 or more characters
//! of a secret, and every content string is its original with exactly the secret masked.

mod common;

use common::corpus::{self, Case, leaks, one_mask_between, sentence};
use common::{GenAiSpan, Harness};
use serde_json::{Value, json};
use telemetry_genai::{CaptureMode, GenAi, GenAiConfig, Message, Part, Usage, provider};
use telemetry_testkit::{RLog, RSpan, Received};

fn emit(genai: &GenAi, i: usize, c: &Case) {
    let (text, _, _) = sentence(c);
    let doc = json!({"service": "billing", "note": text}).to_string();
    let args = json!({"query": text, "limit": 5});
    let call = format!("call-{i}");
    let mut chat = genai
        .chat(provider::OPENAI, "gpt-4o")
        .conversation_id(format!("case-{i}"))
        .input_messages(vec![Message::user(text.clone()), Message::user(doc)])
        .start();
    chat.usage(Usage::new(10, 5)).output_messages(vec![
        Message::assistant_parts(vec![
            Part::text(text.clone()),
            Part::tool_call(call.clone(), "lookup", args.clone()),
        ])
        .with_finish_reason("tool_calls"),
    ]);
    chat.end();
    let mut tool = genai
        .execute_tool("lookup")
        .call_id(call)
        .arguments(args)
        .start();
    tool.result(&json!({"answer": text}));
    tool.fail("AuthError", &text);
}

/// Every string received for a span and its log records, JSON strings also decoded (to two
/// levels: a JSON document inside a message inside an attribute).
fn strings(span: &RSpan, logs: &[&RLog]) -> Vec<String> {
    let mut raw: Vec<String> = span.attributes.values().cloned().collect();
    raw.push(span.status_message.clone());
    for e in &span.events {
        raw.extend(e.attributes.values().cloned());
    }
    for l in logs {
        raw.push(l.body.clone());
        raw.extend(l.attributes.values().cloned());
    }
    let mut out = Vec::new();
    for s in raw {
        decode(&s, 2, &mut out);
        out.push(s);
    }
    out
}

fn decode(s: &str, depth: usize, out: &mut Vec<String>) {
    if depth == 0 {
        return;
    }
    if let Ok(v) = serde_json::from_str::<Value>(s) {
        leaves(&v, depth, out);
    }
}

fn leaves(v: &Value, depth: usize, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            out.push(s.clone());
            decode(s, depth - 1, out);
        }
        Value::Array(a) => a.iter().for_each(|x| leaves(x, depth, out)),
        Value::Object(o) => o.values().for_each(|x| leaves(x, depth, out)),
        _ => {}
    }
}

/// The content of the inference and tool telemetry of case `i`: the strings that must each be
/// the sentence with one mask.
fn masked_sentences(chat: &RSpan, tool: &RSpan, logs: &[&RLog], mode: CaptureMode) -> Vec<String> {
    let mut out = vec![tool.status_message.clone()];
    let mut inference = |input: &str, output: &str| {
        let input: Value = serde_json::from_str(input).unwrap();
        out.push(input[0]["parts"][0]["content"].as_str().unwrap().to_owned());
        let doc: Value =
            serde_json::from_str(input[1]["parts"][0]["content"].as_str().unwrap()).unwrap();
        assert_eq!(doc["service"], "billing");
        out.push(doc["note"].as_str().unwrap().to_owned());
        let output: Value = serde_json::from_str(output).unwrap();
        out.push(
            output[0]["parts"][0]["content"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        let args = &output[0]["parts"][1]["arguments"];
        assert_eq!(args["limit"], 5);
        out.push(args["query"].as_str().unwrap().to_owned());
    };
    if mode.on_span() {
        inference(
            chat.attr("gen_ai.input.messages").unwrap(),
            chat.attr("gen_ai.output.messages").unwrap(),
        );
    }
    if mode.on_event() {
        // The log record carries the content structured (an OTLP kvlist/array, read as text
        // here only to find secrets); the span event carries the same content as JSON text.
        let details = logs
            .iter()
            .find(|l| l.event_name == "gen_ai.client.inference.operation.details")
            .expect("details event");
        assert!(details.attr("gen_ai.input.messages").is_some());
        let event = chat
            .events
            .iter()
            .find(|e| e.name == "gen_ai.client.inference.operation.details")
            .expect("details span event");
        inference(
            &event.attributes["gen_ai.input.messages"],
            &event.attributes["gen_ai.output.messages"],
        );
    }
    if mode.on_span() {
        let args: Value =
            serde_json::from_str(tool.attr("gen_ai.tool.call.arguments").unwrap()).unwrap();
        out.push(args["query"].as_str().unwrap().to_owned());
        let result: Value =
            serde_json::from_str(tool.attr("gen_ai.tool.call.result").unwrap()).unwrap();
        out.push(result["answer"].as_str().unwrap().to_owned());
    }
    out
}

async fn run(mode: CaptureMode) {
    let cases = corpus::cases();
    let h = Harness::start().await;
    let genai = h.genai(
        GenAiConfig::default()
            .with_capture(mode)
            .with_compat_events(true),
    );
    for (i, c) in cases.iter().enumerate() {
        emit(&genai, i, c);
    }
    // Per case: details (event modes), 2 user messages, choice, tool call, tool input/output.
    let logs = if mode.on_event() { 7 } else { 6 };
    let r: Received = h.finish(2 * cases.len(), logs * cases.len()).await;
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let conv = format!("case-{i}");
        let call = format!("call-{i}");
        let chat = r
            .spans
            .iter()
            .find(|s| s.attr("gen_ai.conversation.id") == Some(conv.as_str()))
            .expect("inference span");
        let tool = r
            .spans
            .iter()
            .find(|s| s.op() == "execute_tool" && s.attr("gen_ai.tool.call.id") == Some(&call))
            .expect("tool span");
        let mut logs = r.logs_of(chat);
        logs.extend(r.logs_of(tool));
        let (_, prefix, suffix) = sentence(c);
        let context = format!("{prefix} {suffix} billing lookup gpt-4o");
        for s in strings(chat, &logs).iter().chain(&strings(tool, &[])) {
            if let Some(w) = leaks(s, &c.secret, &context) {
                failures.push(format!("{} leaks {w:?} in {s}", c.name));
            }
        }
        for s in masked_sentences(chat, tool, &logs, mode) {
            if !one_mask_between(&s, &prefix, &suffix) {
                failures.push(format!("{}: not the sentence with one mask: {s}", c.name));
            }
        }
        if mode.on_event() {
            let bodies: Vec<&str> = logs
                .iter()
                .filter(|l| {
                    l.event_name == "gen_ai.user.message" || l.event_name == "gen_ai.choice"
                })
                .map(|l| l.body.as_str())
                .collect();
            assert_eq!(bodies.len(), 3, "{}", c.name);
            for b in [bodies[0], bodies[2]] {
                if !one_mask_between(b, &prefix, &suffix) {
                    failures.push(format!("{}: compat body {b}", c.name));
                }
            }
            let input = logs
                .iter()
                .find(|l| l.event_name == "agent_telemetry.gen_ai.tool.input")
                .expect("tool input record");
            let args: Value = serde_json::from_str(&input.body).unwrap();
            if !one_mask_between(args["query"].as_str().unwrap_or(""), &prefix, &suffix) {
                failures.push(format!("{}: compat tool input {}", c.name, input.body));
            }
        }
    }
    assert!(failures.is_empty(), "{mode:?}:\n{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_leaves_the_process_with_span_only_content() {
    run(CaptureMode::SpanOnly).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_leaves_the_process_with_event_only_content() {
    run(CaptureMode::EventOnly).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_leaves_the_process_with_span_and_event_content() {
    run(CaptureMode::SpanAndEvent).await;
}
