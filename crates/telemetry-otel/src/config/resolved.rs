//! The resolved configuration: every setting validated and defaulted, as the builder produces
//! it and the pipeline consumes it.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables* and *OTLP Exporter
//! Configuration*. Every variable is read and validated once, from one env source, and the
//! result is set explicitly in code on the SDK and exporters, so what the SDK would read by
//! itself can never disagree with what was validated.

use std::time::Duration;

use telemetry_core::{Attribute, LogLevel};

use crate::config::batch::BatchSettings;
use crate::config::durable::DurableSettings;
use crate::config::exporter::ExporterKind;
use crate::config::limits::SpanLimitSettings;
use crate::config::otlp::{OtlpSettings, TemporalityPref};
use crate::config::propagators::Propagators;
use crate::config::sampler::SamplerConfig;
use crate::config::tail::TailSettings;

/// The resolved configuration. `exporters` and `otlp` are indexed by `Signal::index` (traces,
/// metrics, logs).
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    pub(crate) disabled: bool,
    /// Every resource attribute, `service.name` included, sorted by key (see `resource`).
    pub(crate) resource: Vec<Attribute>,
    pub(crate) exporters: [Vec<ExporterKind>; 3],
    pub(crate) otlp: [OtlpSettings; 3],
    pub(crate) bsp: BatchSettings,
    pub(crate) blrp: BatchSettings,
    pub(crate) metric_interval: Duration,
    pub(crate) temporality: TemporalityPref,
    pub(crate) sampler: SamplerConfig,
    /// The `agent_tail` rules and bounds, when that is the sampler.
    pub(crate) tail: Option<TailSettings>,
    pub(crate) span_limits: SpanLimitSettings,
    pub(crate) propagators: Propagators,
    pub(crate) level: Option<LogLevel>,
    pub(crate) drop_timeout: Duration,
    /// Whether the pipeline's own counts are exported as metrics (`self_metrics`).
    pub(crate) self_observability: bool,
    /// The OTLP exporters' queue bound, retry window and spool (`durable`).
    pub(crate) durable: DurableSettings,
}
