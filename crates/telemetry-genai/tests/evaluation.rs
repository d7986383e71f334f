//! `gen_ai.evaluation.result` (semantic-conventions v1.41.0, `model/gen-ai/events.yaml`): over
//! OTLP, a log record with the judged span's trace id and span id and the typed attributes,
//! also when recorded after that span ended; on Basic, a log line in the judged span's
//! context; bad input refused with an error naming it.

mod common;

use std::sync::Arc;

use common::Harness;
use telemetry_basic::{BasicContextualCorrelator, BasicMeter, MemoryWriter, StdoutLogger};
use telemetry_core::{Context, Telemetry};
use telemetry_genai::{GenAi, GenAiConfig, Usage, attributes as a, provider};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluation_recorded_after_the_span_ended_carries_its_ids() {
    let h = Harness::start().await;
    let genai = GenAi::new(&h.telemetry, GenAiConfig::default());
    let mut chat = genai.chat(provider::OPENAI, "gpt-4o").start();
    chat.usage(Usage::new(10, 5));
    let judged = chat.context().clone();
    chat.end();
    assert!(judged.has_ended());
    genai
        .evaluation("Relevance")
        .score(4.0)
        .label("relevant")
        .explanation("On topic; the key is sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX.")
        .record(&judged)
        .unwrap();
    // From another task, with nothing current there.
    let g2 = genai.clone();
    let j2 = judged.clone();
    tokio::spawn(async move {
        g2.evaluation("Groundedness")
            .score(0.0)
            .label("fail")
            .error_type("judge_timeout")
            .record(&j2)
            .unwrap();
    })
    .await
    .unwrap();
    let got = h.finish(1, 2).await;
    let span = got.span_named("chat gpt-4o");
    let evals: Vec<_> = got
        .logs
        .iter()
        .filter(|l| l.event_name == a::EVENT_EVALUATION_RESULT)
        .collect();
    assert_eq!(evals.len(), 2, "{:#?}", got.logs);
    for e in &evals {
        assert_eq!(
            (e.trace_id.as_str(), e.span_id.as_str()),
            (span.trace_id.as_str(), span.span_id.as_str())
        );
        assert_eq!(e.severity_text, "INFO");
    }
    let r = evals[0];
    assert_eq!(r.attr(a::GEN_AI_EVALUATION_NAME), Some("Relevance"));
    // A double, as the registry types it ("4" as an int would print the same: check the
    // fractional score below too).
    assert_eq!(r.attr(a::GEN_AI_EVALUATION_SCORE_VALUE), Some("4"));
    assert_eq!(r.attr(a::GEN_AI_EVALUATION_SCORE_LABEL), Some("relevant"));
    let explanation = r.attr(a::GEN_AI_EVALUATION_EXPLANATION).unwrap();
    assert!(
        explanation.starts_with("On topic; the key is [REDACTED:"),
        "{explanation}"
    );
    assert_eq!(evals[1].attr(a::ERROR_TYPE), Some("judge_timeout"));
    assert_eq!(
        evals[1].attr(a::GEN_AI_EVALUATION_SCORE_LABEL),
        Some("fail")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_score_is_a_double_on_the_wire() {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    let Harness {
        server,
        otel,
        telemetry,
    } = Harness::start().await;
    let genai = GenAi::new(&telemetry, GenAiConfig::default());
    let chat = genai.chat(provider::OPENAI, "gpt-4o").start();
    let judged = chat.context().clone();
    chat.end();
    genai
        .evaluation("helpfulness")
        .score(3.0)
        .record(&judged)
        .unwrap();
    telemetry_core::Lifecycle::shutdown(&otel, common::WAIT)
        .await
        .unwrap();
    server.wait_for_logs(1, common::WAIT).await.unwrap();
    let score = server
        .with_collector(|c| {
            c.logs()
                .iter()
                .flat_map(|t| t.log_record().attributes.clone())
                .find(|kv| kv.key == a::GEN_AI_EVALUATION_SCORE_VALUE)
                .and_then(|kv| kv.value.clone())
                .and_then(|v| v.value)
        })
        .await;
    server.shutdown().await.unwrap();
    assert!(
        matches!(score, Some(Value::DoubleValue(v)) if v == 3.0),
        "{score:?}"
    );
}

#[test]
fn basic_prints_the_evaluation_in_the_judged_span() {
    let correlator = Arc::new(BasicContextualCorrelator::new());
    let out = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()));
    let t = Telemetry::new(Arc::new(logger), correlator, Arc::new(BasicMeter::new()));
    let genai = GenAi::new(&t, GenAiConfig::default());
    let agent = genai.invoke_agent(provider::OPENAI, "helper").start();
    let judged = agent.context().clone();
    let id = judged.correlation_id().unwrap().to_string();
    agent.end();
    genai
        .evaluation("user_feedback")
        .score(1.0)
        .label("thumbs_up")
        .explanation("Exactly what I needed")
        .record(&judged)
        .unwrap();
    let lines = out.lines();
    let line = lines
        .iter()
        .find(|l| l.contains(a::EVENT_EVALUATION_RESULT))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    for part in [
        id.as_str(),
        "user_feedback",
        "thumbs_up",
        "Exactly what I needed",
    ] {
        assert!(line.contains(part), "{part} in {line}");
    }
}

#[test]
fn bad_evaluations_are_refused_with_the_reason() {
    let genai = GenAi::new(&Telemetry::noop(), GenAiConfig::default());
    let err = |r: Result<(), telemetry_genai::EvaluationError>| r.unwrap_err().to_string();
    let chat = genai.chat(provider::OPENAI, "gpt-4o").start();
    let cx = chat.context().clone();
    assert!(err(genai.evaluation(" ").score(1.0).record(&cx)).contains("gen_ai.evaluation.name"));
    assert!(err(genai.evaluation("x").score(f64::NAN).record(&cx)).contains("finite"));
    // Neither a span nor a response id.
    assert!(err(genai.evaluation("x").record(&Context::none())).contains("gen_ai.response.id"));
    // Valid, but NoOp telemetry records nothing at INFO: said, not silently dropped.
    let e = err(genai
        .evaluation("x")
        .response_id("chatcmpl-1")
        .record(&Context::none()));
    assert!(e.contains("INFO"), "{e}");
}

#[test]
fn a_long_explanation_is_cut_to_the_content_limit_on_a_character_boundary() {
    let correlator = Arc::new(BasicContextualCorrelator::new());
    let out = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()));
    let t = Telemetry::new(Arc::new(logger), correlator, Arc::new(BasicMeter::new()));
    let genai = GenAi::new(&t, GenAiConfig::default().with_max_content_bytes(256));
    let chat = genai.chat(provider::OPENAI, "gpt-4o").start();
    let judged = chat.context().clone();
    chat.end();
    // 255 ASCII bytes, then two-byte characters: the limit falls inside the first of them.
    let text = format!("{}{}", "x".repeat(255), "é".repeat(10));
    genai
        .evaluation("Relevance")
        .explanation(text)
        .record(&judged)
        .unwrap();
    let lines = out.lines();
    let line = lines
        .iter()
        .find(|l| l.contains(a::EVENT_EVALUATION_RESULT))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(line.contains(&"x".repeat(255)), "{line}");
    assert!(!line.contains('é'), "cut within 256 bytes: {line}");
}
