//! [`BasicMeter`]: in-memory metric aggregation.

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use telemetry_core::implement::{
    CounterFn, GaugeFn, HistogramFn, InstrumentsByName, UpDownCounterFn,
};
use telemetry_core::{
    Attribute, AttributeSet, Counter, DEFAULT_BUCKETS, DURATION_BUCKETS_SECONDS, Gauge, Histogram,
    InstrumentDescriptor, Meter, UpDownCounter,
};

use crate::snapshot::{
    HistogramSnapshot, InstrumentKind, MetricSnapshot, MetricsSnapshot, SeriesSnapshot, SeriesValue,
};

/// The default number of distinct attribute sets per instrument, as in the OpenTelemetry
/// Metrics SDK (*Cardinality limits*).
pub const DEFAULT_CARDINALITY_LIMIT: usize = 2000;

/// The attribute of the series that collects measurements past the cardinality limit
/// (OpenTelemetry Metrics SDK, *Overflow attribute*).
pub const OVERFLOW_ATTRIBUTE: &str = "otel.metric.overflow";

/// A meter that aggregates in memory, for local use, tests and a Prometheus scrape endpoint.
///
/// - Instruments are cached per meter by name and kind: creating one twice returns a handle
///   to the same aggregation, and the first descriptor (description, unit, boundaries) wins.
///   The by-name methods share the cache with the handles: `record_histogram` and
///   `record_duration` on one name feed one histogram, configured by whichever came first.
/// - Each instrument keeps one series per [`AttributeSet`]: attribute order does not matter
///   and a repeated key keeps its last value. Past the cardinality limit (default
///   [`DEFAULT_CARDINALITY_LIMIT`] series per instrument) measurements go to one overflow
///   series with the attribute `otel.metric.overflow = true` instead of being lost.
/// - Counters sum `u64`, up-down counters sum `i64` (both wrap on overflow), histograms keep
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

/// What a snapshot reports about an instrument besides its series.
struct Info {
    name: String,
    description: String,
    unit: String,
    kind: InstrumentKind,
}

impl Info {
    fn new(name: &str, description: &str, unit: &str, kind: InstrumentKind) -> Self {
        Self {
            name: name.to_owned(),
            description: description.to_owned(),
            unit: unit.to_owned(),
            kind,
        }
    }

    fn from_descriptor(d: &InstrumentDescriptor, kind: InstrumentKind) -> Self {
        Self::new(d.name(), d.description(), d.unit(), kind)
    }
}

/// The per-series aggregation of one instrument kind.
trait Aggregation: Send + Sync + 'static {
    /// Shared by every series of the instrument (histogram boundaries).
    type Config: Send + Sync + 'static;
    fn new(config: &Self::Config) -> Self;
    fn value(&self, config: &Self::Config) -> SeriesValue;
}

struct CounterAgg(AtomicU64);
struct UpDownAgg(AtomicI64);
struct GaugeAgg(AtomicU64);
struct HistogramAgg(Mutex<HistogramState>);

struct HistogramState {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    buckets: Box<[u64]>,
}

impl Aggregation for CounterAgg {
    type Config = ();
    fn new(_: &()) -> Self {
        Self(AtomicU64::new(0))
    }
    fn value(&self, _: &()) -> SeriesValue {
        SeriesValue::Counter(self.0.load(Ordering::Relaxed))
    }
}

impl Aggregation for UpDownAgg {
    type Config = ();
    fn new(_: &()) -> Self {
        Self(AtomicI64::new(0))
    }
    fn value(&self, _: &()) -> SeriesValue {
        SeriesValue::UpDownCounter(self.0.load(Ordering::Relaxed))
    }
}

impl Aggregation for GaugeAgg {
    type Config = ();
    fn new(_: &()) -> Self {
        Self(AtomicU64::new(0f64.to_bits()))
    }
    fn value(&self, _: &()) -> SeriesValue {
        SeriesValue::Gauge(f64::from_bits(self.0.load(Ordering::Relaxed)))
    }
}

impl Aggregation for HistogramAgg {
    type Config = Arc<[f64]>;
    fn new(boundaries: &Arc<[f64]>) -> Self {
        Self(Mutex::new(HistogramState {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            buckets: vec![0; boundaries.len() + 1].into_boxed_slice(),
        }))
    }
    fn value(&self, boundaries: &Arc<[f64]>) -> SeriesValue {
        let s = self.0.lock();
        SeriesValue::Histogram(HistogramSnapshot {
            count: s.count,
            sum: s.sum,
            min: s.min,
            max: s.max,
            boundaries: boundaries.to_vec(),
            bucket_counts: s.buckets.to_vec(),
            unit: String::new(),
        })
    }
}

/// One attribute set of one instrument.
struct Series<A> {
    attributes: AttributeSet,
    aggregation: A,
}

/// One instrument: its configuration and its series, found by the hash of their attribute
/// set ([`AttributeSet::hash_of`]).
struct Instrument<A: Aggregation> {
    info: Info,
    config: A::Config,
    limit: usize,
    series: RwLock<SeriesMap<A>>,
}

struct SeriesMap<A> {
    by_hash: HashMap<u64, Vec<Arc<Series<A>>>, BuildHasherDefault<PrehashedHasher>>,
    len: usize,
}

impl<A: Aggregation> Instrument<A> {
    fn new(info: Info, config: A::Config, limit: usize) -> Self {
        Self {
            info,
            config,
            limit,
            series: RwLock::new(SeriesMap {
                by_hash: HashMap::default(),
                len: 0,
            }),
        }
    }

    /// Runs `f` on the series for `attributes`, creating it on first use.
    #[inline]
    fn with_series(&self, attributes: &[Attribute], f: impl FnOnce(&A)) {
        let hash = AttributeSet::hash_of(attributes);
        {
            let map = self.series.read();
            if let Some(s) = find(&map, hash, attributes) {
                f(&s.aggregation);
                return;
            }
        }
        self.with_new_series(hash, attributes, f);
    }

    #[cold]
    fn with_new_series(&self, hash: u64, attributes: &[Attribute], f: impl FnOnce(&A)) {
        // A list that repeats a key is filed under its set's hash, not the list's.
        let set = AttributeSet::from(attributes);
        let hash = if AttributeSet::repeats_a_key(attributes) {
            set.hash_code()
        } else {
            hash
        };
        let mut map = self.series.write();
        if let Some(s) = find(&map, hash, &set) {
            f(&s.aggregation);
            return;
        }
        let (hash, set) = if map.len >= self.limit {
            let overflow = AttributeSet::from(&[Attribute::new(OVERFLOW_ATTRIBUTE, true)][..]);
            let hash = overflow.hash_code();
            if let Some(s) = find(&map, hash, &overflow) {
                f(&s.aggregation);
                return;
            }
            (hash, overflow)
        } else {
            (hash, set)
        };
        let series = Arc::new(Series {
            attributes: set,
            aggregation: A::new(&self.config),
        });
        f(&series.aggregation);
        map.by_hash.entry(hash).or_default().push(series);
        map.len += 1;
    }

    fn snapshot(&self) -> MetricSnapshot {
        let map = self.series.read();
        let mut series: Vec<SeriesSnapshot> = map
            .by_hash
            .values()
            .flatten()
            .map(|s| SeriesSnapshot {
                attributes: sorted(&s.attributes),
                value: match s.aggregation.value(&self.config) {
                    SeriesValue::Histogram(mut h) => {
                        h.unit.clone_from(&self.info.unit);
                        SeriesValue::Histogram(h)
                    }
                    v => v,
                },
            })
            .collect();
        drop(map);
        series.sort_by(|a, b| crate::snapshot::cmp_attribute_sets(&a.attributes, &b.attributes));
        MetricSnapshot {
            name: self.info.name.clone(),
            description: self.info.description.clone(),
            unit: self.info.unit.clone(),
            kind: self.info.kind,
            series,
        }
    }
}

fn find<'m, A>(
    map: &'m SeriesMap<A>,
    hash: u64,
    attributes: &[Attribute],
) -> Option<&'m Series<A>> {
    map.by_hash
        .get(&hash)?
        .iter()
        .find(|s| s.attributes.matches(attributes))
        .map(|s| &**s)
}

impl CounterFn for Instrument<CounterAgg> {
    #[inline]
    fn add(&self, value: u64, attributes: &[Attribute]) {
        self.with_series(attributes, |a| {
            a.0.fetch_add(value, Ordering::Relaxed);
        });
    }
}

impl UpDownCounterFn for Instrument<UpDownAgg> {
    #[inline]
    fn add(&self, value: i64, attributes: &[Attribute]) {
        self.with_series(attributes, |a| {
            a.0.fetch_add(value, Ordering::Relaxed);
        });
    }
}

impl GaugeFn for Instrument<GaugeAgg> {
    #[inline]
    fn record(&self, value: f64, attributes: &[Attribute]) {
        self.with_series(attributes, |a| {
            a.0.store(value.to_bits(), Ordering::Relaxed)
        });
    }
}

impl HistogramFn for Instrument<HistogramAgg> {
    #[inline]
    fn record(&self, value: f64, attributes: &[Attribute]) {
        // Find the bucket before taking the lock.
        let bucket = self.config.partition_point(|b| *b < value);
        self.with_series(attributes, |a| {
            let mut s = a.0.lock();
            s.count += 1;
            s.sum += value;
            s.min = s.min.min(value);
            s.max = s.max.max(value);
            s.buckets[bucket] += 1;
        });
    }
}

/// The instruments of one kind, by name.
struct Registry<A: Aggregation> {
    by_name: RwLock<HashMap<String, Arc<Instrument<A>>>>,
}

impl<A: Aggregation> Default for Registry<A> {
    fn default() -> Self {
        Self {
            by_name: RwLock::new(HashMap::new()),
        }
    }
}

impl<A: Aggregation> Registry<A> {
    fn get_or_create(
        &self,
        info: Info,
        limit: usize,
        config: impl FnOnce() -> A::Config,
    ) -> Arc<Instrument<A>> {
        if let Some(i) = self.by_name.read().get(&info.name) {
            return i.clone();
        }
        self.by_name
            .write()
            .entry(info.name.clone())
            .or_insert_with(|| Arc::new(Instrument::new(info, config(), limit)))
            .clone()
    }

    fn len(&self) -> usize {
        self.by_name.read().len()
    }

    fn collect(&self, out: &mut Vec<MetricSnapshot>) {
        let instruments: Vec<Arc<Instrument<A>>> = self.by_name.read().values().cloned().collect();
        out.extend(instruments.iter().map(|i| i.snapshot()));
    }
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// A snapshot's copy of a series' set, sorted by key so that output is stable.
fn sorted(set: &AttributeSet) -> AttributeSet {
    let mut v = set.to_vec();
    v.sort_by(|a, b| a.key.cmp(&b.key));
    AttributeSet::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::attrs;

    #[test]
    fn a_repeated_key_records_into_the_series_of_its_set() {
        let meter = BasicMeter::new();
        let c = meter.counter(&InstrumentDescriptor::new("c").unwrap());
        c.add(1, &attrs!["a" => 0, "b" => "x", "a" => 1]);
        c.add(2, &attrs!["b" => "x", "a" => 1]);
        c.add(4, &attrs!["a" => 1, "b" => "x", "b" => "x"]);
        let s = meter.snapshot();
        assert_eq!(
            s.metric("c", InstrumentKind::Counter).unwrap().series.len(),
            1
        );
        assert_eq!(s.counter("c", &attrs!["a" => 1, "b" => "x"]), Some(7));
    }

    #[test]
    fn overflow_series_collects_past_the_limit() {
        let meter = BasicMeter::with_cardinality_limit(2);
        for i in 0..5i64 {
            meter.record_counter("c", 1, &[Attribute::new("i", i)]);
        }
        let s = meter.snapshot();
        assert_eq!(s.counter("c", &attrs!["i" => 0]), Some(1));
        assert_eq!(s.counter("c", &attrs!["i" => 1]), Some(1));
        assert_eq!(s.counter("c", &attrs!["i" => 2]), None);
        assert_eq!(s.counter("c", &attrs![OVERFLOW_ATTRIBUTE => true]), Some(3));
    }
}
