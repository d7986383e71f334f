//! The `console` trace exporter: each trace as an indented tree on stdout (the same tree as
//! Basic's `telemetry_recorder::TreePrinter`), instead of the SDK's `Debug` dump of each span.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use crate::mapping::convert;
use opentelemetry::trace::Status;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use telemetry_core::{CorrelationId, LogLevel, ScopeEnd, SpanId};
use telemetry_recorder::{
    RecordedEvent, RecordedSpan, Recorder, RecorderConfig, SpanStatus, TreeStyle, render_tree,
};

/// Renders exported spans as trees, printing each trace when its local root arrives.
///
/// Spans arrive in batches in the order they ended (children first), so a trace is complete
/// when its root arrives; a child that ends after its root is not printed. At most 64 traces
/// wait for their root (the oldest are dropped first).
#[derive(Debug)]
pub(crate) struct TreeExporter {
    recorder: Recorder,
}

impl TreeExporter {
    /// Prints to stdout, coloured when stdout is a terminal and `NO_COLOR` is unset or empty.
    pub(crate) fn stdout() -> Self {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self::with_writer(
            TreeStyle {
                color,
                mask_timings: false,
            },
            std::io::stdout,
        )
    }

    /// Prints each trace to the writer `make` returns.
    pub(crate) fn with_writer<W: Write>(
        style: TreeStyle,
        make: impl Fn() -> W + Send + Sync + 'static,
    ) -> Self {
        let recorder = Recorder::new(RecorderConfig::default().max_traces(64));
        let printer = recorder.clone();
        recorder.on_root_end(move |trace| {
            let text = render_tree(trace, style);
            let _ = make().write_all(text.as_bytes());
            // Printed: forget it, so the store only holds traces still waiting for a root.
            printer.forget(trace.trace_id);
        });
        Self { recorder }
    }
}

impl SpanExporter for TreeExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        for span in batch {
            if let Some(s) = recorded(span) {
                self.recorder.record_span(s);
            }
        }
        std::future::ready(Ok(()))
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// An SDK span as the recorder keeps it; `None` for invalid ids.
fn recorded(span: SpanData) -> Option<RecordedSpan> {
    let trace_id = CorrelationId::from_bytes(span.span_context.trace_id().to_bytes())?;
    let span_id = SpanId::from_bytes(span.span_context.span_id().to_bytes())?;
    let parent_span_id = SpanId::from_bytes(span.parent_span_id.to_bytes());
    let attrs = convert::core_attributes(span.attributes);
    let status = match span.status {
        Status::Error { description } => SpanStatus::Error {
            error_type: attrs
                .iter()
                .find(|a| &*a.key == "error.type")
                .map_or_else(|| "error".to_owned(), |a| a.value.to_string()),
            message: description.into_owned(),
        },
        _ => SpanStatus::Unset,
    };
    let events = span
        .events
        .events
        .into_iter()
        .map(|e| {
            let mut attributes = convert::core_attributes(e.attributes);
            // Log calls carry their level as the attributes `level` and `severity_number`
            // (see span.rs): shown as the level, not repeated.
            let level = attributes
                .iter()
                .position(|a| &*a.key == "level")
                .and_then(|i| attributes.remove(i).value.as_str()?.parse().ok())
                .unwrap_or(LogLevel::Info);
            attributes.retain(|a| &*a.key != "severity_number");
            RecordedEvent {
                timestamp: e.timestamp,
                level,
                message: e.name.into_owned(),
                attributes,
            }
        })
        .collect();
    Some(RecordedSpan {
        trace_id,
        span_id,
        parent_span_id,
        is_local_root: parent_span_id.is_none() || span.parent_span_is_remote,
        name: span.name,
        kind: convert::core_span_kind(&span.span_kind),
        start: span.start_time,
        duration: span
            .end_time
            .duration_since(span.start_time)
            .unwrap_or_default(),
        attributes: attrs,
        events,
        status,
        ended: ScopeEnd::Completed,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use telemetry_core::{CorrelatorExt, LogLevel, attrs};

    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<parking_lot::Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_trace_prints_as_a_tree_when_its_root_is_exported() {
        let sink = Sink::default();
        let out = sink.clone();
        let exporter = TreeExporter::with_writer(
            TreeStyle {
                color: false,
                mask_timings: true,
            },
            move || out.clone(),
        );
        let otel = crate::OpenTelemetry::builder("console-test")
            .with_env_source(|_| None)
            .with_exporters(crate::Signal::Logs, &[])
            .with_exporters(crate::Signal::Metrics, &[])
            .with_exporters(crate::Signal::Traces, &[])
            .with_span_exporter(exporter)
            .with_level(Some(LogLevel::Info))
            .build()
            .unwrap();
        let t = otel.telemetry();
        {
            let _root = t
                .correlator
                .enter_scope("request", &attrs!["http.request.method" => "GET"]);
            t.correlator.in_scope(
                "execute_tool clock",
                &attrs!["gen_ai.tool.name" => "clock"],
                || {
                    t.logger.warning("clock skew", &[]);
                },
            );
        }
        futures::executor::block_on(t.force_flush(Duration::from_secs(5))).unwrap();
        let text = String::from_utf8(sink.0.lock().clone()).unwrap();
        assert_eq!(
            text,
            "request … ok method=GET\n└─ execute_tool clock … ok tool=clock\n     · WARN clock skew\n"
        );
    }
}
