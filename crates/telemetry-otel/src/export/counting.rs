//! Exporter and processor wrappers that count what passes through them into [`Stats`]: the
//! console exporter and span exporters given in code, whose every `Err` from `export` is a
//! failed export of that many items. (The OTLP exporters count their own outcomes, see
//! `durable`.)
//!
//! [`Target::refused`] is set once an OTLP backend answered that it does not accept the
//! signal; the log processor in front then stops queueing records for it, and the wrapper
//! drops batches without calling the exporter. The check on each export is one atomic load.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, LogProcessor, SdkLogRecord};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::failures::Stats;
use crate::signal::Signal;

/// Where a counted exporter sends, for its failure warnings, and whether its backend refused
/// the signal.
#[derive(Clone, Debug, Default)]
pub(crate) struct Target {
    /// The endpoint URL, or `stdout` for the console exporter.
    pub(crate) endpoint: Arc<str>,
    /// Set once the backend answered that it does not accept the signal; shared with the log
    /// processor in front of the exporter, which then stops queueing records for it.
    pub(crate) refused: Arc<AtomicBool>,
}

impl Target {
    pub(crate) fn new(endpoint: &str) -> Self {
        Self {
            endpoint: endpoint.into(),
            ..Self::default()
        }
    }

    #[inline]
    fn is_refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    /// Counts an export's result: every error is a failure.
    fn report(
        &self,
        stats: &Stats,
        signal: Signal,
        items: usize,
        r: OTelSdkResult,
    ) -> OTelSdkResult {
        stats.export_result(signal, &self.endpoint, items, &r);
        r
    }
}

/// Wraps an exporter of any signal and counts what it reports.
pub(crate) struct Counting<E> {
    pub(crate) inner: E,
    pub(crate) stats: Arc<Stats>,
    pub(crate) target: Target,
}

impl<E: fmt::Debug> fmt::Debug for Counting<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Counting").field(&self.inner).finish()
    }
}

impl<E> Counting<E> {
    /// Awaits the inner export and counts its result; `None` (the backend refused the signal
    /// earlier) counts the items as refused without sending them.
    async fn counted(
        &self,
        signal: Signal,
        items: usize,
        export: Option<impl std::future::Future<Output = OTelSdkResult>>,
    ) -> OTelSdkResult {
        match export {
            Some(fut) => self.target.report(&self.stats, signal, items, fut.await),
            None => {
                self.stats.refused_items(signal, items);
                Ok(())
            }
        }
    }
}

impl<E: SpanExporter> SpanExporter for Counting<E> {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let n = batch.len();
        let fut = (!self.target.is_refused()).then(|| self.inner.export(batch));
        self.counted(Signal::Traces, n, fut)
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: LogExporter> LogExporter for Counting<E> {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let n = batch.iter().count();
        let fut = (!self.target.is_refused()).then(|| self.inner.export(batch));
        self.counted(Signal::Logs, n, fut)
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: PushMetricExporter> PushMetricExporter for Counting<E> {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let fut = (!self.target.is_refused()).then(|| self.inner.export(metrics));
        self.counted(Signal::Metrics, 1, fut)
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}

/// Counts log records handed to the pipeline, so that what never reached an exporter (queue
/// full) can be computed: submitted − exported − failed − refused. (Spans are counted when
/// they start, in `Stats::span_started`.) Once the exporter's backend has refused logs, records
/// are counted as refused here instead of being queued for an exporter that sends nothing.
#[derive(Debug)]
pub(crate) struct CountingLogProcessor<P> {
    pub(crate) inner: P,
    pub(crate) stats: Arc<Stats>,
    /// The exporter's [`Target::refused`].
    pub(crate) refused: Arc<AtomicBool>,
}

impl<P: LogProcessor> LogProcessor for CountingLogProcessor<P> {
    fn emit(&self, data: &mut SdkLogRecord, instrumentation: &InstrumentationScope) {
        let st = self.stats.signal(Signal::Logs);
        st.submitted.fetch_add(1, Ordering::Relaxed);
        if self.refused.load(Ordering::Relaxed) {
            st.refused_items.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.inner.emit(data, instrumentation);
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
