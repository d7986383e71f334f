//! `POST /v1/feedback` on the real binary (`agent-engine serve --open-telemetry`, exporting
//! over OTLP/HTTP to an in-process receiver): feedback on a turn arrives as one
//! `gen_ai.evaluation.result` log record (semantic-conventions v1.41.0,
//! `model/gen-ai/events.yaml`) with the turn's trace id, its `invoke_agent` span id and the
//! four attributes; malformed feedback gets the usual 4xx JSON errors; the turn's cost is on
//! its reply and its spans.
#![cfg(unix)]

mod common;

use serde_json::{Value, json};
use telemetry_testkit::mock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_on_a_turn_becomes_one_evaluation_record_on_its_invoke_agent_span() {
    let receiver = mock::receiver().await;
    let mut env = common::engine::otlp_env(
        &format!("http://{}", receiver.addr()),
        "http/protobuf",
        "agent-engine-feedback",
    );
    // The default export timeout, as the engine runs by default.
    env.push(("OTEL_EXPORTER_OTLP_TIMEOUT".to_owned(), "10000".to_owned()));
    // The built-in price table, whatever the environment running the tests says.
    let engine = common::engine::Engine::start_with(std::iter::empty::<&str>(), &env, |c| {
        c.env_remove("AGENT_TELEMETRY_GENAI_PRICES");
    });
    let http = agent_engine::tls::client().unwrap();
    let base = format!("http://{}", engine.addr);
    let session = common::api::new_session(&http, &base, Some("assistant")).await;
    let (_, turn) = common::api::say(&http, &base, &session, "what is 6 * 7?").await;
    let trace_id = turn["correlation_id"].as_str().unwrap().to_owned();
    let usage = &turn["usage"];
    let cost = usage["cost_usd"]
        .as_f64()
        .expect("the scripted model is priced");
    let want = usage["input_tokens"].as_f64().unwrap() * 0.15e-6
        + usage["output_tokens"].as_f64().unwrap() * 0.6e-6;
    assert!((cost - want).abs() < 1e-15, "{cost} != {want}");

    let feedback = |body: Value| {
        let http = http.clone();
        let url = format!("{base}/v1/feedback");
        async move {
            let r = http.post(url).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let (status, accepted) = feedback(json!({
        "correlation_id": trace_id,
        "name": "user_feedback",
        "score": 0.5,
        "label": "partly_right",
        "explanation": "The sum was right, the tone was not",
    }))
    .await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(accepted["correlation_id"], trace_id.as_str());

    // Malformed feedback: nothing recorded, the usual JSON error.
    let long = "x".repeat(64 * 1024 + 1);
    for (body, want, says) in [
        (
            json!({"correlation_id": "0123456789abcdef0123456789abcdef", "name": "n", "score": 1}),
            404,
            "unknown correlation_id",
        ),
        (
            json!({"correlation_id": trace_id, "name": "n"}),
            400,
            "missing \"score\"",
        ),
        (
            json!({"correlation_id": trace_id, "name": "n", "score": "high"}),
            422,
            "\"score\" is a string",
        ),
        (
            json!({"correlation_id": trace_id, "name": " ", "score": 1}),
            422,
            "\"name\" is empty",
        ),
        (
            json!({"correlation_id": trace_id, "score": 1}),
            400,
            "missing \"name\"",
        ),
        (
            json!({"name": "n", "score": 1}),
            400,
            "missing \"correlation_id\"",
        ),
        (
            json!({"correlation_id": trace_id, "name": "n", "score": 1, "stars": 5}),
            400,
            "unknown field",
        ),
        (
            json!({"correlation_id": trace_id, "name": "n", "score": 1, "explanation": long}),
            413,
            "--max-message-bytes",
        ),
        (json!([1]), 422, "expected a JSON object"),
    ] {
        let (status, error) = feedback(body.clone()).await;
        let message = error["error"].as_str().unwrap_or_default();
        assert_eq!(status, want, "{body}: {error}");
        assert!(message.contains(says), "{body}: {message}");
    }

    // Exits 0 (asserted), so every span and log record was flushed.
    engine.stop();

    let got = receiver.with_collector(mock::received).await;
    receiver.shutdown().await.unwrap();
    let agent = got
        .spans
        .iter()
        .find(|s| s.trace_id == trace_id && s.name == "invoke_agent assistant")
        .unwrap_or_else(|| panic!("the turn's invoke_agent span: {:#?}", got.spans));
    assert_eq!(
        agent
            .attr("agent_telemetry.gen_ai.usage.cost")
            .map(|c| c.parse::<f64>().unwrap()),
        Some(cost)
    );
    let evaluations: Vec<_> = got
        .logs
        .iter()
        .filter(|l| l.event_name == "gen_ai.evaluation.result")
        .collect();
    assert_eq!(evaluations.len(), 1, "{:#?}", got.logs);
    let e = evaluations[0];
    assert_eq!(e.trace_id, trace_id);
    assert_eq!(e.span_id, agent.span_id);
    assert_eq!(accepted["span_id"], agent.span_id.as_str());
    assert_eq!(e.attr("gen_ai.evaluation.name"), Some("user_feedback"));
    assert_eq!(e.attr("gen_ai.evaluation.score.value"), Some("0.5"));
    assert_eq!(
        e.attr("gen_ai.evaluation.score.label"),
        Some("partly_right")
    );
    assert_eq!(
        e.attr("gen_ai.evaluation.explanation"),
        Some("The sum was right, the tone was not")
    );
}
