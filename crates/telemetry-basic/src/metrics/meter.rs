//! [`BasicMeter`]: in-memory metric aggregation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use telemetry_core::implement::InstrumentsByName;
use telemetry_core::{
    Attribute, Counter, DEFAULT_BUCKETS, DURATION_BUCKETS_SECONDS, F64Counter, Gauge, Histogram,
    InstrumentDescriptor, Meter, UpDownCounter,
};

use crate::metrics::instrument::{
    CounterAgg, F64CounterAgg, GaugeAgg, HistogramAgg, Info, Registry, UpDownAgg,
};
use crate::metrics::snapshot::{InstrumentKind, MetricsSnapshot};

/// The default number of distinct attribute sets per instrument, as in the OpenTelemetry
/// Metrics SDK (*Cardinality limits*).
pub const DEFAULT_CARDINALITY_LIMIT: usize = 2000;

/// A meter that aggregates in memory, for local use, tests and a Prometheus scrape endpoint.
///
/// - Instruments are cached per meter by name and kind: creating one twice returns a handle
///   to the same aggregation, and the first descriptor (description, unit, boundaries) wins.
///   The by-name methods share the cache with the handles: `record_histogram` and
///   `record_duration` on one name feed one histogram, configured by whichever came first.
/// - Each instrument keeps one series per [`AttributeSet`](telemetry_core::AttributeSet): attribute order does not matter
///   and a repeated key keeps its last value. Past the cardinality limit (default
///   [`DEFAULT_CARDINALITY_LIMIT`] series per instrument) measurements go to one overflow
///   series with the attribute `otel.metric.overflow = true` instead of being lost.
/// - Counters sum `u64` (or `f64`: [`Meter::f64_counter`]), up-down counters sum `i64` (both
///   integer sums wrap on overflow), histograms keep
///   count, sum, min, max and explicit-bucket counts (bucket `i` counts values `v` with
///   `boundaries[i-1] < v <= boundaries[i]`, as OpenTelemetry defines them), gauges keep the
///   last value. Histogram boundaries come from the descriptor, else
///   [`DURATION_BUCKETS_SECONDS`] for unit `s`, else [`DEFAULT_BUCKETS`].
/// - Recording through a handle is one read lock on the instrument's series plus atomics (a
///   short mutex for histograms); by name it is one more read lock to find the handle
///   ([`InstrumentsByName`]). Only a new attribute set takes a write lock.
/// - Invalid names on the by-name methods and non-finite histogram values are dropped and
///   counted in [`telemetry_core::diagnostics`].
///
/// ```
/// use telemetry_core::{InstrumentDescriptor, Meter, attrs};
/// use telemetry_basic::BasicMeter;
///
/// let meter = BasicMeter::new();
/// meter.record_counter("http.server.requests", 1, &attrs!["http.request.method" => "GET"]);
/// let latency = meter.histogram(&InstrumentDescriptor::new("http.server.request.duration")?.seconds());
/// latency.record(0.031, &[]);
///
/// let snapshot = meter.snapshot();
/// assert_eq!(snapshot.counter("http.server.requests", &attrs!["http.request.method" => "GET"]), Some(1));
/// assert_eq!(snapshot.histogram("http.server.request.duration", &[]).unwrap().count, 1);
/// assert!(meter.render_prometheus().contains("http_server_request_duration_seconds_count 1"));
/// # Ok::<(), telemetry_core::MetricError>(())
/// ```
pub struct BasicMeter {
    counters: Registry<CounterAgg>,
    f64_counters: Registry<F64CounterAgg>,
    up_down_counters: Registry<UpDownAgg>,
    histograms: Registry<HistogramAgg>,
    gauges: Registry<GaugeAgg>,
    by_name: InstrumentsByName,
    cardinality_limit: usize,
}

impl BasicMeter {
    /// An empty meter with the default cardinality limit.
    pub fn new() -> Self {
        Self::with_cardinality_limit(DEFAULT_CARDINALITY_LIMIT)
    }

    /// An empty meter keeping at most `limit` attribute sets per instrument (at least 1; the
    /// overflow series comes on top).
    pub fn with_cardinality_limit(limit: usize) -> Self {
        Self {
            counters: Registry::default(),
            f64_counters: Registry::default(),
            up_down_counters: Registry::default(),
            histograms: Registry::default(),
            gauges: Registry::default(),
            by_name: InstrumentsByName::new(),
            cardinality_limit: limit.max(1),
        }
    }

    /// A consistent-per-series copy of every instrument's aggregation, sorted by instrument
    /// name, then kind, then attribute set.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let mut metrics = Vec::new();
        self.counters.collect(&mut metrics);
        self.f64_counters.collect(&mut metrics);
        self.up_down_counters.collect(&mut metrics);
        self.histograms.collect(&mut metrics);
        self.gauges.collect(&mut metrics);
        metrics.sort_by(|a, b| a.name.cmp(&b.name).then(a.kind.cmp(&b.kind)));
        MetricsSnapshot::new(metrics)
    }

    /// The Prometheus text exposition format 0.0.4 of [`snapshot`](Self::snapshot); see
    /// [`MetricsSnapshot::render_prometheus`].
    pub fn render_prometheus(&self) -> String {
        self.snapshot().render_prometheus()
    }
}

impl Default for BasicMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for BasicMeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicMeter")
            .field("counters", &self.counters.len())
            .field("f64_counters", &self.f64_counters.len())
            .field("up_down_counters", &self.up_down_counters.len())
            .field("histograms", &self.histograms.len())
            .field("gauges", &self.gauges.len())
            .field("cardinality_limit", &self.cardinality_limit)
            .finish()
    }
}

impl Meter for BasicMeter {
    fn counter(&self, d: &InstrumentDescriptor) -> Counter {
        let info = Info::from_descriptor(d, InstrumentKind::Counter);
        Counter::new(
            self.counters
                .get_or_create(info, self.cardinality_limit, || ()),
        )
    }

    fn f64_counter(&self, d: &InstrumentDescriptor) -> F64Counter {
        let info = Info::from_descriptor(d, InstrumentKind::Counter);
        F64Counter::new(
            self.f64_counters
                .get_or_create(info, self.cardinality_limit, || ()),
        )
    }

    fn up_down_counter(&self, d: &InstrumentDescriptor) -> UpDownCounter {
        let info = Info::from_descriptor(d, InstrumentKind::UpDownCounter);
        UpDownCounter::new(
            self.up_down_counters
                .get_or_create(info, self.cardinality_limit, || ()),
        )
    }

    fn histogram(&self, d: &InstrumentDescriptor) -> Histogram {
        let info = Info::from_descriptor(d, InstrumentKind::Histogram);
        let boundaries: Arc<[f64]> = match d.boundaries() {
            Some(b) => b.into(),
            None if d.unit() == "s" => DURATION_BUCKETS_SECONDS.into(),
            None => DEFAULT_BUCKETS.into(),
        };
        Histogram::new(
            self.histograms
                .get_or_create(info, self.cardinality_limit, || boundaries),
        )
    }

    fn gauge(&self, d: &InstrumentDescriptor) -> Gauge {
        let info = Info::from_descriptor(d, InstrumentKind::Gauge);
        Gauge::new(
            self.gauges
                .get_or_create(info, self.cardinality_limit, || ()),
        )
    }

    fn record_counter(&self, name: &str, value: u64, attributes: &[Attribute]) {
        self.by_name.add_counter(self, name, value, attributes);
    }

    fn record_histogram(&self, name: &str, value: f64, attributes: &[Attribute]) {
        self.by_name.record_histogram(self, name, value, attributes);
    }

    fn record_duration(&self, name: &str, duration: Duration, attributes: &[Attribute]) {
        self.by_name
            .record_duration(self, name, duration, attributes);
    }
}

#[cfg(test)]
mod tests;
