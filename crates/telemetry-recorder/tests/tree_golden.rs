//! The terminal tree of a two-tool agent turn, against a golden file (timings masked).
//! `UPDATE_GOLDEN=1 cargo nextest run -p telemetry-recorder tree_golden` rewrites it.

use std::sync::Arc;

use telemetry_basic::{BasicContextualCorrelator, BasicMeter, MemoryWriter, StdoutLogger};
use telemetry_core::{ContextualCorrelator, LogLevel, ScopeOptions, SpanKind, Telemetry, attrs};
use telemetry_genai::{GenAi, GenAiConfig, Usage, provider};
use telemetry_recorder::{Recorder, TreeStyle, render_tree};

#[test]
fn a_two_tool_turn_prints_as_the_golden_tree() {
    let recorder = Recorder::default();
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(MemoryWriter::new()))
        .level(LogLevel::Info);
    let t = recorder.attach(&Telemetry::new(
        Arc::new(logger),
        correlator,
        Arc::new(BasicMeter::new()),
    ));
    let printed = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let sink = printed.clone();
    recorder.on_root_end(move |trace| {
        sink.lock().push(render_tree(
            trace,
            TreeStyle {
                color: false,
                mask_timings: true,
            },
        ));
    });

    let genai = GenAi::new(&t, GenAiConfig::default());
    let request = t.correlator.open_scope(
        ScopeOptions::new("POST /v1/sessions/{id}/messages")
            .kind(SpanKind::Server)
            .attributes(&attrs![
                "http.request.method" => "POST",
                "http.route" => "/v1/sessions/{id}/messages",
            ]),
    );
    {
        let _request = request.enter();
        let mut agent = genai
            .invoke_agent(provider::OPENAI, "assistant")
            .model("scripted-1")
            .start();
        {
            let mut chat = agent.chat(provider::OPENAI, "scripted-1").start();
            let _in_chat = chat.context().attach();
            t.logger.info("model answered", &attrs!["tool_calls" => 2]);
            chat.usage(Usage::new(42, 17))
                .finish_reasons(["tool_calls"]);
            drop(_in_chat);
            chat.end();
        }
        // Both tools open before either ends, as concurrent calls do.
        let calc = agent.execute_tool("calculator").call_id("call_1").start();
        let clock = agent.execute_tool("clock").call_id("call_2").start();
        {
            let _in_clock = clock.context().attach();
            t.logger.warning("clock skew ignored", &[]);
        }
        calc.end();
        clock.end();
        {
            let mut chat = agent.chat(provider::OPENAI, "scripted-1").start();
            chat.usage(Usage::new(80, 12)).finish_reasons(["stop"]);
            chat.end();
        }
        agent.finish_reasons(["stop"]);
        agent.end();
    }
    request.set_attribute("http.response.status_code", 200);
    drop(request);

    let printed = printed.lock();
    assert_eq!(printed.len(), 1, "printed once, when the root ended");
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/two_tool_turn.txt"
    );
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &printed[0]).unwrap();
    }
    let golden = std::fs::read_to_string(path).expect("golden file");
    assert_eq!(
        printed[0], golden,
        "\n--- got ---\n{}\n--- golden ---\n{golden}",
        printed[0]
    );
}
