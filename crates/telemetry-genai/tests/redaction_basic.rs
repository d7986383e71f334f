//! The Basic implementation's log lines carry the same redacted content: every corpus secret
//! in a user message, tool arguments, result and error message, with content on events and
//! compatibility records on, never reaches the log writer.

mod common;

use std::sync::Arc;

use common::corpus::{self, leaks, sentence};
use serde_json::json;
use telemetry_basic::{BasicContextualCorrelator, BasicMeter, MemoryWriter, StdoutLogger};
use telemetry_core::Telemetry;
use telemetry_genai::{CaptureMode, GenAi, GenAiConfig, Message, Usage, provider};

#[test]
fn basic_log_lines_carry_no_secret() {
    let correlator = Arc::new(BasicContextualCorrelator::new());
    let out = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator.clone(), Box::new(out.clone()));
    let t = Telemetry::new(Arc::new(logger), correlator, Arc::new(BasicMeter::new()));
    let genai = GenAi::new(
        &t,
        GenAiConfig::default()
            .with_capture(CaptureMode::SpanAndEvent)
            .with_compat_events(true),
    );
    for c in corpus::cases() {
        out.clear();
        let (text, prefix, suffix) = sentence(&c);
        let mut chat = genai
            .chat(provider::OPENAI, "gpt-4o")
            .input_messages(vec![Message::user(text.clone())])
            .start();
        chat.usage(Usage::new(1, 1))
            .output_messages(vec![Message::assistant(text.clone())]);
        chat.end();
        let mut tool = genai
            .execute_tool("lookup")
            .arguments(json!({"query": text}))
            .start();
        tool.result(&json!({"answer": text}));
        tool.fail("AuthError", &text);
        let logged = out.contents();
        // The user message, the choice, the details event, tool input and output at least.
        assert!(
            logged.matches("[REDACTED:").count() >= 5,
            "{}: {logged}",
            c.name
        );
        let context = format!("{prefix}{suffix}");
        assert_eq!(
            leaks(&logged, &c.secret, &context),
            None,
            "{}: {logged}",
            c.name
        );
    }
}
