//! [`log_resource`]: the resource a process reports, printed once at start-up.

use telemetry_core::{Attribute, LogLevel, Logger};

/// The message of the line [`log_resource`] writes.
pub const RESOURCE_MESSAGE: &str = "resource";

/// Logs `resource` (the attributes that describe this process: `service.name`,
/// `service.instance.id`, `host.name`, …) as one INFO record with the message `resource`, in
/// the logger's own format, so that Basic telemetry shows what an OpenTelemetry backend would
/// see. Call it once at start-up, outside any scope; a logger above INFO skips it.
///
/// Basic telemetry detects nothing itself (it has no OpenTelemetry dependency): get the
/// attributes from `telemetry_otel::OpenTelemetryBuilder::resource_attributes` (detected,
/// `OTEL_RESOURCE_ATTRIBUTES`, code and `service.name`, as an OpenTelemetry pipeline would
/// export them) or build them yourself. A repeated key keeps its last value.
///
/// Text:
///
/// ```text
/// 2026-12-01T00:40:00.123456Z INFO  [-] resource host.arch=amd64 host.name=web-1 os.type=linux process.pid=4242 service.instance.id=2f1c…-4…
/// ```
///
/// JSON: the usual record (see [`LogFormat`](crate::LogFormat)) with `"message":"resource"`
/// and the resource in `attributes`, integers as numbers.
///
/// ```
/// use std::sync::Arc;
/// use telemetry_core::Attribute;
/// use telemetry_basic::{BasicContextualCorrelator, ColorChoice, LogFormat, MemoryWriter, StdoutLogger};
///
/// let out = MemoryWriter::new();
/// let logger = StdoutLogger::with_writer(Arc::new(BasicContextualCorrelator::new()), Box::new(out.clone()))
///     .format(LogFormat::Text)
///     .color(ColorChoice::Never);
/// let resource = [Attribute::new("service.name", "my-agent"), Attribute::new("process.pid", 4242)];
/// telemetry_basic::log_resource(&logger, &resource);
/// assert!(out.lines()[0].ends_with(" INFO  [-] resource service.name=my-agent process.pid=4242"));
/// ```
pub fn log_resource(logger: &dyn Logger, resource: &[Attribute]) {
    logger.log(LogLevel::Info, RESOURCE_MESSAGE, resource);
}
