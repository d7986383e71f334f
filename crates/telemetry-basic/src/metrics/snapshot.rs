//! [`MetricsSnapshot`]: a copy of a [`BasicMeter`](crate::BasicMeter)'s aggregations, with
//! lookups by instrument name and attribute set.

use std::cmp::Ordering;

use telemetry_core::{Attribute, AttributeSet};

/// The kind of an instrument (OpenTelemetry Metrics API, *Instrument*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstrumentKind {
    /// Monotonic sum of `u64`, or of `f64` ([`SeriesValue::F64Counter`]).
    Counter,
    /// Non-monotonic sum of `i64`.
    UpDownCounter,
    /// Distribution of `f64`: count, sum, min, max, explicit buckets.
    Histogram,
    /// Last value of `f64`.
    Gauge,
}

/// Every instrument of a meter at one moment, sorted by name, then kind.
///
/// Each series is read atomically; different series may be read a moment apart.
///
/// ```
/// use telemetry_core::{Meter, attrs};
/// let meter = telemetry_basic::BasicMeter::new();
/// meter.record_counter("tool.calls", 2, &attrs!["tool" => "search", "outcome" => "ok"]);
/// let s = meter.snapshot();
/// // Attribute order does not matter in lookups.
/// assert_eq!(s.counter("tool.calls", &attrs!["outcome" => "ok", "tool" => "search"]), Some(2));
/// assert_eq!(s.counter("tool.calls", &attrs!["tool" => "search"]), None);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsSnapshot {
    metrics: Vec<MetricSnapshot>,
}

/// One instrument and its series.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSnapshot {
    /// The instrument name, as created.
    pub name: String,
    /// The description (may be empty).
    pub description: String,
    /// The UCUM unit (may be empty), e.g. `s`, `By`, `{token}`.
    pub unit: String,
    /// The instrument kind.
    pub kind: InstrumentKind,
    /// One entry per attribute set, sorted by attribute set.
    pub series: Vec<SeriesSnapshot>,
}

/// One attribute set of one instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSnapshot {
    /// The attribute set, sorted by key.
    pub attributes: AttributeSet,
    /// The aggregated value.
    pub value: SeriesValue,
}

/// The aggregated value of a series.
#[derive(Clone, Debug, PartialEq)]
pub enum SeriesValue {
    /// A counter's sum.
    Counter(u64),
    /// An `f64` counter's sum.
    F64Counter(f64),
    /// An up-down counter's sum.
    UpDownCounter(i64),
    /// A histogram's distribution.
    Histogram(HistogramSnapshot),
    /// A gauge's last value.
    Gauge(f64),
}

/// A histogram series: count, sum, min, max and explicit-bucket counts.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramSnapshot {
    /// The number of recorded values.
    pub count: u64,
    /// The sum of recorded values, in `unit`.
    pub sum: f64,
    /// The smallest recorded value (`+∞` when `count` is 0).
    pub min: f64,
    /// The largest recorded value (`-∞` when `count` is 0).
    pub max: f64,
    /// The bucket upper bounds, strictly increasing.
    pub boundaries: Vec<f64>,
    /// `boundaries.len() + 1` counts (not cumulative): bucket `i` holds values `v` with
    /// `boundaries[i-1] < v <= boundaries[i]`; the last one holds values above every bound.
    pub bucket_counts: Vec<u64>,
    /// The instrument's unit, e.g. `s`.
    pub unit: String,
}

impl MetricsSnapshot {
    pub(crate) fn new(metrics: Vec<MetricSnapshot>) -> Self {
        Self { metrics }
    }

    /// Every instrument, sorted by name, then kind.
    pub fn metrics(&self) -> &[MetricSnapshot] {
        &self.metrics
    }

    /// The instrument `name` of `kind`.
    pub fn metric(&self, name: &str, kind: InstrumentKind) -> Option<&MetricSnapshot> {
        self.metrics
            .iter()
            .find(|m| m.name == name && m.kind == kind)
    }

    /// The series of instrument `name` of `kind` with exactly this attribute set (any order;
    /// a repeated key keeps its last value).
    pub fn series(
        &self,
        name: &str,
        kind: InstrumentKind,
        attributes: &[Attribute],
    ) -> Option<&SeriesSnapshot> {
        self.metric(name, kind)?.series(attributes)
    }

    /// The sum of counter `name` for exactly this attribute set.
    pub fn counter(&self, name: &str, attributes: &[Attribute]) -> Option<u64> {
        match self
            .series(name, InstrumentKind::Counter, attributes)?
            .value
        {
            SeriesValue::Counter(v) => Some(v),
            _ => None,
        }
    }

    /// The sum of `f64` counter `name` for exactly this attribute set.
    pub fn f64_counter(&self, name: &str, attributes: &[Attribute]) -> Option<f64> {
        self.metrics
            .iter()
            .filter(|m| m.name == name && m.kind == InstrumentKind::Counter)
            .flat_map(|m| &m.series)
            .find(|s| s.attributes.matches(attributes))
            .and_then(|s| match s.value {
                SeriesValue::F64Counter(v) => Some(v),
                _ => None,
            })
    }

    /// The sum of up-down counter `name` for exactly this attribute set.
    pub fn up_down_counter(&self, name: &str, attributes: &[Attribute]) -> Option<i64> {
        match self
            .series(name, InstrumentKind::UpDownCounter, attributes)?
            .value
        {
            SeriesValue::UpDownCounter(v) => Some(v),
            _ => None,
        }
    }

    /// The distribution of histogram `name` for exactly this attribute set.
    pub fn histogram(&self, name: &str, attributes: &[Attribute]) -> Option<&HistogramSnapshot> {
        match &self
            .series(name, InstrumentKind::Histogram, attributes)?
            .value
        {
            SeriesValue::Histogram(h) => Some(h),
            _ => None,
        }
    }

    /// The last value of gauge `name` for exactly this attribute set.
    pub fn gauge(&self, name: &str, attributes: &[Attribute]) -> Option<f64> {
        match self.series(name, InstrumentKind::Gauge, attributes)?.value {
            SeriesValue::Gauge(v) => Some(v),
            _ => None,
        }
    }

    /// Whether no instrument has been created.
    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }
}

impl MetricSnapshot {
    /// The series with exactly this attribute set (any order; a repeated key keeps its last
    /// value).
    pub fn series(&self, attributes: &[Attribute]) -> Option<&SeriesSnapshot> {
        self.series
            .iter()
            .find(|s| s.attributes.matches(attributes))
    }
}

/// Orders attribute sets (each sorted by key) by key, then by rendered value.
pub(crate) fn cmp_attribute_sets(a: &[Attribute], b: &[Attribute]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = x
            .key
            .cmp(&y.key)
            .then_with(|| x.value.to_string().cmp(&y.value.to_string()));
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}
