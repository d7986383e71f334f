//! `log_resource`: the start-up resource line, in text and JSON.

use std::sync::Arc;

use regex::Regex;
use telemetry_basic::{
    BasicContextualCorrelator, ColorChoice, LogFormat, MemoryWriter, StdoutLogger, log_resource,
};
use telemetry_core::{Attribute, LogLevel};

fn logger(out: &MemoryWriter, format: LogFormat) -> StdoutLogger {
    StdoutLogger::with_writer(
        Arc::new(BasicContextualCorrelator::new()),
        Box::new(out.clone()),
    )
    .format(format)
    .color(ColorChoice::Never)
}

/// A resource as telemetry-otel resolves one (sorted by key, `process.pid` an integer).
fn resource() -> Vec<Attribute> {
    vec![
        Attribute::new("host.arch", "amd64"),
        Attribute::new("host.name", "web-1"),
        Attribute::new(
            "os.description",
            "Debian GNU/Linux 12 (bookworm) (Linux 6.1.0)",
        ),
        Attribute::new("process.pid", 4242),
        Attribute::new(
            "service.instance.id",
            "0f8fad5b-d9cb-469f-a165-70867728950e",
        ),
        Attribute::new("service.name", "agent-engine"),
    ]
}

#[test]
fn text_line_lists_the_resource_outside_any_scope() {
    let out = MemoryWriter::new();
    log_resource(&logger(&out, LogFormat::Text), &resource());
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let re = Regex::new(
        r#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z INFO  \[-\] resource host\.arch=amd64 host\.name=web-1 os\.description="Debian GNU/Linux 12 \(bookworm\) \(Linux 6\.1\.0\)" process\.pid=4242 service\.instance\.id=0f8fad5b-d9cb-469f-a165-70867728950e service\.name=agent-engine$"#,
    )
    .unwrap();
    assert!(re.is_match(&lines[0]), "{}", lines[0]);
}

#[test]
fn json_line_carries_the_resource_as_typed_attributes() {
    let out = MemoryWriter::new();
    log_resource(&logger(&out, LogFormat::Json), &resource());
    let lines = out.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(v["level"], "info");
    assert_eq!(v["message"], "resource");
    assert_eq!(v["correlation_id"], serde_json::Value::Null);
    assert_eq!(
        v["attributes"],
        serde_json::json!({
            "host.arch": "amd64",
            "host.name": "web-1",
            "os.description": "Debian GNU/Linux 12 (bookworm) (Linux 6.1.0)",
            "process.pid": 4242,
            "service.instance.id": "0f8fad5b-d9cb-469f-a165-70867728950e",
            "service.name": "agent-engine",
        })
    );
}

#[test]
fn a_logger_above_info_skips_it() {
    let out = MemoryWriter::new();
    log_resource(
        &logger(&out, LogFormat::Text).level(LogLevel::Warning),
        &resource(),
    );
    assert!(out.lines().is_empty());
}
