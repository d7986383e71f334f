//! The other direction: scopes and log calls through [`TracingCorrelator`] and
//! [`TracingLogger`] reach a `tracing-subscriber` `fmt` stack as spans and events; and with
//! both directions installed nothing loops or is recorded twice.

use std::io;
use std::sync::{Arc, Mutex};

use telemetry_basic::{
    BasicContextualCorrelator, BasicMeter, LogFormat, MemoryWriter, StdoutLogger,
};
use telemetry_core::{ContextualCorrelator, CorrelatorExt as _, LogLevel, Telemetry, attrs};
use telemetry_tracing::{TelemetryLayer, tracing_telemetry};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

/// What `fmt` wrote, like its test writer but readable by the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

fn fmt_layer<S>(out: &Captured) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .with_writer(out.clone())
        .without_time()
}

#[test]
fn scopes_and_log_calls_are_tracing_spans_and_events() {
    let out = Captured::default();
    let subscriber = tracing_subscriber::registry().with(fmt_layer(&out));
    let cid = tracing::subscriber::with_default(subscriber, || {
        let t = tracing_telemetry(LogLevel::Info);
        let request = t
            .correlator
            .enter_scope("request", &attrs!["http.route" => "/v1/chat"]);
        let tool = t.correlator.enter_scope("execute_tool clock", &[]);
        tool.set_attribute("gen_ai.tool.call.id", "call-1");
        t.logger
            .info("tool ran", &attrs!["gen_ai.tool.name" => "clock"]);
        t.logger.debug("below the logger's level", &[]);
        tool.record_error("timeout", "tool timed out");
        drop(tool);
        t.logger.warning("after the tool", &[]);
        request.correlation_id().unwrap()
    });
    let lines = out.lines();
    let ran: Vec<&String> = lines.iter().filter(|l| l.contains("tool ran")).collect();
    assert_eq!(ran.len(), 1, "{lines:#?}");
    let ran = ran[0];
    // fmt prints the event's level, its spans root first with their fields, then its own.
    assert!(ran.contains("INFO"), "{ran}");
    let request_at = ran.find("otel.name=\"request\"").expect("the request span");
    let tool_at = ran
        .find("otel.name=\"execute_tool clock\"")
        .expect("the tool span");
    assert!(request_at < tool_at, "{ran}");
    assert!(ran.contains(&format!("correlation_id={cid}")), "{ran}");
    assert!(ran.contains("http.route=/v1/chat"), "{ran}");
    assert!(
        ran.contains("gen_ai.tool.call.id=call-1"),
        "late attribute: {ran}"
    );
    assert!(ran.contains("attributes=gen_ai.tool.name=clock"), "{ran}");
    assert!(
        !lines.iter().any(|l| l.contains("below the logger's level")),
        "{lines:#?}"
    );
    let after = lines.iter().find(|l| l.contains("after the tool")).unwrap();
    assert!(
        after.contains("WARN") && after.contains("otel.name=\"request\""),
        "{after}"
    );
    assert!(
        !after.contains("execute_tool"),
        "the tool scope ended: {after}"
    );
}

#[test]
fn with_both_directions_installed_nothing_loops_or_is_recorded_twice() {
    let out = Captured::default();
    let basic_lines = MemoryWriter::new();
    let correlator: Arc<dyn ContextualCorrelator> = Arc::new(BasicContextualCorrelator::new());
    let logger = Arc::new(
        StdoutLogger::with_writer(correlator.clone(), Box::new(basic_lines.clone()))
            .format(LogFormat::Json)
            .level(LogLevel::Info),
    );
    let basic = Telemetry::new(logger, correlator, Arc::new(BasicMeter::new()));
    let subscriber = tracing_subscriber::registry()
        .with(fmt_layer(&out))
        .with(TelemetryLayer::new(basic));
    let cid = tracing::subscriber::with_default(subscriber, || {
        // The application reports through `tracing`; a library below it does too.
        let app = tracing_telemetry(LogLevel::Info);
        let request = app.correlator.enter_scope("request", &[]);
        app.logger.info("from the application", &[]);
        let library = tracing::info_span!("library.call").entered();
        tracing::info!("from a library");
        drop(library);
        request.correlation_id().unwrap()
    });
    let lines = out.lines();
    let count = |text: &str| lines.iter().filter(|l| l.contains(text)).count();
    assert_eq!(count("from the application"), 1, "{lines:#?}");
    assert_eq!(count("from a library"), 1, "{lines:#?}");
    // The layer records the library's event once, under the application's scope (and its
    // correlation id), and leaves the application's own event to the `tracing` stack.
    let basic: Vec<serde_json::Value> = basic_lines
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(basic.len(), 1, "{basic:#?}");
    assert_eq!(basic[0]["message"], "from a library");
    assert_eq!(basic[0]["correlation_id"], cid.to_string());
    assert_eq!(
        basic[0]["scope_path"],
        serde_json::json!(["request", "library.call"])
    );
}
