//! The OTLP exporter the SDK's batch processors and periodic reader call: it encodes the batch
//! and hands it to the signal's [`Delivery`], and returns at once. Sending, retrying and
//! spooling happen on the delivery thread, so the SDK's thread is never held by a collector
//! outage and its queue never fills because of one.
//!
//! `force_flush` and `shutdown` here return at once: the SDK bounds them by fixed timeouts of
//! its own (5 s) and ignores the exporter's result at shutdown, so the lifecycle drives
//! delivery's flush and shutdown directly with the caller's deadline.

use std::fmt;
use std::future::{Future, ready};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::export::durable::delivery::Delivery;
use crate::export::durable::encode;

/// See the module docs.
pub(crate) struct DurableExporter {
    pub(crate) delivery: Arc<Delivery>,
    pub(crate) resource: ResourceAttributesWithSchema,
    pub(crate) temporality: Temporality,
}

impl fmt::Debug for DurableExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DurableExporter")
            .field("signal", &self.delivery.signal)
            .field("endpoint", &self.delivery.endpoint)
            .finish_non_exhaustive()
    }
}

impl DurableExporter {
    /// Hands `items` over, encoded by `encode`, unless the backend refused the signal (then
    /// they are counted as refused, without encoding).
    fn hand_off(&self, items: usize, encode: impl FnOnce() -> Result<Vec<u8>, String>) {
        let d = &self.delivery;
        if d.is_refused() {
            d.stats.refused_items(d.signal, items);
            return;
        }
        d.hand_off(encode(), items as u64);
    }
}

impl SpanExporter for DurableExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let encoding = self.delivery.encoding;
        self.hand_off(batch.len(), || {
            encode::spans(batch, &self.resource, encoding)
        });
        ready(Ok(()))
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

impl LogExporter for DurableExporter {
    fn export(&self, batch: LogBatch<'_>) -> impl Future<Output = OTelSdkResult> + Send {
        let encoding = self.delivery.encoding;
        self.hand_off(batch.iter().count(), || {
            encode::logs(&batch, &self.resource, encoding)
        });
        ready(Ok(()))
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}

impl PushMetricExporter for DurableExporter {
    fn export(&self, metrics: &ResourceMetrics) -> impl Future<Output = OTelSdkResult> + Send {
        let encoding = self.delivery.encoding;
        self.hand_off(1, || encode::metrics(metrics, encoding));
        ready(Ok(()))
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn temporality(&self) -> Temporality {
        self.temporality
    }
}
