//! The loggers: line layouts, levels, files, fan-out and write failures.

use std::io;
use std::sync::Arc;

use regex::Regex;
use telemetry_basic::{
    BasicContextualCorrelator, ColorChoice, CompositeLogger, FileLogger, LogFormat, MemoryWriter,
    StdoutLogger,
};
use telemetry_core::{
    Attribute, ContextualCorrelator, CorrelatorExt, Lifecycle, LogLevel, Logger, attrs,
};

fn correlator() -> Arc<dyn ContextualCorrelator> {
    Arc::new(BasicContextualCorrelator::new())
}

fn text_logger(out: &MemoryWriter) -> StdoutLogger {
    StdoutLogger::with_writer(correlator(), Box::new(out.clone())).color(ColorChoice::Never)
}

const TS: &str = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z";

#[test]
fn text_lines_outside_any_scope() {
    let out = MemoryWriter::new();
    let logger = text_logger(&out);
    logger.info(
        "engine started",
        &attrs!["port" => 8080, "mode" => "two words"],
    );
    logger.warning(
        "odd \"input\"",
        &attrs!["empty" => "", "eq" => "a=b", "ok" => true],
    );

    let lines = out.lines();
    let re = Regex::new(&format!(
        r#"^{TS} INFO  \[-\] engine started port=8080 mode="two words"$"#
    ))
    .unwrap();
    assert!(re.is_match(&lines[0]), "{}", lines[0]);
    let re = Regex::new(&format!(
        r#"^{TS} WARN  \[-\] odd "input" empty="" eq="a=b" ok=true$"#
    ))
    .unwrap();
    assert!(re.is_match(&lines[1]), "{}", lines[1]);
}

#[test]
fn text_lines_inside_scopes() {
    let out = MemoryWriter::new();
    let c = correlator();
    let logger = StdoutLogger::with_writer(c.clone(), Box::new(out.clone()));
    let _request = c.enter_scope("POST /v1/sessions", &[]);
    let _agent = c.enter_scope("invoke_agent planner", &[]);
    let id = c.correlation_id().unwrap();
    logger.error(
        "tool failed\nsecond line",
        &attrs!["tools" => vec!["a", "b"], "ratio" => 0.5, "n" => -3],
    );

    let lines = out.lines();
    assert_eq!(
        lines.len(),
        1,
        "a newline in the message must not split the record"
    );
    let re = Regex::new(&format!(
        r#"^{TS} ERROR \[{id}\]\[POST /v1/sessions\]\[invoke_agent planner\] tool failed\\nsecond line tools="\[a, b\]" ratio=0.5 n=-3$"#
    ))
    .unwrap();
    assert!(re.is_match(&lines[0]), "{}", lines[0]);
    assert!(
        Regex::new("^[0-9a-f]{32}$")
            .unwrap()
            .is_match(&id.to_string())
    );
}

#[test]
fn text_level_is_coloured_only_when_asked() {
    let out = MemoryWriter::new();
    let logger = text_logger(&out).color(ColorChoice::Always);
    logger.error("boom", &[]);
    assert!(
        out.contents().contains(" \x1b[31mERROR\x1b[0m [-] boom"),
        "{:?}",
        out.contents()
    );

    // Auto never colours a writer that is not stdout.
    let out = MemoryWriter::new();
    let logger = StdoutLogger::with_writer(correlator(), Box::new(out.clone()));
    logger.error("boom", &[]);
    assert!(!out.contents().contains('\x1b'));
}

#[test]
fn json_lines_follow_the_schema() {
    let out = MemoryWriter::new();
    let c = correlator();
    let logger =
        StdoutLogger::with_writer(c.clone(), Box::new(out.clone())).format(LogFormat::Json);

    logger.info("outside", &[]);
    let scope = c.enter_scope("POST /v1/sessions", &[]);
    let inner = c.enter_scope("execute_tool clock", &[]);
    let attributes = [
        Attribute::new("s", "x"),
        Attribute::new("i", 42),
        Attribute::new("f", 1.5),
        Attribute::new("b", true),
        Attribute::new("nan", f64::NAN),
        Attribute::new("inf", f64::INFINITY),
        Attribute::new("ninf", f64::NEG_INFINITY),
        Attribute::new("ss", vec!["a", "b"]),
        Attribute::new("ii", vec![1i64, 2]),
        Attribute::new("ff", vec![0.5, f64::NAN]),
        Attribute::new("bb", vec![true, false]),
        Attribute::new("dup", 1),
        Attribute::new("dup", 2),
    ];
    logger.critical("inside \"quoted\"", &attributes);
    let id = c.correlation_id().unwrap().to_string();
    let span = c.current().span_id().unwrap().to_string();
    drop(inner);
    drop(scope);

    let lines = out.lines();
    assert_eq!(lines.len(), 2);
    let outside: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(outside.as_object().unwrap().len(), 7, "{}", lines[0]);
    // Keys are always present and in this order.
    let order = [
        "timestamp",
        "level",
        "message",
        "correlation_id",
        "span_id",
        "scope_path",
        "attributes",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|k| lines[0].find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", lines[0]);
    assert!(
        Regex::new(&format!("^{TS}$"))
            .unwrap()
            .is_match(outside["timestamp"].as_str().unwrap())
    );
    assert_eq!(outside["level"], "info");
    assert_eq!(outside["message"], "outside");
    assert!(outside["correlation_id"].is_null());
    assert!(outside["span_id"].is_null());
    assert_eq!(outside["scope_path"], serde_json::json!([]));
    assert_eq!(outside["attributes"], serde_json::json!({}));

    let inside: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(inside["level"], "critical");
    assert_eq!(inside["message"], "inside \"quoted\"");
    assert_eq!(inside["correlation_id"], id.as_str());
    assert_eq!(inside["span_id"], span.as_str());
    assert_eq!(
        inside["scope_path"],
        serde_json::json!(["POST /v1/sessions", "execute_tool clock"])
    );
    assert_eq!(
        inside["attributes"],
        serde_json::json!({
            "s": "x", "i": 42, "f": 1.5, "b": true,
            "nan": "NaN", "inf": "inf", "ninf": "-inf",
            "ss": ["a", "b"], "ii": [1, 2], "ff": [0.5, "NaN"], "bb": [true, false],
            "dup": 2,
        })
    );
}

#[test]
fn levels_filter_and_change_at_run_time() {
    let out = MemoryWriter::new();
    let logger = text_logger(&out).level(LogLevel::Warning);
    assert_eq!(Logger::level(&logger), Some(LogLevel::Warning));
    assert!(!logger.enabled(LogLevel::Info) && logger.enabled(LogLevel::Warning));

    logger.debug("d", &[]);
    logger.info("i", &[]);
    logger.warning("w", &[]);
    logger.log_fmt(LogLevel::Info, format_args!("{} filtered", 1), &[]);
    assert_eq!(out.lines().len(), 1);

    logger.set_level(Some(LogLevel::Trace));
    logger.trace("t", &[]);
    logger.log_fmt(LogLevel::Debug, format_args!("{} tools", 3), &[]);
    logger.set_level(None);
    assert_eq!(Logger::level(&logger), None);
    logger.critical("off", &[]);

    let messages: Vec<String> = out
        .lines()
        .iter()
        .map(|l| l.split("[-] ").nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(messages, ["w", "t", "3 tools"]);
}

struct FailingWriter;

impl io::Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "pipe closed"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn failed_writes_are_counted_not_raised() {
    let logger = StdoutLogger::with_writer(correlator(), Box::new(FailingWriter));
    for _ in 0..3 {
        logger.info("lost", &[]);
    }
    logger.debug("below the level: not a write", &[]);
    assert_eq!(logger.dropped_lines(), 3);
}

#[tokio::test]
async fn file_logger_creates_parent_dirs_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/agent.jsonl");
    let c = correlator();

    let first = FileLogger::open(&path, c.clone()).unwrap();
    first.info("one", &[]);
    first.debug("filtered", &[]);
    first
        .force_flush(std::time::Duration::from_secs(1))
        .await
        .unwrap();
    drop(first);

    let second = FileLogger::open(&path, c.clone())
        .unwrap()
        .level(LogLevel::Debug);
    let scope = c.enter_scope("request", &[]);
    second.debug("two", &attrs!["k" => "v"]);
    drop(scope);
    second
        .shutdown(std::time::Duration::from_secs(1))
        .await
        .unwrap();
    second
        .shutdown(std::time::Duration::from_secs(1))
        .await
        .unwrap();
    second.info("after shutdown", &[]);
    assert_eq!(second.dropped_lines(), 1);

    let text = std::fs::read_to_string(&path).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{text}");
    assert_eq!(records[0]["message"], "one");
    assert_eq!(records[1]["message"], "two");
    assert_eq!(records[1]["scope_path"], serde_json::json!(["request"]));
    assert_eq!(records[1]["attributes"]["k"], "v");
}

#[test]
fn file_logger_on_an_unwritable_path_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "not a directory").unwrap();
    let path = file.join("logs/agent.jsonl");

    let err = FileLogger::open(&path, correlator()).unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.starts_with("cannot open log file"), "{message}");
    assert_eq!(err.path(), path);
    let source = std::error::Error::source(&err).expect("the OS error");
    assert!(message.contains(&source.to_string()), "{message}");

    // A directory where the file should be.
    let err = FileLogger::open(dir.path(), correlator()).unwrap_err();
    assert!(
        err.to_string().contains(&dir.path().display().to_string()),
        "{err}"
    );
}

#[test]
fn composite_logger_fans_out() {
    let c = correlator();
    let (a, b) = (MemoryWriter::new(), MemoryWriter::new());
    let composite = CompositeLogger::new(vec![
        Arc::new(StdoutLogger::with_writer(c.clone(), Box::new(a.clone())).level(LogLevel::Debug)),
        Arc::new(
            StdoutLogger::with_writer(c.clone(), Box::new(b.clone()))
                .format(LogFormat::Json)
                .level(LogLevel::Error),
        ),
    ]);
    assert_eq!(composite.level(), Some(LogLevel::Debug));
    assert!(composite.enabled(LogLevel::Debug) && !composite.enabled(LogLevel::Trace));

    let _scope = c.enter_scope("request", &[]);
    let id = c.correlation_id().unwrap().to_string();
    composite.debug("debug", &[]);
    composite.error("error", &attrs!["k" => 1]);
    assert_eq!(a.lines().len(), 2);
    assert_eq!(b.lines().len(), 1);
    assert!(a.lines()[1].contains(&format!("[{id}][request] error k=1")));
    let json: serde_json::Value = serde_json::from_str(&b.lines()[0]).unwrap();
    assert_eq!(json["correlation_id"], id.as_str());

    composite.set_level(Some(LogLevel::Critical));
    assert_eq!(composite.level(), Some(LogLevel::Critical));
    composite.error("filtered everywhere", &[]);
    assert_eq!((a.lines().len(), b.lines().len()), (2, 1));
    composite.set_level(None);
    assert!(!composite.enabled(LogLevel::Critical));
    assert_eq!(composite.level(), None);
}

#[test]
fn concurrent_lines_never_interleave() {
    let out = MemoryWriter::new();
    let logger = Arc::new(text_logger(&out));
    let long = "x".repeat(4096);
    std::thread::scope(|s| {
        for t in 0..8 {
            let (logger, long) = (logger.clone(), long.clone());
            s.spawn(move || {
                for _ in 0..200 {
                    logger.info(&long, &attrs!["thread" => t]);
                }
            });
        }
    });
    let lines = out.lines();
    assert_eq!(lines.len(), 1600);
    // Every line is exactly one whole record: prefix, the full message, one attribute.
    let ts = Regex::new(&format!("^{TS}$")).unwrap();
    for line in &lines {
        let (timestamp, rest) = line.split_once(" INFO  [-] ").expect(line);
        assert!(ts.is_match(timestamp), "{timestamp}");
        let (message, attribute) = rest.split_once(' ').expect(line);
        assert_eq!(message, long);
        assert!(
            matches!(
                attribute.as_bytes(),
                [b't', b'h', b'r', b'e', b'a', b'd', b'=', b'0'..=b'7']
            ),
            "{attribute}"
        );
    }
}

/// Structured values (the OTLP kvlist/array forms GenAI content uses on events) print as JSON:
/// nested in a JSON line, and as JSON text in a text line.
#[test]
fn structured_values_print_as_json() {
    use telemetry_core::AttributeValue;
    let message = AttributeValue::Array(vec![AttributeValue::Map(vec![
        Attribute::new("role", "user"),
        Attribute::new(
            "parts",
            AttributeValue::Array(vec![AttributeValue::Map(vec![
                Attribute::new("type", "text"),
                Attribute::new("content", "hi"),
            ])]),
        ),
    ])]);
    let attributes = [Attribute::new("gen_ai.input.messages", message)];

    let out = MemoryWriter::new();
    StdoutLogger::with_writer(correlator(), Box::new(out.clone()))
        .format(LogFormat::Json)
        .info("details", &attributes);
    let line: serde_json::Value = serde_json::from_str(&out.lines()[0]).unwrap();
    let expected =
        serde_json::json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}]);
    assert_eq!(
        line["attributes"]["gen_ai.input.messages"], expected,
        "{line}"
    );

    let out = MemoryWriter::new();
    text_logger(&out).info("details", &attributes);
    // The JSON text, quoted as any text value with quotes is.
    let text = &out.lines()[0];
    assert!(
        text.ends_with(
            r#"gen_ai.input.messages="[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"hi\"}]}]""#
        ),
        "{text}"
    );
}
