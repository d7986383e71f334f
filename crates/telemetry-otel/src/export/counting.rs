//! Exporter and processor wrappers that count what passes through them into [`Stats`]: an
//! `Err` from `export` (collector down, HTTP 4xx/5xx, timeout) is a failed export of that many
//! items.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, LogProcessor, SdkLogRecord};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::export::http_client::LastTransportError;
use crate::failures::Stats;
use crate::signal::Signal;

/// Where a counted exporter sends, for its failure warnings.
#[derive(Clone, Debug, Default)]
pub(crate) struct Target {
    /// The endpoint URL, or `stdout` for the console exporter.
    pub(crate) endpoint: Arc<str>,
    /// Where the HTTP client records its transport errors (HTTP exporters only).
    pub(crate) transport: Option<Arc<LastTransportError>>,
}

impl Target {
    pub(crate) fn new(endpoint: &str) -> Self {
        Self {
            endpoint: endpoint.into(),
            transport: None,
        }
    }

    fn report(&self, stats: &Stats, signal: Signal, items: usize, r: &OTelSdkResult) {
        let transport = match r {
            Err(_) => self.transport.as_ref().and_then(|t| t.take()),
            Ok(()) => None,
        };
        stats.export_result(signal, &self.endpoint, items, r, transport);
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

impl<E: SpanExporter> SpanExporter for Counting<E> {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let n = batch.len();
        let fut = self.inner.export(batch);
        async move {
            let r = fut.await;
            self.target.report(&self.stats, Signal::Traces, n, &r);
            r
        }
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
        let fut = self.inner.export(batch);
        async move {
            let r = fut.await;
            self.target.report(&self.stats, Signal::Logs, n, &r);
            r
        }
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
        let fut = self.inner.export(metrics);
        async move {
            let r = fut.await;
            self.target.report(&self.stats, Signal::Metrics, 1, &r);
            r
        }
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
/// full) can be computed: submitted − exported − failed. (Spans are counted when they start,
/// in `Stats::span_started`.)
#[derive(Debug)]
pub(crate) struct CountingLogProcessor<P> {
    pub(crate) inner: P,
    pub(crate) stats: Arc<Stats>,
}

impl<P: LogProcessor> LogProcessor for CountingLogProcessor<P> {
    fn emit(&self, data: &mut SdkLogRecord, instrumentation: &InstrumentationScope) {
        self.stats
            .signal(Signal::Logs)
            .submitted
            .fetch_add(1, Ordering::Relaxed);
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
