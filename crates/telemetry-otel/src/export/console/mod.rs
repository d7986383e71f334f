//! The `console` trace exporter: each trace printed once, as an indented tree on stdout (the
//! tree of `telemetry_recorder::render_tree`, as the trace view and `--trace-tree` show it),
//! instead of the SDK's `Debug` dump of each span.
//!
//! Spans reach an exporter in batches, in the order they ended, and a trace's spans can span
//! several batches: a child may end after its root, and a call the process makes to itself
//! has a SERVER span whose parent (remote, by its `traceparent`) is a CLIENT span of this
//! process that ends after it. So a span processor in front of the batch processor notes each
//! span as it starts ([`OpenSpans`]), and the exporter ([`TreeExporter`]) holds a trace's
//! ended spans until none it started is still to come and its local root is among them.

mod open_spans;
mod recorded;
mod tree_exporter;

#[cfg(test)]
mod tests;

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::Context;
use opentelemetry::trace::{Span as _, TraceContextExt};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchConfig, BatchSpanProcessor, Span, SpanData, SpanProcessor};
use telemetry_recorder::TreeStyle;

use crate::export::counting::{Counting, Target};
use crate::failures::Stats;
use open_spans::OpenSpans;
pub(crate) use tree_exporter::{INCOMPLETE_AFTER, Settings, TreeExporter};

/// The console trace pipeline on stdout: coloured when stdout is a terminal and `NO_COLOR` is
/// unset or empty; a trace still incomplete [`INCOMPLETE_AFTER`] plus one `schedule_delay`
/// after its first span was exported prints anyway, marked.
pub(crate) fn stdout(
    stats: Arc<Stats>,
    batch: BatchConfig,
    schedule_delay: Duration,
) -> ConsoleSpanProcessor {
    let color = std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut settings = Settings::new(TreeStyle {
        color,
        mask_timings: false,
    });
    settings.incomplete_after = INCOMPLETE_AFTER.saturating_add(schedule_delay);
    let exporter = TreeExporter::new(settings, |text| {
        // A failed write is ignored: printing never fails the application.
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    });
    ConsoleSpanProcessor::new(exporter, stats, batch)
}

/// A batch processor exporting to a [`TreeExporter`] (counted as `stdout` in
/// `ExportFailures`), with the open-span bookkeeping in front.
#[derive(Debug)]
pub(crate) struct ConsoleSpanProcessor {
    open: Arc<OpenSpans>,
    inner: BatchSpanProcessor,
}

impl ConsoleSpanProcessor {
    pub(crate) fn new(exporter: TreeExporter, stats: Arc<Stats>, batch: BatchConfig) -> Self {
        let open = exporter.open_spans();
        let inner = BatchSpanProcessor::builder(Counting {
            inner: exporter,
            stats,
            target: Target::new("stdout"),
        })
        .with_batch_config(batch)
        .build();
        Self { open, inner }
    }
}

impl SpanProcessor for ConsoleSpanProcessor {
    /// Notes the span (one short lock) if it will be exported, that is if sampled.
    fn on_start(&self, span: &mut Span, cx: &Context) {
        let sc = span.span_context();
        if sc.is_sampled() {
            // The SDK takes the parent from `cx` the same way.
            let parent = cx.span();
            let parent = parent.span_context();
            let remote = (parent.is_valid() && parent.is_remote()).then(|| parent.span_id());
            self.open.started(sc.trace_id(), sc.span_id(), remote);
        }
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    /// The batch processor exports what it holds, then shuts the exporter down, which prints
    /// every trace still waiting, marked.
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
